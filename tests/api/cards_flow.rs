//! Card robots end to end: the relay, its outbox and the strict fake open API. One card per
//! Sentry issue, updated in place; buttons signed with the callback secret; outages, an expired
//! token and a SIGKILL cost no card and make no second one; no secret or token in the log.

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

async fn issue_puts(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "PUT")
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

#[tokio::test]
async fn a_signed_click_resolves_the_issue_once_and_updates_the_card() {
    let sentry = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/0/organizations/acme/issues/{ISSUE}/")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "resolved"})))
        .mount(&sentry)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&sentry)
        .await;
    let (fake, app, id) = app_with_a_card(&sentry).await;

    // Badly signed: 401, nothing happens.
    assert_eq!(
        click(&app.address, &id, "resolve", "u007", "wrong-secret").await,
        401
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(issue_puts(&sentry).await.is_empty());
    assert_eq!(param(&fake.card(&id).expect("card"), "status"), "firing");

    // Signed: the issue is resolved in Sentry and the card for everyone.
    assert_eq!(
        click(&app.address, &id, "resolve", "u007", CALLBACK_SECRET).await,
        200
    );
    let card = wait_card(&fake, &app.outbox, |c| param(c, "status") == "resolved").await;
    assert_eq!(fake.card_count(), 1);
    assert_eq!(
        issue_puts(&sentry).await,
        vec![json!({"status": "resolved"})]
    );
    // The same click again: answered, done once.
    assert_eq!(
        click(&app.address, &id, "resolve", "u007", CALLBACK_SECRET).await,
        200
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(issue_puts(&sentry).await.len(), 1);
    let updates = card.updates;

    // Claim: recorded and shown, no Sentry call.
    assert_eq!(
        click(&app.address, &id, "claim", "u008", CALLBACK_SECRET).await,
        200
    );
    let card = wait_card(&fake, &app.outbox, |c| param(c, "status") == "claimed").await;
    assert_eq!(param(&card, "claimed_by"), "u008");
    assert!(card.updates > updates);
    assert_eq!(issue_puts(&sentry).await.len(), 1);
}

#[tokio::test]
async fn a_click_in_progress_when_the_relay_stops_is_finished_before_it_exits() {
    // Sentry answers slowly: the click is still being acted on when the stop comes.
    let sentry = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/0/organizations/acme/issues/{ISSUE}/")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "resolved"}))
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&sentry)
        .await;
    let (_fake, mut app, id) = app_with_a_card(&sentry).await;
    assert_eq!(
        click(&app.address, &id, "resolve", "u007", CALLBACK_SECRET).await,
        200
    );
    app.halt().await;
    // The click was marked done when it was answered; dropped half-way, it would be lost.
    assert_eq!(
        issue_puts(&sentry).await,
        vec![json!({"status": "resolved"})]
    );
    let card = app
        .outbox
        .card(ROBOT, &format!("issue:{ISSUE}"))
        .await
        .expect("outbox")
        .expect("card");
    assert_eq!(card.status, "resolved");
}

#[tokio::test]
async fn an_expired_token_is_renewed_and_an_outage_delays_the_card_without_losing_it() {
    let fake = FakeOpenApi::start(7200).await;
    fake.fail_next(3);
    let app = card_app(&fake, None).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    wait_card(&fake, &app.outbox, |c| param(c, "count") == "1").await;
    assert_eq!(fake.card_count(), 1);
    let retried = app.messages(None).await;
    assert!(
        retried.iter().any(|m| m.attempts >= 2),
        "the 500s were retried: {retried:?}"
    );
    // DingTalk drops the token: the next update fetches a new one and goes through.
    fake.revoke_tokens();
    app.post_signed("event_alert", &repeat(1)).await;
    wait_card(&fake, &app.outbox, |c| param(c, "count") == "2").await;
    assert_eq!(fake.tokens_issued().len(), 2);
    assert_eq!(fake.unauthorized(), 1);
    assert_eq!(fake.card_count(), 1);
}

/// Posts `body` to a child relay as Sentry would.
async fn post_child(base: &str, resource: &str, body: Vec<u8>) -> u16 {
    let sig = sentry_dingtalk::signature::sign(&body, &Secret::new(CLIENT_SECRET));
    reqwest::Client::new()
        .post(format!("{base}/webhooks/sentry"))
        .header("Content-Type", "application/json")
        .header("Request-ID", uuid::Uuid::new_v4().simple().to_string())
        .header("Sentry-Hook-Resource", resource)
        .header("Sentry-Hook-Signature", sig)
        .header("Sentry-Hook-Timestamp", "1700000000")
        .body(body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

fn child(
    robot: &FakeRobot,
    fake: &FakeOpenApi,
    data: &std::path::Path,
    port: u16,
) -> std::process::Child {
    let config = data.join("cards.toml");
    std::fs::create_dir_all(data).expect("dir");
    std::fs::write(&config, config_text()).expect("config");
    serve(
        robot,
        data,
        port,
        &[
            ("CONFIG_FILE", config.to_str().expect("utf-8")),
            ("DINGTALK_API_URL", &fake.url),
            ("RUST_LOG", "trace"),
        ],
    )
}

fn config_text() -> String {
    config(ROBOT)
}

/// A SIGKILL after DingTalk made the card but before the relay recorded it: the restarted
/// relay updates that card, never makes a second. No secret or token reaches the log, at
/// trace level.
#[tokio::test]
async fn after_sigkill_and_restart_the_same_card_is_updated_and_nothing_secret_is_logged() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let fake = FakeOpenApi::start(7200).await;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut relay = child(&robot, &fake, &data, port);
    assert!(wait_healthy(&http, &base).await, "relay did not start");
    // The create is made at the fake, its answer held back; the relay dies waiting for it.
    fake.set_delay(Duration::from_secs(3));
    assert_eq!(
        post_child(&base, "issue", example("issue-created.json")).await,
        202
    );
    assert!(poll(WAIT, || fake.card_count() == 1).await);
    relay.kill().expect("SIGKILL");
    let _ = relay.wait();
    fake.set_delay(Duration::ZERO);

    let mut relay = child(&robot, &fake, &data, port);
    assert!(wait_healthy(&http, &base).await, "relay did not restart");
    let only = |f: &FakeOpenApi| {
        f.log()
            .iter()
            .filter(|r| r.path.ends_with("instances"))
            .count()
    };
    assert!(
        poll(WAIT, || only(&fake) >= 1).await,
        "the restarted relay updated the card"
    );
    assert_eq!(post_child(&base, "event_alert", repeat(9)).await, 202);
    let counted = poll(WAIT, || {
        fake.log()
            .iter()
            .filter(|r| r.path.ends_with("instances") && r.status == 200)
            .count()
            >= 2
    })
    .await;
    assert!(counted, "{:?}", fake.log());
    assert_eq!(fake.card_count(), 1, "never a second card");
    let creates: Vec<u16> = fake
        .log()
        .iter()
        .filter(|r| r.path.ends_with("createAndDeliver"))
        .map(|r| r.status)
        .collect();
    assert_eq!(creates, vec![200, 400], "the retried create found the card");
    // A click, signed and not, so the callback path logs too.
    let outbox =
        sentry_dingtalk::outbox::open_sqlite(&data, sentry_dingtalk::outbox::Access::Shared)
            .expect("outbox");
    let id = track_id(&outbox).await.expect("card");
    let card = fake.card(&id).expect("card");
    assert_eq!(param(&card, "count"), "2");
    assert_eq!(click(&base, &id, "claim", "u1", CALLBACK_SECRET).await, 200);
    assert_eq!(click(&base, &id, "claim", "u2", "nope").await, 401);
    assert!(
        poll(WAIT, || fake
            .card(&id)
            .is_some_and(|c| param(&c, "status") == "claimed"))
        .await
    );
    relay.kill().expect("kill");
    let _ = relay.wait();
    let log = std::fs::read_to_string(data.join("relay.log")).expect("log");
    assert!(log.contains("card operation"), "trace log is written");
    for secret in [APP_SECRET, CALLBACK_SECRET] {
        assert!(!log.contains(secret), "secret in the log");
    }
    for token in fake.tokens_issued() {
        assert!(!log.contains(&token), "token in the log");
    }
}

/// A new issue of its own (id and title).
fn new_issue(n: usize) -> Vec<u8> {
    variant("issue-created.json", |v| {
        v["data"]["issue"]["id"] = json!(format!("990{n:04}"));
        v["data"]["issue"]["title"] = json!(format!("DigestCase{n}: boom"));
    })
}

fn creates(fake: &FakeOpenApi) -> usize {
    fake.log()
        .iter()
        .filter(|r| r.path.ends_with("createAndDeliver") && r.status == 200)
        .count()
}

/// Waits until the fake holds a digest card of `issues` issues; returns its id and itself.
async fn wait_digest(fake: &FakeOpenApi, issues: usize) -> (String, Card) {
    let title = format!("{issues} 个新问题"); // the default language is Chinese
    let end = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < end {
        if let Some(found) = fake
            .cards()
            .into_iter()
            .find(|(_, c)| param(c, "title") == title && param(c, "count") == issues.to_string())
        {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no card titled {title:?}; cards: {:?}", fake.cards());
}

#[tokio::test]
async fn more_new_issues_than_the_budget_fold_into_one_digest_card() {
    let fake = FakeOpenApi::start(7200).await;
    // The first create is still under way while the other issues arrive.
    fake.set_delay(Duration::from_millis(400));
    let api = fake.url.clone();
    let app = spawn_app_with(move |s| {
        s.dingtalk_api_url = api;
        let dir = tempfile::tempdir().expect("tmp").keep();
        let config = config(ROBOT).replace("rate_per_minute = 18", "rate_per_minute = 2");
        with_config_file(s, &dir, &config);
    })
    .await;
    for n in 1..=6 {
        let r = app.post_signed("issue", &new_issue(n)).await;
        assert_eq!(r.status().as_u16(), 202);
    }
    // One issue got its card; the five others one digest card: two creates, the budget.
    let (digest_id, digest) = wait_digest(&fake, 5).await;
    assert_eq!(fake.card_count(), 2, "{:?}", fake.cards());
    assert_eq!(creates(&fake), 2);
    assert_eq!(param(&digest, "count"), "5");
    assert_eq!(param(&digest, "status"), "firing");
    assert!(
        digest.at_user_ids.is_empty(),
        "a digest card mentions nobody"
    );
    let markdown = param(&digest, "markdown");
    let listed = (1..=6)
        .filter(|n| markdown.contains(&format!("DigestCase{n}")))
        .count();
    assert_eq!(listed, 5, "the digest lists the issues: {markdown}");
    let own = fake
        .cards()
        .into_iter()
        .find(|(id, _)| *id != digest_id)
        .expect("the issue's own card");
    assert!(param(&own.1, "title").starts_with("DigestCase"));
    let digest_row = app
        .outbox
        .card_by_track_id(&digest_id)
        .await
        .expect("store")
        .expect("the digest card is in the outbox");
    assert!(digest_row.card_key.starts_with("digest:"));

    // More new issues: the digest card is updated, no card is created.
    for n in 7..=8 {
        let r = app.post_signed("issue", &new_issue(n)).await;
        assert_eq!(r.status().as_u16(), 202);
    }
    let (id, digest) = wait_digest(&fake, 7).await;
    assert_eq!(id, digest_id);
    assert_eq!(param(&digest, "count"), "7");
    assert!(digest.updates >= 1);
    assert_eq!(fake.card_count(), 2);
    assert_eq!(creates(&fake), 2);
    assert!(app.messages(Some(MessageState::Dead)).await.is_empty());
}
