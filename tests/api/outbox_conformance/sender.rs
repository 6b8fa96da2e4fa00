//! The robot sender: leases and fences, building messages, recording attempts and outcomes.

mod attempts;

pub use attempts::*;

use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{
    MessageAsk, MessageState, NewMessage, Retry, RetryOutcome, SetAside, StoreError,
    UnreadableAlert,
};
use std::sync::Arc;

/// A message takes its alerts out of the waiting queue, in one step, and keeps its body and
/// `msg_uuid`.
pub async fn create_message_assigns_alerts(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    let ids = queue(&*o, ROBOT, &["1", "2", "3"], T0).await;
    assert_eq!(o.last_created_at(ROBOT).await.expect("created"), None);
    let id = o
        .create_message(MessageAsk {
            lease: &l,
            alert_ids: &ids[..2],
            message: NewMessage {
                body: "BODY",
                msg_uuid: "uuid-1",
                now: T0 + 5,
            },
        })
        .await
        .expect("create");
    let waiting = o.waiting_alerts(ROBOT, 10).await.expect("waiting");
    let left: Vec<i64> = waiting.alerts.iter().map(|a| a.id).collect();
    assert_eq!(left, ids[2..].to_vec(), "only the unassigned alert waits");
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 1);
    let m = only_message(&*o).await;
    assert_eq!(
        (m.id, m.robot.as_str(), m.body.as_str()),
        (id, ROBOT, "BODY")
    );
    assert_eq!((m.msg_uuid.as_str(), m.alert_count), ("uuid-1", 2));
    assert_eq!(
        (m.state, m.attempts, m.next_attempt_at),
        (MessageState::Pending, 0, T0 + 5)
    );
    assert_eq!(
        (m.created_at, m.sent_at, m.last_error),
        (T0 + 5, None, None)
    );
    assert_eq!(
        o.last_created_at(ROBOT).await.expect("created"),
        Some(T0 + 5)
    );
}

/// The oldest pending message that is due; when the next one becomes due.
pub async fn due_and_next_due(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    assert_eq!(o.next_due_at(ROBOT).await.expect("next"), None);
    let first = message(&*o, &l, &["1"], T0).await;
    let second = message(&*o, &l, &["2"], T0 + 1).await;
    let due = o
        .due_message(ROBOT, T0 + 1)
        .await
        .expect("due")
        .expect("one is due");
    assert_eq!(due.id, first, "oldest first");
    assert_eq!(
        o.due_message(ROBOT, T0 - 1)
            .await
            .expect("early")
            .map(|m| m.id),
        None
    );
    o.mark_retry(
        &l,
        Retry {
            id: first,
            next_attempt_at: T0 + MINUTE,
            error: "HTTP 500",
        },
    )
    .await
    .expect("retry");
    let due = o
        .due_message(ROBOT, T0 + 2)
        .await
        .expect("due")
        .expect("second is due");
    assert_eq!(due.id, second);
    o.mark_sent(&l, second, T0 + 3).await.expect("sent");
    assert_eq!(
        o.due_message(ROBOT, T0 + 3)
            .await
            .expect("due")
            .map(|m| m.id),
        None
    );
    assert_eq!(o.next_due_at(ROBOT).await.expect("next"), Some(T0 + MINUTE));
    let due = o.due_message(ROBOT, T0 + MINUTE).await.expect("due");
    assert_eq!(
        due.map(|m| (m.id, m.last_error)),
        Some((first, Some("HTTP 500".into())))
    );
    assert_eq!(
        o.due_message("other", T0 + DAY)
            .await
            .expect("other")
            .map(|m| m.id),
        None
    );
}

/// Outcomes: sent (time kept, error cleared), retry (due later, error kept), dead.
pub async fn mark_sent_retry_dead(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    let sent = message(&*o, &l, &["1"], T0).await;
    let dead = message(&*o, &l, &["2"], T0).await;
    assert_eq!(o.last_sent_at(ROBOT).await.expect("last sent"), None);
    o.mark_retry(
        &l,
        Retry {
            id: sent,
            next_attempt_at: T0 + 5,
            error: "timeout",
        },
    )
    .await
    .expect("retry");
    o.mark_sent(&l, sent, T0 + 9).await.expect("sent");
    o.mark_dead(&l, dead, "errcode 310000").await.expect("dead");
    let sent_rows = o
        .list_messages(Some(MessageState::Sent), 10)
        .await
        .expect("sent");
    assert_eq!(sent_rows.len(), 1);
    assert_eq!(
        (sent_rows[0].id, sent_rows[0].sent_at),
        (sent, Some(T0 + 9))
    );
    assert_eq!(
        sent_rows[0].last_error, None,
        "a send clears the last error"
    );
    let dead_rows = o
        .list_messages(Some(MessageState::Dead), 10)
        .await
        .expect("dead");
    assert_eq!(dead_rows.len(), 1);
    assert_eq!(
        (dead_rows[0].id, dead_rows[0].last_error.as_deref()),
        (dead, Some("errcode 310000"))
    );
    assert!(
        o.list_messages(Some(MessageState::Pending), 10)
            .await
            .expect("pending")
            .is_empty()
    );
    assert_eq!(
        o.last_sent_at(ROBOT).await.expect("last sent"),
        Some(T0 + 9)
    );
    assert_eq!(o.next_due_at(ROBOT).await.expect("next"), None);
}

/// A throttle pause is stored per robot and can be moved.
pub async fn pause(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    assert_eq!(o.paused_until(ROBOT).await.expect("paused"), None);
    o.set_paused_until(&l, T0 + 10 * MINUTE)
        .await
        .expect("pause");
    assert_eq!(
        o.paused_until(ROBOT).await.expect("paused"),
        Some(T0 + 10 * MINUTE)
    );
    o.set_paused_until(&l, T0 + 20 * MINUTE)
        .await
        .expect("pause again");
    assert_eq!(
        o.paused_until(ROBOT).await.expect("paused"),
        Some(T0 + 20 * MINUTE)
    );
    assert_eq!(o.paused_until("other").await.expect("other"), None);
}

/// An unreadable alert goes into a dead message that carries the reason.
pub async fn set_aside_alert(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    let ids = queue(&*o, ROBOT, &["1", "2"], T0).await;
    o.set_aside_alert(SetAside {
        lease: &l,
        alert: &UnreadableAlert {
            id: ids[0],
            reason: "payload is not JSON".into(),
        },
        now: T0 + 7,
    })
    .await
    .expect("set aside");
    let waiting = o.waiting_alerts(ROBOT, 10).await.expect("waiting");
    assert_eq!(
        waiting.alerts.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![ids[1]]
    );
    let m = only_message(&*o).await;
    assert_eq!((m.state, m.alert_count), (MessageState::Dead, 1));
    let error = m.last_error.unwrap_or_default();
    assert!(
        error.contains("payload is not JSON"),
        "the reason is kept: {error}"
    );
    assert_eq!(
        o.due_message(ROBOT, T0 + DAY)
            .await
            .expect("due")
            .map(|m| m.id),
        None
    );
    // Retrying it puts the alert back in the queue.
    assert_eq!(
        o.retry_message(m.id, T0 + 8).await.expect("retry"),
        RetryOutcome::Queued
    );
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 2);
}

/// A ready-made message (the open-issues report) is pending and due at once, without alerts,
/// and wakes the robot's sender.
pub async fn queue_message_ready_made(o: Arc<dyn Outbox>) {
    let mut wakeups = o.wakeups();
    let id = o
        .queue_message(
            ROBOT,
            NewMessage {
                body: "REPORT",
                msg_uuid: "uuid-report",
                now: T0,
            },
        )
        .await
        .expect("queue");
    let m = o
        .due_message(ROBOT, T0)
        .await
        .expect("due")
        .expect("due at once");
    assert_eq!(
        (m.id, m.body.as_str(), m.msg_uuid.as_str()),
        (id, "REPORT", "uuid-report")
    );
    assert_eq!((m.alert_count, m.state), (0, MessageState::Pending));
    let heard = tokio::time::timeout(std::time::Duration::from_secs(5), wakeups.recv()).await;
    assert_eq!(heard.ok().and_then(Result::ok).as_deref(), Some(ROBOT));
}
