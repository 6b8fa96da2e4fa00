//! Issue 17, point 9: Sentry signs the body, not `Sentry-Hook-Resource`. One captured body
//! re-sent under other resource headers is refused (400) unless its shape is that resource,
//! and the dedup key is the body alone; it makes one alert, not one per header.

use crate::helpers::*;

#[tokio::test]
async fn one_signed_body_under_several_resource_headers_makes_one_alert() {
    let app = spawn_app().await;
    let body = example("issue-created.json");
    let mut statuses = Vec::new();
    for resource in ["issue", "error", "comment", "event_alert", "metric_alert"] {
        statuses.push(app.post_signed(resource, &body).await.status().as_u16());
    }
    assert_eq!(statuses, vec![202, 400, 400, 400, 400]);
    // A resource the relay does not read is accepted and ignored, as before.
    let unknown = app.post_signed("seer", &body).await;
    assert_eq!(unknown.status().as_u16(), 202);
    assert_eq!(json_body(unknown).await["status"], "ignored");
    // The same body under its own resource again: a duplicate, whatever its Request-ID.
    let again = app.post_signed("issue", &body).await;
    assert_eq!(json_body(again).await["status"], "duplicate");
    assert!(app.robot.wait_for(WAIT, |p| !p.is_empty()).await);
    let alerts: i64 = app.stats().await.iter().map(|s| s.count).sum();
    assert_eq!(alerts, 1, "one alert for one body");
}
