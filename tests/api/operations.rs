//! What operators see: metrics, and logs that never carry a secret.

use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use sentry_dingtalk::outbox::MessageState;
use std::time::Duration;

#[tokio::test]
async fn metrics_count_webhooks_deliveries_and_the_outbox() {
    let app = spawn_app().await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    app.post(Some("issue"), Some(&"0".repeat(64)), b"{}".to_vec())
        .await;
    assert!(
        app.robot
            .wait_for(Duration::from_secs(10), |p| p.len() == 1)
            .await
    );
    app.wait_messages(MessageState::Sent, 1, Duration::from_secs(5))
        .await;
    let resp = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("metrics");
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await.expect("text");
    for want in [
        r#"sentry_dingtalk_webhooks_total{resource="issue",result="accepted"} 1"#,
        r#"sentry_dingtalk_webhooks_total{resource="issue",result="bad_signature"} 1"#,
        r#"sentry_dingtalk_deliveries_total{outcome="sent",robot="default"} 1"#,
        r#"sentry_dingtalk_outbox_messages{robot="default",state="sent"} 1"#,
        "sentry_dingtalk_dingtalk_request_duration_seconds_count{robot=\"default\"} 1",
        r#"sentry_dingtalk_oldest_waiting_seconds{robot="default"} 0"#,
        "sentry_dingtalk_ready 1",
    ] {
        assert!(text.contains(want), "{want} missing in\n{text}");
    }
}

/// While DingTalk has not answered, the alert is not delivered: its age shows and grows.
#[tokio::test]
async fn oldest_waiting_seconds_grows_until_the_alert_is_delivered() {
    let app = spawn_app().await;
    app.robot.set_delay(Duration::from_secs(3));
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    let age = || async {
        let text = app.metrics().await;
        text.lines()
            .find_map(|l| {
                l.strip_prefix(r#"sentry_dingtalk_oldest_waiting_seconds{robot="default"} "#)
            })
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(-1.0)
    };
    assert!(
        poll_async(WAIT, || async { age().await >= 1.0 }).await,
        "the undelivered alert's age shows"
    );
    app.wait_messages(MessageState::Sent, 1, WAIT).await;
    assert_eq!(age().await, 0.0, "nothing waits once DingTalk took it");
}

#[tokio::test]
async fn no_secret_robot_url_or_sec_value_ever_reaches_the_log() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    robot.fail_next(1);
    let data = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let log = data.path().join("relay.log");
    let extra = [
        ("DINGTALK_GROUP_WINDOW", "0"),
        ("LEGACY_WEBHOOK_TOKEN", LEGACY_TOKEN),
        ("RUST_LOG", "trace"),
        ("LOG_FORMAT", "json"),
    ];
    let mut child = serve(&robot, data.path(), port, &extra);
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    assert!(wait_healthy(&client, &base).await);
    let body = example("event_alert-triggered.json");
    let sig = sentry_dingtalk::signature::sign(&body, &sentry_dingtalk::Secret::new(CLIENT_SECRET));
    // The legacy endpoint gets a legacy plugin's own payload: the same body at both endpoints
    // would be one alert (the dedup key is the body alone).
    let legacy = example("legacy-plugin.json");
    let post = |path: String, sig: Option<String>| {
        let body = if path.contains("legacy") {
            legacy.clone()
        } else {
            body.clone()
        };
        let mut req = client
            .post(format!("{base}{path}"))
            .header("Sentry-Hook-Resource", "event_alert")
            .body(body);
        if let Some(s) = sig {
            req = req.header("Sentry-Hook-Signature", s);
        }
        req.send()
    };
    post("/webhooks/sentry".into(), Some(sig))
        .await
        .expect("posted");
    post("/webhooks/sentry".into(), Some("f".repeat(64)))
        .await
        .expect("posted");
    post(format!("/webhooks/sentry/legacy/{LEGACY_TOKEN}"), None)
        .await
        .expect("posted");
    post("/webhooks/sentry/legacy/wrong".into(), None)
        .await
        .expect("posted");
    // One HTTP 500 and a retry: the error path logs too.
    assert!(
        robot
            .wait_for(Duration::from_secs(15), |p| p.len() == 2)
            .await
    );
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    child.wait().expect("exit");
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.lines().count() > 5, "the log has content:\n{text}");
    assert!(
        text.contains("delivery attempt") && text.contains("webhook"),
        "{text}"
    );
    let token = robot.webhook.split("access_token=").nth(1).expect("token");
    for secret in [
        CLIENT_SECRET,
        ROBOT_SECRET,
        LEGACY_TOKEN,
        token,
        robot.webhook.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} leaked into the log");
    }
    assert!(!text.contains("SEC"), "a SEC… value reached the log");
}
