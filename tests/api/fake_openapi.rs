//! A strict stand-in for DingTalk's open API (`api.dingtalk.com`) on loopback, written from the
//! documented shapes: the token endpoint checks AppKey and AppSecret and hands out tokens that
//! expire; the card endpoints answer 401 `InvalidAuthentication` without a live token, 400 on a
//! missing field or a `cardParamMap` value that is not a string, and refuse a second
//! `createAndDeliver` with the same `outTrackId`. It keeps each card's current data, and the
//! DINGs it was asked to send (`ding.rs`).

use crate::helpers::serve_fake;
use actix_web::web;
use serde_json::{Value, json};

mod ding;
mod endpoints;
mod rules;
pub use ding::SentDing;
use endpoints::{access_token, create_and_deliver, ding_send, update};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const APP_KEY: &str = "dingfakeappkey";
pub const APP_SECRET: &str = "fake-app-s3cret-0123";
/// The app robot the fake knows; any other `robotCode` is refused.
pub const ROBOT_CODE: &str = "dingfakerobot";
/// The open API's limit on one `cardParamMap` value is about 1 KB.
const MAX_VALUE_BYTES: usize = 1024;

#[derive(Debug, Clone)]
pub struct Card {
    pub template_id: String,
    pub open_space_id: String,
    pub robot_code: String,
    pub params: BTreeMap<String, String>,
    /// `imGroupOpenDeliverModel.atUserIds` of the create: userId → name.
    pub at_user_ids: BTreeMap<String, String>,
    pub updates: usize,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub code: String,
    /// The access token the request carried (card endpoints).
    pub token: Option<String>,
}

#[derive(Default)]
struct State {
    lifetime_secs: u64,
    tokens: HashMap<String, Instant>,
    issued: Vec<String>,
    refuse_every_token: bool,
    fail_next: usize,
    throttle_next: usize,
    delay: Duration,
    cards: HashMap<String, Card>,
    log: Vec<Received>,
    dings: Vec<SentDing>,
    /// Every DING answers this (an edition without DING).
    refuse_dings: Option<Reply>,
    /// The organisation's month: once this many requests were answered, card and DING
    /// requests answer `90020`.
    quota: Option<usize>,
}

#[derive(Clone)]
pub struct FakeOpenApi {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeOpenApi {
    /// Tokens it issues say `expireIn: lifetime_secs` and stop working after that.
    pub async fn start(lifetime_secs: u64) -> Self {
        let state = Arc::new(Mutex::new(State {
            lifetime_secs,
            ..Default::default()
        }));
        let port = serve_fake("fake open API", state.clone(), |routes| {
            routes
                .route("/v1.0/oauth2/accessToken", web::post().to(access_token))
                .route(
                    "/v1.0/card/instances/createAndDeliver",
                    web::post().to(create_and_deliver),
                )
                .route("/v1.0/card/instances", web::put().to(update))
                .route("/v1.0/robot/ding/send", web::post().to(ding_send));
        });
        Self {
            url: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("fake open API state")
    }

    /// The next `n` requests, to any endpoint, answer HTTP 500.
    pub fn fail_next(&self, n: usize) {
        self.lock().fail_next = n;
    }

    /// The next `n` card requests answer 403 `Forbidden.AccessDenied.QpsLimitForApi`.
    pub fn throttle_next(&self, n: usize) {
        self.lock().throttle_next = n;
    }

    /// Answer every request only after `delay`.
    pub fn set_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    /// Every token issued so far stops working, as after a rotation on DingTalk's side.
    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    /// Issue tokens, but refuse them all on the card endpoints (an app without the permission).
    pub fn refuse_every_token(&self) {
        self.lock().refuse_every_token = true;
    }

    pub fn tokens_issued(&self) -> Vec<String> {
        self.lock().issued.clone()
    }

    pub fn token_expired(&self, token: &str) -> bool {
        self.lock()
            .tokens
            .get(token)
            .is_none_or(|until| Instant::now() >= *until)
    }

    pub fn card(&self, out_track_id: &str) -> Option<Card> {
        self.lock().cards.get(out_track_id).cloned()
    }

    /// Every card it holds, by `outTrackId`.
    pub fn cards(&self) -> Vec<(String, Card)> {
        let st = self.lock();
        st.cards
            .iter()
            .map(|(id, c)| (id.clone(), c.clone()))
            .collect()
    }

    /// Creates it answered 200 (a retried create of a card it holds is refused, 400).
    pub fn cards_created(&self) -> usize {
        self.log()
            .iter()
            .filter(|r| r.path.ends_with("createAndDeliver") && r.status == 200)
            .count()
    }

    pub fn card_count(&self) -> usize {
        self.lock().cards.len()
    }

    /// The DINGs it accepted, oldest first.
    pub fn dings(&self) -> Vec<SentDing> {
        self.lock().dings.clone()
    }

    /// Every DING from now on is refused as DingTalk refuses an edition without DING.
    pub fn refuse_dings(&self) {
        self.lock().refuse_dings = Some(error(
            403,
            "Forbidden.AccessDenied.AccessTokenPermissionDenied",
            "没有调用该接口的权限",
        ));
    }

    /// Once `calls` requests (any endpoint, the token's included) were answered, every card
    /// and DING request answers 400 `90020`, as DingTalk does when the month's quota is spent.
    pub fn set_quota(&self, calls: usize) {
        self.lock().quota = Some(calls);
    }

    /// Every request answered so far, to any endpoint: what DingTalk could meter.
    pub fn calls(&self) -> usize {
        self.lock().log.len()
    }

    /// Requests answered `90020`.
    pub fn quota_refusals(&self) -> usize {
        self.log().iter().filter(|r| r.code == "90020").count()
    }

    pub fn log(&self) -> Vec<Received> {
        self.lock().log.clone()
    }

    /// Requests answered 401.
    pub fn unauthorized(&self) -> usize {
        self.log().iter().filter(|r| r.status == 401).count()
    }
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    let body = json!({"code": code, "message": message, "requestid": "fake-req-1"});
    (status, code.to_string(), body)
}

type Shared = web::Data<Arc<Mutex<State>>>;
/// Status, error code (empty on success) and body of an answer.
type Reply = (u16, String, Value);

/// A configuration file with one card robot `cards` on this fake, whose callbacks are signed
/// with `callback_secret`, and one route to `robots` (a TOML array's inside: `"cards"`).
pub fn card_robot_config(callback_secret: &str, robots: &str) -> String {
    let entry = card_robot_entry("cards", callback_secret, "");
    format!("{entry}\n[[routes]]\nrobots = [{robots}]\n")
}

/// One `[[robots]]` entry: card robot `name` on this fake, its callbacks signed with
/// `callback_secret`, with the TOML lines `extra` (storm keys, the quota) at its end.
pub fn card_robot_entry(name: &str, callback_secret: &str, extra: &str) -> String {
    format!(
        r#"
[[robots]]
name = "{name}"
kind = "card"
app_key = "{APP_KEY}"
app_secret = "{APP_SECRET}"
robot_code = "{ROBOT_CODE}"
card_template_id = "tpl"
open_conversation_id = "cidFAKE=="
callback_secret = "{callback_secret}"
{extra}
"#
    )
}
