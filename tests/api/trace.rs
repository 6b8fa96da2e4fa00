//! What became of a webhook: `outbox trace` (the real CLI beside the running relay, on its
//! DATA_DIR) and `/ui/trace` show a delivered alert, a duplicate, a suppressed repeat and an
//! ignored webhook of one issue.

use crate::helpers::*;
use sentry_dingtalk::Secret;
use sentry_dingtalk::outbox::MessageState;
use serde_json::{Value, json};
use std::process::Command;

const ISSUE: &str = "4242";

fn event_alert(event_id: &str) -> Vec<u8> {
    let mut v: Value =
        serde_json::from_slice(&example("event_alert-triggered.json")).expect("example");
    v["data"]["event"]["event_id"] = json!(event_id);
    v["data"]["event"]["issue_id"] = json!(ISSUE);
    serde_json::to_vec(&v).expect("json")
}

fn resolved() -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&example("issue-resolved.json")).expect("example");
    v["data"]["issue"]["id"] = json!(ISSUE);
    v["data"]["issue"]["shortId"] = json!("PAYMENTS-API-4Z");
    serde_json::to_vec(&v).expect("json")
}

/// A relay whose one route sends to the default robot with a repeat interval; five webhooks
/// of one issue: delivered, its duplicate, a suppressed repeat, an ignored action, a resolve.
async fn traced_relay() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let route =
        "[[routes]]\nname = \"payments\"\nrobots = [\"default\"]\nrepeat_interval = \"1h\"\n";
    let app = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        with_config_file(s, dir.path(), route);
    })
    .await;
    let status = |r: Value| r["status"].as_str().unwrap_or_default().to_owned();
    let first = event_alert("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    let post = |resource: &'static str, body: Vec<u8>| {
        let app = &app;
        async move { status(json_body(app.post_signed(resource, &body).await).await) }
    };
    assert_eq!(post("event_alert", first.clone()).await, "queued");
    assert!(
        app.wait_messages(MessageState::Sent, 1, WAIT).await,
        "delivered"
    );
    assert_eq!(post("event_alert", first).await, "duplicate");
    let repeat = event_alert("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert_eq!(post("event_alert", repeat).await, "suppressed");
    let frobbed = json!({"action": "frobbed", "data": {"issue": {"id": ISSUE}}});
    assert_eq!(
        post("issue", frobbed.to_string().into_bytes()).await,
        "ignored"
    );
    assert_eq!(post("issue", resolved()).await, "queued");
    assert!(
        app.wait_messages(MessageState::Sent, 2, WAIT).await,
        "resolve delivered"
    );
    (app, dir)
}

fn outbox_trace(app: &TestApp, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .args(["outbox", "trace"])
        .args(args)
        .env("DATA_DIR", app.data_dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("CONFIG_FILE")
        .env("ALERT_TIMEZONE", "UTC")
        .output()
        .expect("run outbox trace");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[tokio::test]
async fn outbox_trace_shows_delivered_duplicate_suppressed_and_ignored() {
    let (app, _dir) = traced_relay().await;
    let text = outbox_trace(&app, &[ISSUE]);
    let lines: Vec<&str> = text.lines().collect();
    let find = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
    };
    let sent = find("robot default (route payments");
    assert!(lines[sent].contains("sent in message"), "{text}");
    assert!(lines[sent].contains("(UTC)"), "{text}");
    assert!(lines[sent - 1].contains("event_alert.triggered"), "{text}");
    assert!(
        lines[sent - 1].contains("Notify DingTalk on new production errors"),
        "{text}"
    );
    let dup = find("duplicate: the same webhook");
    let silent = find("suppressed as a repeat by route payments (repeat_interval 1h)");
    let ignored = find("ignored: issue.frobbed is not notified");
    assert!(
        sent < dup && dup < silent && silent < ignored,
        "oldest first:\n{text}"
    );

    // By short id (any case) too: the resolve carries it and links the issue's other records.
    let json: Value =
        serde_json::from_str(&outbox_trace(&app, &["payments-api-4z", "--json"])).expect("json");
    let outcomes: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["outcome"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        outcomes,
        vec!["routed", "duplicate", "suppressed", "ignored", "routed"]
    );
    let delivered = &json[0]["alerts"][0];
    assert_eq!(delivered["robot"], "default");
    assert_eq!(delivered["fate"], "sent");
    assert!(delivered["message_id"].as_i64().is_some() && delivered["sent_at"].as_i64().is_some());
    assert_eq!(
        json[2]["robots"][0]["suppressed_by"][0],
        "route payments (repeat_interval 1h)"
    );
    assert!(
        json[0]["request_id"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );

    let none = outbox_trace(&app, &["999"]);
    assert!(none.contains("no webhook recorded for issue 999"), "{none}");
}

#[tokio::test]
async fn ui_trace_is_behind_the_admin_token_and_escapes_what_it_shows() {
    let (app, _dir) = traced_relay().await;
    let path = "/ui/trace?issue=PAYMENTS-API-4Z";
    let url = format!("{}{path}", app.address);
    let anon = app.http.get(&url).send().await.expect("get");
    assert_eq!(anon.status().as_u16(), 401);
    let page = admin_get(&app, path).await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    for needle in [
        "sent in message",
        "duplicate: the same webhook",
        "suppressed as a repeat by route payments (repeat_interval 1h)",
        "ignored: issue.frobbed is not notified",
        "issue.resolved",
    ] {
        assert!(html.contains(needle), "{needle:?} missing in\n{html}");
    }
    // The search box echoes what was typed, escaped.
    let html = admin_text(&app, "/ui/trace?issue=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)"), "{html}");
    // Linked from the status page.
    let status = admin_text(&app, "/ui").await;
    assert!(status.contains("action=\"/ui/trace\""), "{status}");
}
