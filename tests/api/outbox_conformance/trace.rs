//! What became of a webhook: records written with the enqueue (or alone), the trace of an
//! issue by id or short id, each alert's fate, and pruning.

mod records;

pub use records::*;

use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{
    AlertFate, Delivery, Enqueue, Enqueued, MessageAsk, NewMessage, Retry, TraceEntry,
    UnqueuedWebhook, WebhookFacts, WebhookOutcome, WebhookRecord,
};
use sentry_dingtalk::{AlertKind, Level};
use std::sync::Arc;

const OTHER: &str = "oncall";

fn record(issue: &str, short: &str, request: &str) -> WebhookRecord {
    WebhookRecord {
        webhook: WebhookFacts {
            issue_id: Some(issue.into()),
            short_id: Some(short.into()),
            resource: "event_alert".into(),
            action: "triggered".into(),
            rule: Some("Boom (#7)".into()),
            request_id: Some(request.into()),
        },
        reasons: vec![
            (ROBOT.into(), "route ops".into()),
            (OTHER.into(), "Sentry alert rule 7 chose it".into()),
        ],
        note: None,
    }
}

fn both(issue: &str) -> Vec<Delivery> {
    let a = || {
        alert(
            AlertKind::EventAlert,
            "triggered",
            Some(issue),
            Level::Error,
        )
    };
    vec![
        delivery(ROBOT, a(), &[("ops", HOUR)]),
        delivery(OTHER, a(), &[]),
    ]
}

async fn trace(o: &dyn Outbox, issue: &str) -> Vec<TraceEntry> {
    o.trace(issue, 100).await.expect("trace")
}

/// A routed webhook is found by issue id and by short id (any case); its alerts go from
/// waiting to pending, retrying, sent or dead, each in its message.
pub async fn trace_routed_alert_fates(o: Arc<dyn Outbox>) {
    let done = o
        .enqueue(Enqueue {
            identity: keys(&["k1"]),
            about: None,
            items: both("42"),
            record: Some(record("42", "PAY-1", "r1")),
            now: T0,
        })
        .await
        .expect("enqueue");
    assert_eq!(done, queued(&[ROBOT, OTHER]));
    let by_id = trace(&*o, "42").await;
    assert_eq!(by_id.len(), 1, "{by_id:?}");
    assert_eq!(trace(&*o, "PAY-1").await, by_id);
    assert_eq!(trace(&*o, "pay-1").await, by_id, "short ids in any case");
    assert!(trace(&*o, "43").await.is_empty());
    let e = &by_id[0];
    assert_eq!(
        (
            e.received_at,
            e.outcome,
            e.webhook.resource.as_str(),
            e.webhook.action.as_str()
        ),
        (T0, WebhookOutcome::Routed, "event_alert", "triggered")
    );
    assert_eq!(e.webhook.rule.as_deref(), Some("Boom (#7)"));
    assert_eq!(e.webhook.request_id.as_deref(), Some("r1"));
    let robots: Vec<(&str, &str)> = e
        .robots
        .iter()
        .map(|d| (d.robot.as_str(), d.reason.as_str()))
        .collect();
    assert_eq!(
        robots,
        vec![
            (ROBOT, "route ops"),
            (OTHER, "Sentry alert rule 7 chose it")
        ]
    );
    assert!(e.robots.iter().all(|d| d.suppressed_by.is_empty()));
    assert_eq!(e.alerts.len(), 2);
    assert!(e.alerts.iter().all(|a| a.fate == AlertFate::Waiting));

    // Into messages: ops's is tried, fails, then is sent; oncall's dies.
    let ops = lease(&*o, ROBOT, "a", T0).await;
    let ops_alert = e
        .alerts
        .iter()
        .find(|a| a.robot == ROBOT)
        .expect("ops")
        .alert_id;
    let m1 = o
        .create_message(MessageAsk {
            lease: &ops,
            alert_ids: &[ops_alert],
            message: NewMessage {
                body: "B",
                msg_uuid: "u1",
                now: T0 + 1,
            },
        })
        .await
        .expect("create");
    let fate = |entries: Vec<TraceEntry>, robot: &str| {
        entries[0]
            .alerts
            .iter()
            .find(|a| a.robot == robot)
            .cloned()
            .expect("alert")
    };
    let a = fate(trace(&*o, "42").await, ROBOT);
    assert_eq!((a.fate, a.message_id), (AlertFate::Pending, Some(m1)));
    o.record_attempt(&ops, m1, T0 + 2).await.expect("attempt");
    o.mark_retry(
        &ops,
        Retry {
            id: m1,
            next_attempt_at: T0 + 5000,
            error: "HTTP 502",
        },
    )
    .await
    .expect("retry");
    let a = fate(trace(&*o, "42").await, ROBOT);
    assert_eq!(a.fate, AlertFate::Retrying);
    assert_eq!((a.attempts, a.last_error.as_deref()), (1, Some("HTTP 502")));
    o.mark_sent(&ops, m1, T0 + 6000).await.expect("sent");
    let a = fate(trace(&*o, "42").await, ROBOT);
    assert_eq!(
        (a.fate, a.message_id, a.sent_at),
        (AlertFate::Sent, Some(m1), Some(T0 + 6000))
    );

    let oncall = lease(&*o, OTHER, "a", T0).await;
    let other_alert = e
        .alerts
        .iter()
        .find(|a| a.robot == OTHER)
        .expect("oncall")
        .alert_id;
    let m2 = message_of(&*o, &oncall, &[other_alert], T0 + 1).await;
    o.mark_dead(&oncall, m2, "keywords not in content")
        .await
        .expect("dead");
    let a = fate(trace(&*o, "PAY-1").await, OTHER);
    assert_eq!(a.fate, AlertFate::Dead);
    assert_eq!(a.last_error.as_deref(), Some("keywords not in content"));
}

/// A duplicate and a suppressed repeat are recorded too, in order, saying which route kept
/// the repeat silent; the duplicate's record does not claim its keys.
pub async fn trace_duplicate_and_suppressed(o: Arc<dyn Outbox>) {
    let one = |issue: &str| {
        let a = alert(
            AlertKind::EventAlert,
            "triggered",
            Some(issue),
            Level::Error,
        );
        vec![delivery(ROBOT, a, &[("ops", HOUR)])]
    };
    let first = o
        .enqueue(Enqueue {
            identity: keys(&["k"]),
            about: None,
            items: one("7"),
            record: Some(record("7", "P-7", "r1")),
            now: T0,
        })
        .await
        .expect("first");
    assert_eq!(first, queued(&[ROBOT]));
    let dup = o
        .enqueue(Enqueue {
            identity: keys(&["k", "fresh"]),
            about: None,
            items: one("7"),
            record: Some(record("7", "P-7", "r1")),
            now: T0 + 1,
        })
        .await
        .expect("dup");
    assert_eq!(dup, Enqueued::Duplicate);
    let repeat = o
        .enqueue(Enqueue {
            identity: keys(&["k2"]),
            about: None,
            items: one("7"),
            record: Some(record("7", "P-7", "r2")),
            now: T0 + 2,
        })
        .await
        .expect("repeat");
    assert_eq!(repeat, Enqueued::Suppressed);
    // The duplicate's other key was rolled back with it: still news.
    let fresh = o
        .enqueue(Enqueue {
            identity: keys(&["fresh"]),
            about: None,
            items: vec![event(ROBOT, "8", Level::Error)],
            record: None,
            now: T0 + 3,
        })
        .await
        .expect("fresh");
    assert_eq!(fresh, queued(&[ROBOT]));

    let entries = trace(&*o, "7").await;
    let outcomes: Vec<_> = entries.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            WebhookOutcome::Routed,
            WebhookOutcome::Duplicate,
            WebhookOutcome::Suppressed
        ]
    );
    let times: Vec<_> = entries.iter().map(|e| e.received_at).collect();
    assert_eq!(times, vec![T0, T0 + 1, T0 + 2]);
    assert!(entries[1].alerts.is_empty() && entries[2].alerts.is_empty());
    let silent = &entries[2].robots;
    assert_eq!(silent.len(), 1);
    assert_eq!(silent[0].robot, ROBOT);
    assert_eq!(
        silent[0].suppressed_by,
        vec!["route ops (repeat_interval 1h)"]
    );
    assert_eq!(entries[0].alerts.len(), 1);
    // An untraced enqueue (no record) leaves none.
    assert!(trace(&*o, "8").await.is_empty());
}
