//! Chat actions: actionCard buttons (or links when someone is mentioned), signed single-use
//! links, and their pages, against a wiremock Sentry API.

use crate::helpers::*;
use sentry_dingtalk::secret::Secret;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn app_with_actions(server: &MockServer, mention: bool) -> TestApp {
    let uri = server.uri();
    spawn_app_with(move |s| {
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
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(server)
        .await;
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
    assert_eq!(titles, ["在 Sentry 中查看", "解决", "忽略 1 小时"]);
    let tokens = action_urls(&msg["actionCard"]["btns"]);
    assert_eq!(tokens.len(), 2);
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
    assert_eq!(
        app.http
            .post(&url)
            .send()
            .await
            .expect("again")
            .status()
            .as_u16(),
        410
    );
    assert_eq!(
        app.http
            .get(&url)
            .send()
            .await
            .expect("again")
            .status()
            .as_u16(),
        410
    );

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
    let signer = sentry_dingtalk::action_links::ActionSigner::new(key, "https://relay.example");
    let old = signer.token(
        "5128840021",
        sentry_dingtalk::action_links::Action::Resolve,
        1_000,
    );
    let resp = app
        .http
        .get(format!("{}/actions/{old}", app.address))
        .send()
        .await
        .expect("expired");
    assert_eq!(resp.status().as_u16(), 403);
    assert!(resp.text().await.expect("page").contains("expired"));
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
    let signer = sentry_dingtalk::action_links::ActionSigner::new(key, "https://relay.example");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let token = signer.token("42", sentry_dingtalk::action_links::Action::Ignore, now);
    let url = format!("{}/actions/{token}", app.address);
    assert_eq!(
        app.http
            .post(&url)
            .send()
            .await
            .expect("post")
            .status()
            .as_u16(),
        502
    );
    assert_eq!(
        app.http
            .get(&url)
            .send()
            .await
            .expect("get")
            .status()
            .as_u16(),
        200,
        "still usable"
    );
}
