//! Chat actions: actionCard buttons (or links when someone is mentioned), signed single-use
//! links, and their pages, against a wiremock Sentry API.

use crate::helpers::*;
use sentry_dingtalk::Secret;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The status `request` is answered with.
async fn status_of(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.expect("answer").status().as_u16()
}

async fn app_with_actions(server: &MockServer, mention: bool) -> TestApp {
    app_with_actions_and(server, mention, |_| {}).await
}

async fn app_with_actions_and(
    server: &MockServer,
    mention: bool,
    adjust: impl FnOnce(&mut sentry_dingtalk::Settings),
) -> TestApp {
    let uri = server.uri();
    spawn_app_with(move |s| {
        adjust(s);
        s.sentry_api_token = Some(Secret::new("api-token"));
        s.sentry_url = uri;
        s.sentry_org = Some("acme".into());
        s.public_url = Some("https://relay.example".into());
        if mention {
            let dir = tempfile::tempdir().expect("tmp").keep();
            let robot = s.robots[0].clone();
            std::fs::write(
                dir.join("r.toml"),
                "[[routes]]\nrobots = [\"default\"]\nmention = { mobiles = [\"13800001111\"] }\n",
            )
            .expect("write");
            s.env_robot = robot;
            s.config_file = Some(dir.join("r.toml"));
            *s = s.reloaded().expect("config");
        }
    })
    .await
}

/// The relay's message for our event_alert example, with actions on (the API has no issue to
/// enrich it from).
async fn first_message_with_actions(
    server: &MockServer,
    mention: bool,
) -> (TestApp, serde_json::Value) {
    mount_get_404(server).await;
    let app = app_with_actions(server, mention).await;
    app.post_signed("event_alert", &example("event_alert-triggered.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    let msg = app.robot.posted()[0].body.clone();
    (app, msg)
}

fn action_urls(text_or_card: &serde_json::Value) -> Vec<String> {
    let s = text_or_card.to_string();
    let mut out = Vec::new();
    for part in s.split("https://relay.example/actions/").skip(1) {
        let token: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.')
            .collect();
        out.push(token.trim_end_matches('.').to_string());
    }
    out
}

#[tokio::test]
async fn issue_messages_carry_actions_that_work_once() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/0/organizations/acme/issues/5128840021/"))
        .and(wiremock::matchers::body_json(json!({"status": "resolved"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "resolved"})))
        .expect(1)
        .mount(&server)
        .await;
    let (app, msg) = first_message_with_actions(&server, false).await;
    let msg = &msg;
    assert_eq!(msg["msgtype"], "actionCard", "{msg}");
    let btns = msg["actionCard"]["btns"].as_array().expect("buttons");
    let titles: Vec<&str> = btns.iter().filter_map(|b| b["title"].as_str()).collect();
    assert_eq!(
        titles,
        ["在 Sentry 中查看", "解决", "忽略 1 小时", "静默 1 小时"]
    );
    let tokens = action_urls(&msg["actionCard"]["btns"]);
    assert_eq!(tokens.len(), 3);
    let url = format!("{}/actions/{}", app.address, tokens[0]);

    // GET only shows what will happen.
    let shown = app.http.get(&url).send().await.expect("get");
    assert_eq!(shown.status().as_u16(), 200);
    assert!(
        shown
            .text()
            .await
            .expect("page")
            .contains("<form method=\"post\">")
    );
    // POST does it, once.
    let done = app.http.post(&url).send().await.expect("post");
    assert_eq!(
        done.status().as_u16(),
        200,
        "{}",
        done.text().await.unwrap_or_default()
    );
    assert_eq!(status_of(app.http.post(&url)).await, 410);
    assert_eq!(status_of(app.http.get(&url)).await, 410);

    // Tampered: one character of the payload changed.
    let mut forged = tokens[1].clone();
    let first = if forged.starts_with('A') { "B" } else { "A" };
    forged.replace_range(0..1, first);
    let resp = app
        .http
        .post(format!("{}/actions/{forged}", app.address))
        .send()
        .await
        .expect("forged");
    assert_eq!(resp.status().as_u16(), 403);
    // Expired: a link made with this relay's key two days ago.
    let key = app.outbox.action_key().await.expect("key");
    let signer = sentry_dingtalk::ActionSigner::new(key, "https://relay.example");
    let old = signer.token("5128840021", sentry_dingtalk::Action::Resolve, 1_000);
    let resp = app
        .http
        .get(format!("{}/actions/{old}", app.address))
        .send()
        .await
        .expect("expired");
    assert_eq!(resp.status().as_u16(), 403);
    assert!(resp.text().await.expect("page").contains("expired"));
}

/// A link's form is read only once its token passed, and like every body it must arrive
/// within `BODY_READ_TIMEOUT`: a stranger's stalled upload holds no connection.
#[tokio::test]
async fn an_action_form_is_read_after_its_token_and_within_the_read_deadline() {
    let server = MockServer::start().await;
    mount_get_404(&server).await;
    let app = app_with_actions_and(&server, false, |s| {
        s.body_read_timeout = std::time::Duration::from_millis(500);
    })
    .await;
    app.post_signed("event_alert", &example("event_alert-triggered.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    let tokens = action_urls(&app.robot.posted()[0].body["actionCard"]["btns"]);
    let deadline = std::time::Duration::from_secs(5);
    let mut forged = partial_upload(&app.address, "/actions/nope", &[], 16_000, 10).await;
    assert_eq!(read_status(&mut forged, deadline).await, Some(403));
    let path = format!("/actions/{}", tokens[0]);
    let mut stalled = partial_upload(&app.address, &path, &[], 16_000, 10).await;
    assert_eq!(read_status(&mut stalled, deadline).await, Some(408));
    let mut oversized = partial_upload(&app.address, &path, &[], 17 * 1024, 10).await;
    assert_eq!(read_status(&mut oversized, deadline).await, Some(413));
    // None of these spent the link.
    assert_eq!(
        status_of(app.http.get(format!("{}{path}", app.address))).await,
        200
    );
}

#[tokio::test]
async fn with_mentions_the_actions_are_links_in_a_markdown_message() {
    let server = MockServer::start().await;
    let (_app, msg) = first_message_with_actions(&server, true).await;
    let msg = &msg;
    assert_eq!(msg["msgtype"], "markdown");
    assert_eq!(msg["at"]["atMobiles"], json!(["13800001111"]));
    let text = msg["markdown"]["text"].as_str().expect("text");
    assert!(
        text.contains("[解决](https://relay.example/actions/") && text.contains("@13800001111"),
        "{text}"
    );
}

#[tokio::test]
async fn a_failed_action_at_sentry_leaves_the_link_usable() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let app = app_with_actions(&server, false).await;
    let key = app.outbox.action_key().await.expect("key");
    let signer = sentry_dingtalk::ActionSigner::new(key, "https://relay.example");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let token = signer.token("42", sentry_dingtalk::Action::Ignore, now);
    let url = format!("{}/actions/{token}", app.address);
    assert_eq!(status_of(app.http.post(&url)).await, 502);
    assert_eq!(status_of(app.http.get(&url)).await, 200, "still usable");
}

/// Without the Sentry API the message still carries "Silence 1 h": its page asks for a name,
/// its POST silences the issue for an hour (no Sentry call), tells the group who silenced it
/// until when, and the issue's next alert is held; the link works once.
#[tokio::test]
async fn the_silence_link_holds_the_issue_and_tells_the_group() {
    let app = spawn_app_with(|s| {
        s.sentry_api_token = None;
        s.public_url = Some("https://relay.example".into());
    })
    .await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    let msg = app.robot.posted()[0].body.clone();
    let btns = msg["actionCard"]["btns"].as_array().expect("buttons");
    let titles: Vec<&str> = btns.iter().filter_map(|b| b["title"].as_str()).collect();
    assert_eq!(titles, ["在 Sentry 中查看", "静默 1 小时"]);
    let tokens = action_urls(&msg["actionCard"]["btns"]);
    let url = format!("{}/actions/{}", app.address, tokens[0]);
    let page = app.http.get(&url).send().await.expect("get");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.expect("page").contains("name=\"who\""));
    let done = app
        .http
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("who=%E5%BC%A0%E4%B8%89")
        .send()
        .await
        .expect("post");
    assert_eq!(done.status().as_u16(), 200);
    assert!(done.text().await.expect("page").contains("silence #"));
    assert!(
        app.robot.wait_for(WAIT, |p| p.len() == 2).await,
        "the group is told"
    );
    let told = app.robot.posted()[1].text();
    assert!(
        told.contains("张三") && told.contains("5128840021"),
        "{told}"
    );
    let again = app.http.post(&url).send().await.expect("again");
    assert_eq!(again.status().as_u16(), 410);
    // The issue's next alert is held, not posted.
    let mut next: serde_json::Value =
        serde_json::from_slice(&example("issue-created.json")).expect("json");
    next["data"]["issue"]["title"] = json!("Second alert while silenced");
    let body = serde_json::to_vec(&next).expect("json");
    assert_eq!(app.post_signed("issue", &body).await.status().as_u16(), 202);
    let held = || async {
        app.stats()
            .await
            .iter()
            .any(|c| c.state == "held" && c.count == 1)
    };
    assert!(poll_async(WAIT, held).await);
    assert_eq!(app.robot.posted().len(), 2);
    let silences = app.outbox.silences(0).await.expect("silences");
    assert_eq!(silences.len(), 1);
    assert_eq!(silences[0].created_by, "张三");
    assert_eq!(silences[0].matchers.issue.as_deref(), Some("5128840021"));
    assert_eq!(silences[0].ends_at - silences[0].starts_at, 3_600_000);
}

/// An issue id that is no number names no issue of Sentry's: `.` made the Resolve link call
/// `PUT …/issues/./`, which the URL makes `…/issues/` — Sentry's bulk update of every issue.
/// Such an alert is still posted; none of its links reaches Sentry.
#[tokio::test]
async fn an_issue_id_that_is_no_number_never_reaches_sentrys_api() {
    let server = MockServer::start().await;
    let app = app_with_actions(&server, false).await;
    for id in [".", ".."] {
        let body = crate::cards_flow::variant("issue-created.json", |v| {
            v["data"]["issue"]["id"] = json!(id)
        });
        assert_eq!(app.post_signed("issue", &body).await.status(), 202);
    }
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 2).await);
    for message in app.robot.posted() {
        for token in action_urls(&message.body) {
            let url = format!("{}/actions/{token}", app.address);
            app.http.post(&url).send().await.expect("action");
        }
    }
    let asked = server.received_requests().await.unwrap_or_default();
    let paths: Vec<String> = asked.iter().map(|r| r.url.path().to_owned()).collect();
    assert!(paths.is_empty(), "Sentry was asked: {paths:?}");
}
