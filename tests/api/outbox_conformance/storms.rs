//! Storms: one open storm per robot; a summary takes the storm's held alerts in the same
//! transaction that notes it (and ends the storm, for the last); the storm's alerts are found
//! again in a message or not; every write is fenced by the robot's lease.

use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{HeldPage, NewMessage, StoreError, StormMessage};
use std::sync::Arc;

fn page(hold: &str) -> HeldPage<'_> {
    HeldPage {
        robot: ROBOT,
        hold,
        after: 0,
        limit: 100,
    }
}

fn summary<'a>(
    storm: i64,
    ids: &'a [i64],
    top: &'a [String],
    now: i64,
    end: bool,
) -> StormMessage<'a> {
    StormMessage {
        storm,
        alert_ids: ids,
        message: Some(NewMessage {
            body: "{\"msgtype\":\"markdown\"}",
            msg_uuid: if end { "storm-end" } else { "storm-first" },
            now,
        }),
        now,
        top,
        end,
    }
}

/// A robot has one open storm (opening again returns it); summaries take its held alerts,
/// note when and what was on top; the end ends it, and the next storm is a new one.
pub async fn storm_summaries_take_held_alerts_and_end_once(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    let storm = o.open_storm(&l, T0).await.expect("open");
    assert_eq!(o.open_storm(&l, T0 + 1).await.expect("again").id, storm.id);
    assert_eq!(
        o.current_storm(ROBOT).await.expect("current"),
        Some(storm.clone())
    );
    assert_eq!(
        (storm.robot.as_str(), storm.started_at, storm.messages),
        (ROBOT, T0, 0)
    );
    let key = storm.hold_key();
    let ids = queue(&*o, ROBOT, &["1", "2", "3"], T0 + 2).await;
    o.hold_alerts(&l, &key, &ids).await.expect("hold");
    assert_eq!(o.storm_newest(&key).await.expect("newest"), Some(T0 + 2));
    let top = vec!["2".to_owned()];
    let first = o
        .storm_message(&l, summary(storm.id, &ids[..2], &top, T0 + 10, false))
        .await
        .expect("first summary");
    let noted = o.storm(storm.id).await.expect("read").expect("storm");
    assert_eq!(
        (noted.last_message_at, noted.messages, noted.top.clone()),
        (Some(T0 + 10), 1, top)
    );
    assert_eq!(noted.ended_at, None);
    // The storm's alerts: all three, two of them in the summary, one still held.
    let all = o.storm_alerts(page(&key)).await.expect("storm alerts");
    assert_eq!(all.alerts.iter().map(|a| a.id).collect::<Vec<_>>(), ids);
    let still = o.held_alerts(page(&key)).await.expect("held");
    assert_eq!(
        still.alerts.iter().map(|a| a.id).collect::<Vec<_>>(),
        ids[2..]
    );
    let listed = o.list_messages(None, 10).await.expect("list");
    assert_eq!(
        listed.iter().find(|m| m.id == first).map(|m| m.alert_count),
        Some(2)
    );
    o.storm_message(&l, summary(storm.id, &ids[2..], &[], T0 + 20, true))
        .await
        .expect("end");
    let ended = o.storm(storm.id).await.expect("read").expect("storm");
    assert_eq!((ended.ended_at, ended.messages), (Some(T0 + 20), 2));
    assert_eq!(o.current_storm(ROBOT).await.expect("current"), None);
    assert!(
        o.held_alerts(page(&key))
            .await
            .expect("held")
            .alerts
            .is_empty()
    );
    let next = o.open_storm(&l, T0 + 30).await.expect("a new storm");
    assert_ne!(next.id, storm.id);
    let newest: Vec<i64> = o
        .storms(10)
        .await
        .expect("storms")
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(newest, [next.id, storm.id]);
}

/// A sender whose lease was taken over opens no storm and makes no summary.
pub async fn storm_writes_need_the_current_lease(o: Arc<dyn Outbox>) {
    let old = lease(&*o, ROBOT, "a", T0).await;
    let storm = o.open_storm(&old, T0).await.expect("open");
    let _new = lease(&*o, ROBOT, "b", T0 + 2 * MINUTE).await;
    let lost = |r: Result<i64, StoreError>| matches!(r, Err(StoreError::LeaseLost { .. }));
    assert!(lost(
        o.storm_message(&old, summary(storm.id, &[], &[], T0 + 3 * MINUTE, true))
            .await
    ));
    assert!(matches!(
        o.open_storm(&old, T0 + 3 * MINUTE).await,
        Err(StoreError::LeaseLost { .. })
    ));
    let unchanged = o.storm(storm.id).await.expect("read").expect("storm");
    assert_eq!((unchanged.ended_at, unchanged.messages), (None, 0));
    assert!(o.list_messages(None, 10).await.expect("list").is_empty());
}
