//! A strict stand-in for DingTalk's custom robot, on loopback: it checks the signature, the
//! keyword, the size, the 20-per-minute limit with its 10-minute throttle, answers with
//! DingTalk's errcodes, and drops a repeated `msgUuid` as the real one does. The limit counts
//! every request, a repeated `msgUuid` too: the real one answered 130101 to a relay whose
//! re-sends after crashes made 21 requests in 36 s (issue 17).

use crate::helpers::serve_fake;
use actix_web::{HttpResponse, web};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const TOKEN: &str = "test-token-0123";

#[derive(Debug, Clone)]
pub struct Received {
    pub errcode: i64,
    pub body: Value,
    /// A repeat of an accepted `msgUuid`: answered ok, not posted again.
    pub duplicate: bool,
    /// When the request arrived.
    pub at: Instant,
}

impl Received {
    pub fn text(&self) -> String {
        let text = self
            .body
            .pointer("/markdown/text")
            .or_else(|| self.body.pointer("/actionCard/text"));
        text.and_then(Value::as_str).unwrap_or_default().to_string()
    }
}

#[derive(Default)]
struct State {
    secret: Option<String>,
    keyword: Option<String>,
    rate: usize,
    sent: VecDeque<Instant>,
    throttled_until: Option<Instant>,
    fail_next: usize,
    delay: Duration,
    started: usize,
    refuse_with: Option<(i64, String)>,
    refuse_once: Option<(i64, String)>,
    uuids: HashSet<String>,
    log: Vec<Received>,
}

#[derive(Clone)]
pub struct FakeRobot {
    pub webhook: String,
    state: Arc<Mutex<State>>,
}

impl FakeRobot {
    pub async fn start(secret: Option<&str>, keyword: Option<&str>, rate: usize) -> Self {
        let state = Arc::new(Mutex::new(State {
            secret: secret.map(str::to_string),
            keyword: keyword.map(str::to_string),
            rate,
            ..Default::default()
        }));
        let port = serve_fake("fake robot", state.clone(), |routes| {
            routes.route("/robot/send", web::post().to(send));
        });
        Self {
            webhook: format!("http://127.0.0.1:{port}/robot/send?access_token={TOKEN}"),
            state,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("fake robot state")
    }

    /// The next `n` requests answer HTTP 500.
    pub fn fail_next(&self, n: usize) {
        self.lock().fail_next = n;
    }

    /// Take each message at once but answer only after `delay`, so sends stay in flight.
    pub fn set_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    /// Refuse every message with this errcode until cleared (e.g. a robot misconfiguration).
    pub fn refuse_with(&self, answer: Option<(i64, &str)>) {
        self.lock().refuse_with = answer.map(|(c, m)| (c, m.to_string()));
    }

    /// Refuse the next message with this errcode; take the ones after it.
    pub fn refuse_once(&self, code: i64, text: &str) {
        self.lock().refuse_once = Some((code, text.to_string()));
    }

    /// Requests that arrived, answered or not yet.
    pub fn requests_started(&self) -> usize {
        self.lock().started
    }

    pub fn log(&self) -> Vec<Received> {
        self.lock().log.clone()
    }

    /// Messages DingTalk would have posted in the group.
    pub fn posted(&self) -> Vec<Received> {
        self.log()
            .into_iter()
            .filter(|r| r.errcode == 0 && !r.duplicate)
            .collect()
    }

    /// The most requests that arrived within any 60 s: what DingTalk's limit counts.
    pub fn most_requests_in_a_minute(&self) -> usize {
        let times: Vec<Instant> = self.log().iter().map(|r| r.at).collect();
        (0..times.len())
            .map(|i| {
                times[i..]
                    .iter()
                    .take_while(|t| t.duration_since(times[i]) < Duration::from_secs(60))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    pub fn rejections(&self) -> Vec<i64> {
        self.log()
            .iter()
            .map(|r| r.errcode)
            .filter(|c| *c != 0)
            .collect()
    }

    /// Polls until `cond` holds or the deadline passes; returns whether it held.
    pub async fn wait_for(&self, deadline: Duration, cond: impl Fn(&[Received]) -> bool) -> bool {
        let end = Instant::now() + deadline;
        loop {
            if cond(&self.posted()) {
                return true;
            }
            if Instant::now() > end {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn reply(status: u16, errcode: i64, errmsg: &str) -> (HttpResponse, i64) {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or_default();
    (
        HttpResponse::build(status).json(json!({"errcode": errcode, "errmsg": errmsg})),
        errcode,
    )
}

fn expected_sign(secret: &str, ts: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{ts}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn send(
    query: web::Query<Vec<(String, String)>>,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    let (resp, delay) = {
        let mut st = state.lock().expect("state");
        st.started += 1;
        let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let (resp, errcode, duplicate) = check(&mut st, &query, &body, &parsed);
        st.log.push(Received {
            errcode,
            body: parsed,
            duplicate,
            at: Instant::now(),
        });
        (resp, st.delay)
    };
    // A slow answer after the message was taken: the sender may die before it hears "ok".
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    resp
}

fn check(
    st: &mut State,
    query: &[(String, String)],
    raw: &[u8],
    msg: &Value,
) -> (HttpResponse, i64, bool) {
    let q = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let done = |(r, c): (HttpResponse, i64)| (r, c, false);
    if st.fail_next > 0 {
        st.fail_next -= 1;
        return done(reply(500, -1, "injected failure"));
    }
    if q("access_token").as_deref() != Some(TOKEN) {
        return done(reply(200, 300001, "token is not exist"));
    }
    if let Some(secret) = st.secret.clone() {
        let ts = q("timestamp").unwrap_or_default();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_millis() as i64;
        match ts.parse::<i64>() {
            Ok(t) if (now - t).abs() <= 3_600_000 => {}
            _ => return done(reply(200, 310000, "invalid timestamp")),
        }
        // `web::Query` has already decoded the value once, as DingTalk does.
        if q("sign").as_deref() != Some(expected_sign(&secret, &ts).as_str()) {
            return done(reply(200, 310000, "sign not match"));
        }
    }
    let kind = msg
        .get("msgtype")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !matches!(kind, "markdown" | "actionCard") {
        return done(reply(200, 40035, "missing or unsupported msgtype"));
    }
    if raw.len() > 20_000 {
        return done(reply(200, 460101, "message too long, exceed 20000 bytes"));
    }
    let content = msg.get(kind).map(Value::to_string).unwrap_or_default();
    if st
        .keyword
        .as_ref()
        .is_some_and(|kw| !content.contains(kw.as_str()))
    {
        return done(reply(200, 310000, "keywords not in content"));
    }
    if let Some((code, text)) = st.refuse_with.clone().or_else(|| st.refuse_once.take()) {
        return done(reply(200, code, &text));
    }
    let now = Instant::now();
    if st.throttled_until.is_some_and(|t| t > now) {
        return done(reply(
            200,
            130101,
            "send too fast, exceed 20 times per minute",
        ));
    }
    while st
        .sent
        .front()
        .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
    {
        st.sent.pop_front();
    }
    if st.sent.len() >= st.rate {
        st.throttled_until = Some(now + Duration::from_secs(600));
        return done(reply(
            200,
            130101,
            "send too fast, exceed 20 times per minute",
        ));
    }
    st.sent.push_back(now);
    let uuid = msg
        .get("msgUuid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if !uuid.is_empty() && !st.uuids.insert(uuid) {
        let (r, c) = reply(200, 0, "ok");
        return (r, c, true);
    }
    done(reply(200, 0, "ok"))
}
