//! Card robots end to end: the relay, its outbox and the strict fake open API. One card per
//! Sentry issue, updated in place; buttons signed with the callback secret; outages, an expired
//! token and a SIGKILL cost no card and make no second one; no secret or token in the log.

mod clicks;
mod digest;
mod race;
mod restart;

use crate::fake_openapi::{APP_KEY, APP_SECRET, Card, FakeOpenApi, ROBOT_CODE};
use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use sentry_dingtalk::outbox::{MessageState, SharedOutbox};
use sentry_dingtalk::{CARD_VARIABLES, Secret, card_callback_signature};
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub(crate) const CALLBACK_SECRET: &str = "card-cb-s3cret-9876";
const ROBOT: &str = "oncall-cards";
pub(crate) const ISSUE: &str = "5128840021";
const TEMPLATE: &str = "sentry-alert.schema";
/// The userId the route @-mentions.
const ONCALL: &str = "u-oncall-01";

fn config(robot: &str) -> String {
    format!(
        r#"
[[robots]]
name = "{robot}"
kind = "card"
app_key = "{APP_KEY}"
app_secret = "{APP_SECRET}"
robot_code = "{ROBOT_CODE}"
card_template_id = "{TEMPLATE}"
open_conversation_id = "cidFAKE=="
callback_secret = "{CALLBACK_SECRET}"
callback_route_key = "sentry-relay"
rate_per_minute = 18

[[routes]]
robots = ["{robot}"]
mention = {{ user_ids = ["{ONCALL}"] }}
"#
    )
}

pub(crate) async fn card_app(fake: &FakeOpenApi, sentry: Option<&MockServer>) -> TestApp {
    card_app_with(fake, sentry, "").await
}

/// `card_app` with `extra` appended to its configuration file (people, rotas).
pub(crate) async fn card_app_with(
    fake: &FakeOpenApi,
    sentry: Option<&MockServer>,
    extra: &str,
) -> TestApp {
    let extra = extra.to_owned();
    let api = fake.url.clone();
    let sentry = sentry.map(MockServer::uri);
    spawn_app_with(move |s| {
        s.dingtalk_api_url = api;
        if let Some(uri) = sentry {
            s.sentry_api_token = Some(Secret::new("api-token"));
            s.sentry_url = uri;
        }
        let dir = tempfile::tempdir().expect("tmp").keep();
        with_config_file(s, &dir, &format!("{}{extra}", config(ROBOT)));
    })
    .await
}

/// `example(name)` with its event id (or issue id) changed, so it is not a duplicate webhook.
pub(crate) fn variant(name: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&example(name)).expect("example JSON");
    edit(&mut v);
    serde_json::to_vec(&v).expect("JSON")
}

pub(crate) fn repeat(n: usize) -> Vec<u8> {
    variant("event_alert-triggered.json", |v| {
        v["data"]["event"]["event_id"] = json!(format!("{n:032x}"));
    })
}

fn resolved() -> Vec<u8> {
    variant("issue-resolved.json", |v| {
        v["data"]["issue"]["id"] = json!(ISSUE);
    })
}

pub(crate) async fn track_id(outbox: &SharedOutbox) -> Option<String> {
    let card = outbox.card(ROBOT, &format!("issue:{ISSUE}")).await.ok()??;
    Some(card.out_track_id)
}

/// Waits until the issue's card at the fake satisfies `cond`; returns it.
pub(crate) async fn wait_card(
    fake: &FakeOpenApi,
    outbox: &SharedOutbox,
    cond: impl Fn(&Card) -> bool,
) -> Card {
    let end = std::time::Instant::now() + WAIT;
    let mut last = None;
    while std::time::Instant::now() < end {
        if let Some(id) = track_id(outbox).await {
            last = fake.card(&id);
            if last.as_ref().is_some_and(&cond) {
                return last.expect("card");
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("card never got there; last seen: {last:?}");
}

pub(crate) fn param<'a>(card: &'a Card, key: &str) -> &'a str {
    card.params.get(key).map_or("<missing>", String::as_str)
}

#[tokio::test]
async fn one_card_per_issue_counts_repeats_and_turns_resolved() {
    let fake = FakeOpenApi::start(7200).await;
    let app = card_app(&fake, None).await;
    let r = app
        .post_signed("issue", &example("issue-created.json"))
        .await;
    assert_eq!(r.status().as_u16(), 202);
    let card = wait_card(&fake, &app.outbox, |c| param(c, "count") == "1").await;
    assert_eq!(card.template_id, TEMPLATE);
    assert_eq!(card.open_space_id, "dtv1.card//IM_GROUP.cidFAKE==");
    assert_eq!(card.robot_code, ROBOT_CODE);
    // The route's user ids are @-mentioned when the card is delivered.
    assert_eq!(
        card.at_user_ids,
        std::collections::BTreeMap::from([(ONCALL.to_string(), ONCALL.to_string())])
    );
    let mut keys: Vec<&str> = card.params.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut want = CARD_VARIABLES.to_vec();
    want.sort_unstable();
    assert_eq!(keys, want);
    assert_eq!(param(&card, "status"), "firing");
    assert_eq!(param(&card, "title"), "ZeroDivisionError: division by zero");
    assert_eq!(
        (param(&card, "level"), param(&card, "project")),
        ("error", "payments-api")
    );
    assert!(param(&card, "markdown").contains("ZeroDivisionError"));
    for n in 1..=3 {
        let r = app.post_signed("event_alert", &repeat(n)).await;
        assert_eq!(r.status().as_u16(), 202);
    }
    let card = wait_card(&fake, &app.outbox, |c| param(c, "count") == "4").await;
    assert_eq!(fake.card_count(), 1, "no second card");
    assert!(card.updates >= 1);
    assert_eq!(param(&card, "status"), "firing");
    app.post_signed("issue", &resolved()).await;
    let card = wait_card(&fake, &app.outbox, |c| param(c, "status") == "resolved").await;
    assert_eq!(param(&card, "count"), "5");
    assert_eq!(fake.card_count(), 1);
    let creates = fake
        .log()
        .iter()
        .filter(|r| r.path.ends_with("createAndDeliver"))
        .count();
    assert_eq!(creates, 1);
    assert!(
        app.robot.posted().is_empty(),
        "nothing went to a custom robot"
    );
    // Operations are messages: visible and sent.
    assert!(
        app.wait_messages(MessageState::Sent, 1, WAIT).await,
        "{:?}",
        app.messages(None).await
    );
    let metrics = app.metrics().await;
    let sent_line = metrics.lines().any(|l| {
        l.contains("deliveries_total")
            && l.contains(&format!("robot=\"{ROBOT}\""))
            && l.contains("outcome=\"sent\"")
            && !l.ends_with(" 0")
    });
    assert!(sent_line, "{metrics}");
}

pub(crate) async fn click(
    app_address: &str,
    out_track_id: &str,
    action: &str,
    user: &str,
    secret: &str,
) -> u16 {
    let ts = sentry_dingtalk::now_ms().to_string();
    let sig = card_callback_signature(&Secret::new(secret), &ts);
    let content = json!({"cardPrivateData": {"actionIds": ["b1"], "params": {"action": action}}});
    let body = json!({
        "type": "actionCallback", "outTrackId": out_track_id, "corpId": "dingcorp",
        "userId": user, "content": content.to_string(),
    });
    reqwest::Client::new()
        .post(format!("{app_address}/dingtalk/card-callback"))
        .header("x-ddpaas-signature-timestamp", ts)
        .header("x-ddpaas-signature", sig)
        .json(&body)
        .send()
        .await
        .expect("relay answers")
        .status()
        .as_u16()
}

/// A card relay using `sentry` as the Sentry API, once the issue's card exists; its track id.
pub(crate) async fn app_with_a_card(sentry: &MockServer) -> (FakeOpenApi, TestApp, String) {
    let fake = FakeOpenApi::start(7200).await;
    let app = card_app(&fake, Some(sentry)).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    wait_card(&fake, &app.outbox, |c| param(c, "count") == "1").await;
    let id = track_id(&app.outbox).await.expect("card");
    (fake, app, id)
}
