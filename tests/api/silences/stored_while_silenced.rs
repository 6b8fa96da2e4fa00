//! A silence holds what was stored while it was active, even when the sender picks it only
//! after the silence ended: the alert waited out the group window (or a budget, a restart).
//! It was posted as a new alert, and the silence's summary said it held nothing.

use super::{accepted, issue, made};
use crate::helpers::*;
use sentry_dingtalk::Secret;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn an_alert_stored_in_a_silence_and_picked_after_its_end_is_held_and_told() {
    // Three seconds of group window: the silence (1 s) ends while the second alert waits.
    let app = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        s.robots[0].group_window = Duration::from_secs(3);
    })
    .await;
    // The group hears first from another issue: what comes next waits out the window.
    accepted(&app, "issue", &issue("500", "Disk almost full")).await;
    assert!(
        app.robot.wait_for(WAIT, |p| p.len() == 1).await,
        "the first alert"
    );
    let silence = made(
        &app,
        json!({"matchers": {"issue": "PAY-501"}, "duration": "1s"}),
    )
    .await;
    let id = silence["id"].as_i64().expect("id");
    accepted(&app, "issue", &issue("501", "Flaky checkout")).await;
    assert!(
        app.robot
            .wait_for(WAIT + Duration::from_secs(3), |p| p.len() == 2)
            .await,
        "the silence's summary"
    );
    // Nothing else comes: the alert is not posted as well.
    assert!(
        !app.robot
            .wait_for(Duration::from_secs(2), |p| p.len() > 2)
            .await
    );
    let posted = app.robot.posted();
    let summary = posted[1].text();
    assert!(summary.contains(&format!("#{id}")), "{summary}");
    assert!(summary.contains("Flaky checkout"), "{summary}");
}
