//! The age the metrics scrape reports (`oldest_waiting_seconds`): the oldest alert not yet
//! delivered, per robot.

use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use std::sync::Arc;

/// Alerts waiting unheld and alerts in a pending message count; held alerts (they wait on
/// purpose), dead messages (an operator's matter) and sent ones do not; robots apart.
pub async fn oldest_undelivered_counts_waiting_and_pending(o: Arc<dyn Outbox>) {
    let oldest = |robot: &'static str| {
        let o = o.clone();
        async move { o.oldest_undelivered(robot).await.expect("oldest") }
    };
    assert_eq!(oldest(ROBOT).await, None, "an empty store");
    let l = lease(&*o, ROBOT, "a", T0).await;
    let dead = message(&*o, &l, &["dead"], T0 - 2 * HOUR).await;
    o.mark_dead(&l, dead, "errcode 300001").await.expect("dead");
    assert_eq!(oldest(ROBOT).await, None, "a dead message is not waiting");
    let pending = message(&*o, &l, &["pending"], T0).await;
    queue(&*o, ROBOT, &["waiting"], T0 + MINUTE).await;
    let ids = queue(&*o, ROBOT, &["held"], T0 - HOUR).await;
    let held = *ids.iter().max().expect("the held alert");
    o.hold_alerts(&l, "mute:nights", &[held])
        .await
        .expect("hold");
    queue(&*o, "b-robot", &["other"], T0 - DAY).await;

    assert_eq!(oldest(ROBOT).await, Some(T0), "the pending message's alert");
    assert_eq!(oldest("b-robot").await, Some(T0 - DAY));
    o.mark_sent(&l, pending, T0 + 2 * MINUTE)
        .await
        .expect("sent");
    assert_eq!(
        oldest(ROBOT).await,
        Some(T0 + MINUTE),
        "once sent, the waiting alert is the oldest"
    );
}
