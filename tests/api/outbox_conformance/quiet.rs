//! Silences and held alerts: a silence is stored and ended once; held alerts leave the queue,
//! are counted on their silence, and a message takes them exactly once.

use super::fixtures::*;
use sentry_dingtalk::Matchers;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{HeldPage, MessageAsk, NewMessage, NewSilence, StoreError};
use std::sync::Arc;

fn held(hold: &str, after: i64, limit: usize) -> HeldPage<'_> {
    HeldPage {
        robot: ROBOT,
        hold,
        after,
        limit,
    }
}

fn silence(project: &str, ends_at: i64) -> NewSilence {
    NewSilence {
        matchers: Matchers {
            project: Some(project.into()),
            ..Default::default()
        },
        starts_at: T0,
        ends_at,
        comment: "deploy".into(),
        created_by: "zhangsan".into(),
    }
}

/// Added silences come back with their id and fields; a list holds those that end after the
/// given time, newest first; ending one sets its end to now once; an unknown id is `None`.
pub async fn silences_add_list_end(o: Arc<dyn Outbox>) {
    let a = o
        .add_silence(silence("web-*", T0 + HOUR))
        .await
        .expect("add");
    let b = o
        .add_silence(silence("api", T0 + 2 * HOUR))
        .await
        .expect("add");
    assert!(b.id > a.id);
    assert_eq!(a.matchers.project.as_deref(), Some("web-*"));
    assert_eq!(
        (
            a.starts_at,
            a.ends_at,
            a.comment.as_str(),
            a.created_by.as_str(),
            a.held
        ),
        (T0, T0 + HOUR, "deploy", "zhangsan", 0)
    );
    let ids = |v: Vec<sentry_dingtalk::Silence>| v.into_iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(ids(o.silences(T0).await.expect("list")), vec![b.id, a.id]);
    assert_eq!(
        ids(o.silences(T0 + HOUR + 1).await.expect("list")),
        vec![b.id]
    );
    let ended = o.end_silence(a.id, T0 + MINUTE).await.expect("end");
    assert_eq!(ended.map(|s| s.ends_at), Some(T0 + MINUTE));
    // Ending again keeps the first end.
    let again = o.end_silence(a.id, T0 + 2 * MINUTE).await.expect("end");
    assert_eq!(again.map(|s| s.ends_at), Some(T0 + MINUTE));
    assert_eq!(o.end_silence(9_999, T0).await.expect("end"), None);
    assert_eq!(o.silence(9_999).await.expect("one"), None);
    assert_eq!(
        o.silence(a.id).await.expect("one").map(|s| s.ends_at),
        Some(T0 + MINUTE)
    );
    // Pruning forgets silences that ended longer ago than it keeps things, not the others.
    let later = o
        .add_silence(silence("web", T0 + 9 * DAY))
        .await
        .expect("add");
    o.prune(T0 + 8 * DAY, 7 * DAY).await.expect("prune");
    assert_eq!(o.silence(a.id).await.expect("one"), None);
    assert!(o.silence(later.id).await.expect("one").is_some());
}

/// Held alerts leave the queue (not picked, not counted, not the oldest), show as `held` in
/// the stats, are counted on their silence, page back by hold; the summary message takes them
/// all, once.
pub async fn held_alerts_leave_the_queue_until_a_message_takes_them(o: Arc<dyn Outbox>) {
    let s = o.add_silence(silence("p", T0 + HOUR)).await.expect("add");
    let ids = queue(&*o, ROBOT, &["1", "2", "3"], T0).await;
    let l = lease(&*o, ROBOT, "a", T0).await;
    let hold = format!("silence:{}", s.id);
    o.hold_alerts(&l, &hold, &ids[..2]).await.expect("hold");
    // Holding again, or holding an alert that is held already, counts nothing twice.
    o.hold_alerts(&l, &hold, &ids[..2]).await.expect("hold");
    o.hold_alerts(&l, "mute:nights", &ids[..1])
        .await
        .expect("hold");
    let waiting = o.waiting_alerts(ROBOT, 10).await.expect("waiting");
    assert_eq!(
        waiting.alerts.iter().map(|w| w.id).collect::<Vec<_>>(),
        vec![ids[2]]
    );
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 1);
    assert_eq!(o.silence(s.id).await.expect("one").map(|s| s.held), Some(2));
    assert_eq!(o.holds(ROBOT).await.expect("holds"), vec![hold.clone()]);
    assert_eq!(o.holds("other").await.expect("holds"), Vec::<String>::new());
    let stats = o.stats().await.expect("stats");
    let count = |state: &str| {
        stats
            .iter()
            .find(|c| c.state == state && c.robot == ROBOT)
            .map(|c| c.count)
    };
    assert_eq!((count("held"), count("waiting")), (Some(2), Some(1)));
    let page = o.held_alerts(held(&hold, 0, 1)).await.expect("held");
    assert_eq!(
        page.alerts.iter().map(|w| w.id).collect::<Vec<_>>(),
        vec![ids[0]]
    );
    let page = o.held_alerts(held(&hold, ids[0], 10)).await.expect("held");
    assert_eq!(
        page.alerts.iter().map(|w| w.id).collect::<Vec<_>>(),
        vec![ids[1]]
    );
    let summary = NewMessage {
        body: "summary",
        msg_uuid: "u-summary",
        now: T0 + HOUR,
    };
    let m = o
        .create_message(MessageAsk {
            lease: &l,
            alert_ids: &ids[..2],
            message: summary,
        })
        .await
        .expect("summary");
    assert!(o.holds(ROBOT).await.expect("holds").is_empty());
    assert!(
        o.held_alerts(held(&hold, 0, 10))
            .await
            .expect("held")
            .alerts
            .is_empty()
    );
    let listed = o.list_messages(None, 10).await.expect("list");
    assert_eq!(
        listed.iter().find(|r| r.id == m).map(|r| r.alert_count),
        Some(2)
    );
    // A sender that lost the robot holds nothing.
    let newer = lease(&*o, ROBOT, "b", T0 + 2 * MINUTE).await;
    assert!(newer.fence > l.fence);
    match o.hold_alerts(&l, &hold, &ids[2..]).await {
        Err(StoreError::LeaseLost { .. }) => {}
        other => panic!("hold with a stale fence: {other:?}"),
    }
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 1);
}
