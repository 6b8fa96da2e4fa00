//! A burst into a quiet group: the first alert goes at once, the rest wait out the group
//! window and go as one batch. They were taken for "leftovers of a full batch" (they arrived
//! before the lone alert's message was built) and went at once, a batch per build: one burst
//! became 1 + 3 + 11 + 22 messages within 0.2 s.

use super::post_storm_alert;
use crate::helpers::*;
use std::time::Duration;

#[tokio::test]
async fn a_burst_after_a_lone_alert_waits_for_the_window_and_goes_as_one_batch() {
    let window = Duration::from_secs(2);
    let app = spawn_app_with(|s| s.robots[0].group_window = window).await;
    const BURST: usize = 8;
    let posts = (0..BURST).map(|i| post_storm_alert(&app.http, &app.address, i));
    futures_util::future::join_all(posts).await;
    assert!(
        app.robot.wait_for(WAIT + window, |p| p.len() >= 2).await,
        "the lone alert and a batch"
    );
    // Nothing more comes: the batch held the rest.
    assert!(!app.robot.wait_for(window, |p| p.len() > 2).await);
    let posted = app.robot.posted();
    let all: usize = posted
        .iter()
        .map(|m| m.text().matches("StormError number").count())
        .sum();
    assert_eq!(all, BURST, "each alert once");
    let gap = posted[1].at.duration_since(posted[0].at);
    assert!(
        gap >= window - Duration::from_millis(100),
        "the batch waited out the window after the lone alert: {gap:?}"
    );
}
