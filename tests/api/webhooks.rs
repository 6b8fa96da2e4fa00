//! `POST /webhooks/sentry` and the legacy endpoint: statuses, bodies, and what reaches the robot.

use crate::helpers::*;
use sentry_dingtalk::outbox::MessageState;
use sentry_dingtalk::{Secret, signature};
use serde_json::json;

#[tokio::test]
async fn every_example_resource_and_action_is_accepted_and_alerts_reach_the_robot() {
    let app = spawn_app_with(|s| s.robots[0].rate_per_minute = 60).await;
    let mut alerts = 0;
    let mut names: Vec<String> = std::fs::read_dir(repo_path("examples/payloads"))
        .expect("examples")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with("legacy") && !n.starts_with("bare"))
        .collect();
    names.sort();
    // One example per resource and action: the platform variants (`-go`, `-ruby`, …) differ
    // in their event, which the rendering tests cover, and more than 20 messages would meet
    // the fake robot's per-minute limit.
    let kind = |n: &str| {
        n.trim_end_matches(".json")
            .splitn(3, '-')
            .take(2)
            .collect::<Vec<_>>()
            .join("-")
    };
    names.dedup_by(|a, b| kind(a) == kind(b));
    for name in &names {
        let resource = resource_of(name);
        let resp = app.post_signed(&resource, &example(name)).await;
        assert_eq!(resp.status().as_u16(), 202, "{name}");
        let body = json_body(resp).await;
        let want = if resource == "installation" {
            "acknowledged"
        } else {
            "queued"
        };
        assert_eq!(body["status"], want, "{name}: {body}");
        alerts += usize::from(resource != "installation");
    }
    assert!(alerts >= 14);
    // Grouping is off, but alerts that arrive while a send is in flight share the next message.
    let delivered = || async {
        app.messages(Some(MessageState::Sent))
            .await
            .iter()
            .map(|m| m.alert_count)
            .sum::<i64>()
    };
    poll_async(WAIT, || async { delivered().await >= alerts as i64 }).await;
    assert_eq!(delivered().await, alerts as i64);
    assert_eq!(
        app.robot.posted().len(),
        app.messages(Some(MessageState::Sent)).await.len()
    );
    let texts: Vec<String> = app.robot.posted().iter().map(|r| r.text()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("ZeroDivisionError: division by zero"))
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("High error rate on payments"))
    );
    assert!(
        texts.iter().all(|t| t.contains("](https://")),
        "every message links to Sentry"
    );
    assert!(
        app.robot.rejections().is_empty(),
        "{:?}",
        app.robot.rejections()
    );
}

#[tokio::test]
async fn signatures_are_checked_with_every_rotated_secret() {
    let app = spawn_app_with(|s| {
        s.client_secrets = vec![
            sentry_dingtalk::Secret::new("old-secret"),
            sentry_dingtalk::Secret::new(CLIENT_SECRET),
        ]
    })
    .await;
    let body = example("issue-created.json");
    let old = sentry_dingtalk::signature::sign(&body, &sentry_dingtalk::Secret::new("old-secret"));
    assert_eq!(
        app.post(Some("issue"), Some(&old), body.clone())
            .await
            .status()
            .as_u16(),
        202
    );
    let other = sentry_dingtalk::signature::sign(&body, &sentry_dingtalk::Secret::new("nope"));
    let resp = app.post(Some("issue"), Some(&other), body.clone()).await;
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(json_body(resp).await["error"], "bad_signature");
    let resp = app.post(Some("issue"), None, body.clone()).await;
    assert_eq!(resp.status().as_u16(), 401);
    assert!(
        json_body(resp).await["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Sentry-Hook-Signature")
    );
    // The signature covers the exact bytes: re-serialized JSON does not verify.
    let reserialized = serde_json::to_vec_pretty(
        &serde_json::from_slice::<serde_json::Value>(&body).expect("json"),
    )
    .expect("json");
    let sig = sentry_dingtalk::signature::sign(&body, &sentry_dingtalk::Secret::new(CLIENT_SECRET));
    assert_eq!(
        app.post(Some("issue"), Some(&sig), reserialized)
            .await
            .status()
            .as_u16(),
        401
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_json_error_and_nothing_is_queued() {
    let app = spawn_app_with(|s| s.body_limit = 4096).await;
    let resp = app
        .post_signed("issue", b"{\"action\": \"created\", \"data\": ")
        .await;
    assert_eq!(resp.status().as_u16(), 400);
    assert!(
        json_body(resp).await["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not valid JSON")
    );
    let resp = app.post_signed("issue", b"[1, 2]").await;
    assert_eq!(resp.status().as_u16(), 400);
    let body = example("issue-created.json");
    let sig = sentry_dingtalk::signature::sign(&body, &sentry_dingtalk::Secret::new(CLIENT_SECRET));
    let resp = app.post(None, Some(&sig), body).await;
    assert_eq!(resp.status().as_u16(), 400);
    assert!(
        json_body(resp).await["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Sentry-Hook-Resource")
    );
    let big = format!(
        "{{\"action\":\"created\",\"pad\":\"{}\"}}",
        "x".repeat(5000)
    );
    let resp = app.post_signed("issue", big.as_bytes()).await;
    assert_eq!(resp.status().as_u16(), 413);
    assert_eq!(json_body(resp).await["error"], "too_large");
    assert!(app.stats().await.is_empty(), "nothing was queued");
}

#[tokio::test]
async fn unknown_resources_and_installations_are_acknowledged_without_a_message() {
    let app = spawn_app().await;
    let seer = br#"{"action":"root_cause_completed","data":{"run_id":1}}"#;
    let resp = app.post_signed("seer", seer).await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(json_body(resp).await["status"], "ignored");
    let resp = app
        .post_signed(
            "issue",
            br#"{"action":"frobnicated","data":{"issue":{"id":"1"}}}"#,
        )
        .await;
    assert_eq!(json_body(resp).await["status"], "ignored");
    let resp = app
        .post_signed("installation", &example("installation-created.json"))
        .await;
    assert_eq!(json_body(resp).await["status"], "acknowledged");
    // A resource beyond ASCII is an unknown one too, not a missing header.
    let resp = app
        .http
        .post(format!("{}/webhooks/sentry", app.address))
        .header(
            "Sentry-Hook-Resource",
            reqwest::header::HeaderValue::from_bytes("seer-ü".as_bytes()).expect("obs-text"),
        )
        .header(
            "Sentry-Hook-Signature",
            signature::sign(seer, &Secret::new(CLIENT_SECRET)),
        )
        .body(seer.to_vec())
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(json_body(resp).await["status"], "ignored");
    // A real alert afterwards is the only thing the robot ever sees.
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| !p.is_empty()).await);
    assert_eq!(app.robot.log().len(), 1);
}

#[tokio::test]
async fn a_payload_missing_every_optional_field_still_makes_a_sensible_message() {
    let app = spawn_app().await;
    for (resource, action) in [
        ("issue", "created"),
        ("event_alert", "triggered"),
        ("metric_alert", "critical"),
    ] {
        let body = json!({ "action": action, "data": {} }).to_string();
        let resp = app.post_signed(resource, body.as_bytes()).await;
        assert_eq!(resp.status().as_u16(), 202, "{resource}");
    }
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 3).await);
    let texts: Vec<String> = app.robot.posted().iter().map(|r| r.text()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("新问题") && t.contains("（无标题）")),
        "{texts:#?}"
    );
    assert!(texts.iter().any(|t| t.contains("指标告警")), "{texts:#?}");
}

#[tokio::test]
async fn the_same_content_twice_is_one_delivery() {
    let app = spawn_app().await;
    let body = example("event_alert-triggered.json");
    assert_eq!(
        json_body(app.post_signed("event_alert", &body).await).await["status"],
        "queued"
    );
    let second = json_body(app.post_signed("event_alert", &body).await).await;
    assert_eq!(second["status"], "duplicate", "{second}");
    assert!(app.robot.wait_for(WAIT, |p| !p.is_empty()).await);
    // A different action on the same issue is new content.
    let resolved = json_body(
        app.post_signed("issue", &example("issue-resolved.json"))
            .await,
    )
    .await;
    assert_eq!(resolved["status"], "queued");
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 2).await);
    assert_eq!(app.robot.log().len(), 2);
}

#[tokio::test]
async fn legacy_plugin_endpoint_needs_its_token() {
    let app = spawn_app().await;
    let body = example("legacy-plugin.json");
    assert_eq!(
        app.post_legacy("wrong-token", body.clone())
            .await
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        app.post_legacy(LEGACY_TOKEN, body.clone())
            .await
            .status()
            .as_u16(),
        202
    );
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    let text = app.robot.posted()[0].text();
    assert!(text.contains("GatewayTimeout"), "{text}");
    assert!(
        text.contains("(https://sentry.example.internal/organizations/acme/issues/4211/"),
        "{text}"
    );

    let off = spawn_app_with(|s| s.legacy_token = None).await;
    assert_eq!(
        off.post_legacy(LEGACY_TOKEN, body).await.status().as_u16(),
        404
    );
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let get = |p: &str| app.http.get(format!("{}{p}", app.address)).send();
    assert_eq!(
        get("/healthz").await.expect("healthz").status().as_u16(),
        200
    );
    let ready = get("/readyz").await.expect("readyz");
    assert_eq!(ready.status().as_u16(), 200);
    assert_eq!(json_body(ready).await["outbox"], "writable");
}

#[tokio::test]
async fn an_unusable_data_dir_refuses_to_start_with_a_clear_message() {
    let robot = crate::fake_robot::FakeRobot::start(None, None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    let settings = test_settings(&robot, &file);
    let err = sentry_dingtalk::Application::build(settings)
        .await
        .err()
        .expect("refused");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("DATA_DIR") && msg.contains("not-a-dir"),
        "{msg}"
    );
}
