//! Building blocks for the checks: alerts, deliveries, leases and a queue helper.

use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{
    Delivery, Enqueue, Enqueued, Lease, LeaseAsk, LeaseTerm, MessageAsk, MessageRow, NewMessage,
    QueuedAlert,
};
use sentry_dingtalk::{Alert, AlertKind, Level, RepeatRule};
use std::time::Duration;

pub const ROBOT: &str = "ops";
pub const MINUTE: i64 = 60_000;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;
/// A realistic epoch-ms "now", so windows subtracted from it stay positive.
pub const T0: i64 = 1_760_000_000_000;

pub fn alert(kind: AlertKind, action: &str, issue: Option<&str>, level: Level) -> Alert {
    let mut alert = Alert::new(kind, action);
    alert.issue_id = issue.map(str::to_owned);
    alert.level = level;
    alert.title = format!("{} {action} {}", kind.as_str(), issue.unwrap_or("-"));
    alert
}

/// `alert` for `robot`, with one repeat rule per (route, interval).
pub fn delivery(robot: &str, alert: Alert, rules: &[(&str, i64)]) -> Delivery {
    Delivery {
        robot: robot.to_owned(),
        queued: QueuedAlert {
            alert,
            at: Default::default(),
            mute: Vec::new(),
            storm_exempt: false,
        },
        repeat: rules
            .iter()
            .map(|(route, ms)| RepeatRule {
                route: (*route).to_owned(),
                interval: Duration::from_millis(u64::try_from(*ms).expect("positive interval")),
            })
            .collect(),
        escalate: Vec::new(),
    }
}

/// An event alert (a repeatable kind) of `issue` for `robot`, without repeat rules.
pub fn event(robot: &str, issue: &str, level: Level) -> Delivery {
    delivery(
        robot,
        alert(AlertKind::EventAlert, "triggered", Some(issue), level),
        &[],
    )
}

pub fn keys(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

pub fn queued(robots: &[&str]) -> Enqueued {
    Enqueued::Queued {
        robots: robots.iter().map(|r| (*r).to_owned()).collect(),
    }
}

/// Queues one event alert per issue for `robot` at `now`; returns the ids of all the alerts
/// now waiting for `robot`, in picking order.
pub async fn queue(o: &dyn Outbox, robot: &str, issues: &[&str], now: i64) -> Vec<i64> {
    for issue in issues {
        let result = o
            .enqueue(Enqueue {
                identity: vec![],
                about: None,
                items: vec![event(robot, issue, Level::Error)],
                record: None,
                now,
            })
            .await
            .expect("enqueue");
        assert_eq!(result, queued(&[robot]));
    }
    let waiting = o.waiting_alerts(robot, 1000).await.expect("waiting");
    waiting.alerts.iter().map(|a| a.id).collect()
}

pub async fn lease(o: &dyn Outbox, robot: &str, owner: &str, now: i64) -> Lease {
    o.acquire_lease(LeaseAsk {
        robot,
        owner,
        term: LeaseTerm {
            now,
            ttl_ms: MINUTE,
        },
    })
    .await
    .expect("acquire")
    .expect("the lease is free")
}

/// A pending message of `robot` holding `issues`' alerts, built at `now`; returns its id.
pub async fn message(o: &dyn Outbox, lease: &Lease, issues: &[&str], now: i64) -> i64 {
    let ids = queue(o, &lease.robot, issues, now).await;
    message_of(o, lease, &ids, now).await
}

/// A message made of alerts already stored (`alert_ids`).
pub async fn message_of(o: &dyn Outbox, lease: &Lease, alert_ids: &[i64], now: i64) -> i64 {
    let uuid = format!("uuid-{alert_ids:?}");
    o.create_message(MessageAsk {
        lease,
        alert_ids,
        message: NewMessage {
            body: "{\"msgtype\":\"markdown\"}",
            msg_uuid: &uuid,
            now,
        },
    })
    .await
    .expect("create message")
}

/// The ids of the messages in the store (at most 10), newest first.
pub async fn message_ids(o: &dyn Outbox) -> Vec<i64> {
    let all = o.list_messages(None, 10).await.expect("list");
    all.iter().map(|m| m.id).collect()
}

/// The one message in the store.
pub async fn only_message(o: &dyn Outbox) -> MessageRow {
    let mut all = o.list_messages(None, 10).await.expect("list");
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}
