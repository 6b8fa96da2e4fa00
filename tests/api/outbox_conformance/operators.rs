//! Operators' views and actions, and pruning.

use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{
    DEDUP_WINDOW_MS, Enqueue, Enqueued, MessageAsk, MessageState, NewMessage, Retry, RetryOutcome,
    ScheduledRun, StateCount,
};
use sentry_dingtalk::{AlertKind, Level};
use std::sync::Arc;

/// A dead summary (of a storm or a silence, over by now) gives its alerts back unheld: they
/// wait as ordinary alerts, since no later summary of that hold would take them.
pub async fn retry_gives_a_summarys_alerts_back_unheld(o: Arc<dyn Outbox>) {
    let ids = queue(&*o, ROBOT, &["1", "2"], T0).await;
    let l = lease(&*o, ROBOT, "a", T0).await;
    o.hold_alerts(&l, "storm:7", &ids).await.expect("hold");
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 0);
    let summary = message_of(&*o, &l, &ids, T0 + 1).await;
    o.mark_dead(&l, summary, "errcode 460101")
        .await
        .expect("dead");
    assert_eq!(
        o.retry_message(summary, T0 + 2).await.expect("retry"),
        RetryOutcome::Queued
    );
    assert_eq!(
        o.waiting_count(ROBOT).await.expect("count"),
        2,
        "they wait again"
    );
    assert!(
        o.holds(ROBOT).await.expect("holds").is_empty(),
        "held by nothing"
    );
}

/// A dead message gives its alerts back; a pending one becomes due now; a sent or missing
/// one cannot be retried. `retry_dead` does every dead one.
pub async fn retry_message_dead_and_pending(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    let dead = message(&*o, &l, &["1", "2"], T0).await;
    o.mark_dead(&l, dead, "errcode 300001").await.expect("dead");
    let pending = message(&*o, &l, &["3"], T0).await;
    o.mark_retry(
        &l,
        Retry {
            id: pending,
            next_attempt_at: T0 + HOUR,
            error: "HTTP 502",
        },
    )
    .await
    .expect("later");
    let sent = message(&*o, &l, &["4"], T0).await;
    o.mark_sent(&l, sent, T0).await.expect("sent");

    let retry = |id, at| o.retry_message(id, at);
    assert_eq!(
        retry(dead, T0 + 1).await.expect("retry dead"),
        RetryOutcome::Queued
    );
    assert_eq!(
        o.waiting_count(ROBOT).await.expect("count"),
        2,
        "its alerts wait again"
    );
    let ids = message_ids(&*o).await;
    assert!(!ids.contains(&dead), "the dead message is gone");
    assert_eq!(
        retry(pending, T0 + 2).await.expect("retry pending"),
        RetryOutcome::Queued
    );
    let due = o.due_message(ROBOT, T0 + 2).await.expect("due");
    assert_eq!(due.map(|m| m.id), Some(pending), "made due now");
    assert_eq!(
        retry(sent, T0 + 3).await.expect("retry sent"),
        RetryOutcome::AlreadySent
    );
    assert_eq!(
        retry(i64::MAX, T0 + 3).await.expect("retry missing"),
        RetryOutcome::NoSuchMessage
    );

    let waiting = o.waiting_alerts(ROBOT, 10).await.expect("waiting");
    let ids: Vec<i64> = waiting.alerts.iter().map(|a| a.id).collect();
    let again = o
        .create_message(MessageAsk {
            lease: &l,
            alert_ids: &ids,
            message: NewMessage {
                body: "B",
                msg_uuid: "u",
                now: T0 + 4,
            },
        })
        .await
        .expect("create");
    o.mark_dead(&l, again, "x").await.expect("dead again");
    o.mark_dead(&l, pending, "y").await.expect("dead too");
    assert_eq!(o.retry_dead(T0 + 5).await.expect("retry dead"), 2);
    assert!(
        o.list_messages(Some(MessageState::Dead), 10)
            .await
            .expect("dead")
            .is_empty()
    );
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 3);
    assert_eq!(o.retry_dead(T0 + 6).await.expect("nothing dead"), 0);
}

/// Messages by state and robot, and waiting alerts as `waiting`, sorted by state then robot.
pub async fn stats(o: Arc<dyn Outbox>) {
    assert!(o.stats().await.expect("empty").is_empty());
    let l = lease(&*o, ROBOT, "a", T0).await;
    let sent = message(&*o, &l, &["1"], T0).await;
    o.mark_sent(&l, sent, T0).await.expect("sent");
    message(&*o, &l, &["2"], T0).await;
    queue(&*o, ROBOT, &["3", "4"], T0).await;
    queue(&*o, "b-robot", &["5"], T0).await;
    let count = |state: &str, robot: &str, count| StateCount {
        state: state.into(),
        robot: robot.into(),
        count,
    };
    let expected = vec![
        count("pending", ROBOT, 1),
        count("sent", ROBOT, 1),
        count("waiting", "b-robot", 1),
        count("waiting", ROBOT, 2),
    ];
    assert_eq!(o.stats().await.expect("stats"), expected);
}

/// Old dedup keys, sent messages, repeat state and used links go; pending and dead stay.
pub async fn prune(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    let week = 7 * DAY;
    let repeat = || {
        let a = alert(AlertKind::EventAlert, "triggered", Some("r"), Level::Error);
        vec![delivery(ROBOT, a, &[("route", 30 * DAY)])]
    };
    assert_eq!(
        o.enqueue(Enqueue {
            identity: keys(&["old"]),
            about: None,
            items: repeat(),
            record: None,
            now: T0
        })
        .await
        .expect("q"),
        queued(&[ROBOT])
    );
    let old_sent = o
        .create_message(MessageAsk {
            lease: &l,
            alert_ids: &queue(&*o, ROBOT, &[], T0).await,
            message: NewMessage {
                body: "B",
                msg_uuid: "u",
                now: T0,
            },
        })
        .await
        .expect("create");
    o.mark_sent(&l, old_sent, T0).await.expect("sent");
    let dead = message(&*o, &l, &["d"], T0).await;
    o.mark_dead(&l, dead, "x").await.expect("dead");
    let pending = message(&*o, &l, &["p"], T0).await;
    let recent_sent = message(&*o, &l, &["s"], T0 + week).await;
    o.mark_sent(&l, recent_sent, T0 + week).await.expect("sent");
    assert!(o.claim_action("old-nonce", T0).await.expect("claim"));
    assert!(o.claim_action("new-nonce", T0 + week).await.expect("claim"));
    let report = ScheduledRun {
        job: "report",
        slot: 1,
        now: T0,
    };
    assert!(o.claim_scheduled_run(report).await.expect("run"));

    let now = T0 + week + DAY;
    o.prune(now, week).await.expect("prune");
    let left = message_ids(&*o).await;
    assert_eq!(
        left,
        vec![recent_sent, pending, dead],
        "only the old sent message went"
    );
    assert!(!o.action_used("old-nonce").await.expect("old"));
    assert!(o.action_used("new-nonce").await.expect("new"));
    // The dedup key and the repeat state are forgotten: the same alert is news again.
    assert!(now - T0 >= DEDUP_WINDOW_MS);
    let again = o
        .enqueue(Enqueue {
            identity: keys(&["old"]),
            about: None,
            items: repeat(),
            record: None,
            now,
        })
        .await
        .expect("again");
    assert_eq!(again, queued(&[ROBOT]));
    let silent = o
        .enqueue(Enqueue {
            identity: vec![],
            about: None,
            items: repeat(),
            record: None,
            now: now + 1,
        })
        .await
        .expect("repeat");
    assert_eq!(
        silent,
        Enqueued::Suppressed,
        "fresh repeat state still works"
    );
}
