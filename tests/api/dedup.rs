//! Issue 9.2: only a re-delivery of the same webhook folds (the same bytes — under any resource
//! header, issue 17 — or the same `Request-ID`); every real state change is news.

use crate::helpers::*;
use serde_json::Value;

/// An example payload with one field changed, as Sentry would send a later webhook.
fn changed(name: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&example(name)).expect("json");
    edit(&mut v);
    serde_json::to_vec(&v).expect("json")
}

#[tokio::test]
async fn resolved_unresolved_resolved_sends_all_three() {
    let app = spawn_app().await;
    let first = example("issue-resolved.json");
    let reopened = example("issue-unresolved.json");
    // The second resolve: same issue, same action, later.
    let second = changed("issue-resolved.json", |v| {
        v["data"]["issue"]["lastSeen"] = "2026-11-26T09:00:00.000000Z".into();
    });
    for (resource, body) in [("issue", &first), ("issue", &reopened), ("issue", &second)] {
        let answer = json_body(app.post_signed(resource, body).await).await;
        assert_eq!(answer["status"], "queued", "{answer}");
    }
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 3).await);
}

#[tokio::test]
async fn a_metric_alert_going_warning_critical_warning_is_three_alerts() {
    let app = spawn_app().await;
    let warning = example("metric_alert-warning.json");
    let critical = example("metric_alert-critical.json");
    let warning_again = changed("metric_alert-warning.json", |v| {
        v["data"]["description_text"] = "1201 events in the last 5 minutes".into();
    });
    for body in [&warning, &critical, &warning_again] {
        let answer = json_body(app.post_signed("metric_alert", body).await).await;
        assert_eq!(answer["status"], "queued", "{answer}");
    }
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 3).await);
}

#[tokio::test]
async fn a_redelivery_folds_by_body_or_by_request_id() {
    let app = spawn_app().await;
    let body = example("issue-assigned.json");
    let sig = |b: &[u8]| {
        sentry_dingtalk::signature::sign(b, &sentry_dingtalk::Secret::new(CLIENT_SECRET))
    };
    let post = |body: Vec<u8>, request_id: &'static str| {
        let s = sig(&body);
        app.http
            .post(format!("{}/webhooks/sentry", app.address))
            .header("Sentry-Hook-Resource", "issue")
            .header("Sentry-Hook-Signature", s)
            .header("Request-ID", request_id)
            .body(body)
            .send()
    };
    let first = post(body.clone(), "r-1").await.expect("post");
    assert_eq!(json_body(first).await["status"], "queued");
    // The same bytes under a new Request-ID: a re-delivery.
    let again = post(body.clone(), "r-2").await.expect("post");
    assert_eq!(json_body(again).await["status"], "duplicate");
    // Another body under a Request-ID already seen: a re-delivery too.
    let other = changed("issue-assigned.json", |v| {
        v["data"]["issue"]["assignedTo"]["name"] = "Someone Else".into();
    });
    let same_id = post(other.clone(), "r-1").await.expect("post");
    assert_eq!(json_body(same_id).await["status"], "duplicate");
    // A second assignment (new body, new id) is news.
    let news = post(other, "r-3").await.expect("post");
    assert_eq!(json_body(news).await["status"], "queued");
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 2).await);
    assert_eq!(app.robot.log().len(), 2);
}

#[tokio::test]
async fn assigned_to_one_then_another_then_the_first_again_sends_all_three() {
    let app = spawn_app().await;
    let first = example("issue-assigned.json");
    let other = changed("issue-assigned.json", |v| {
        v["data"]["issue"]["assignedTo"]["name"] = "Someone Else".into();
    });
    // The third assignment is back to the first assignee: the same bytes as the first
    // webhook, but another webhook about the issue came between them.
    for (n, body) in [&first, &other, &first].into_iter().enumerate() {
        let answer = json_body(app.post_signed("issue", body).await).await;
        assert_eq!(answer["status"], "queued", "assignment {n}: {answer}");
    }
    // Sent once more at once, the same bytes are a re-delivery again.
    let again = json_body(app.post_signed("issue", &first).await).await;
    assert_eq!(again["status"], "duplicate", "{again}");
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 3).await);
}

/// Only an issue webhook's same bytes can be a real change back. One event firing two alert
/// rules is two webhooks; the first one's bytes again after the second are a re-delivery.
#[tokio::test]
async fn an_event_alert_sent_again_after_its_sibling_rule_is_a_duplicate() {
    let app = spawn_app().await;
    let first = example("event_alert-triggered-two-rules-a.json");
    let second = example("event_alert-triggered-two-rules-b.json");
    for body in [&first, &second] {
        let answer = json_body(app.post_signed("event_alert", body).await).await;
        assert_eq!(answer["status"], "queued", "{answer}");
    }
    let again = json_body(app.post_signed("event_alert", &first).await).await;
    assert_eq!(again["status"], "duplicate", "{again}");
}
