//! The webhook edge: dedup, repeats, waiting order, wake-ups, writability.

mod followed;
mod repeats;

pub use followed::*;
pub use repeats::*;

use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{DEDUP_WINDOW_MS, Enqueue, Enqueued};
use sentry_dingtalk::{AlertKind, Level};
use std::sync::Arc;
use std::time::Duration;

/// A key seen within the window is a duplicate and queues nothing; once the window has
/// passed, the same key is news again.
pub async fn enqueue_dedup_window(o: Arc<dyn Outbox>) {
    let first = o.enqueue(Enqueue {
        identity: keys(&["k"]),
        about: None,
        items: vec![event(ROBOT, "1", Level::Error)],
        record: None,
        now: T0,
    });
    assert_eq!(first.await.expect("first"), queued(&[ROBOT]));
    let inside = T0 + DEDUP_WINDOW_MS - 1;
    let again = o.enqueue(Enqueue {
        identity: keys(&["k"]),
        about: None,
        items: vec![event(ROBOT, "1", Level::Error)],
        record: None,
        now: inside,
    });
    assert_eq!(again.await.expect("again"), Enqueued::Duplicate);
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 1);
    let later = T0 + DEDUP_WINDOW_MS;
    let after = o.enqueue(Enqueue {
        identity: keys(&["k"]),
        about: None,
        items: vec![event(ROBOT, "1", Level::Error)],
        record: None,
        now: later,
    });
    assert_eq!(after.await.expect("after window"), queued(&[ROBOT]));
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 2);
}

/// The same webhook arriving twice at once is stored once: one `Queued`, one `Duplicate`.
pub async fn enqueue_dedup_race(o: Arc<dyn Outbox>) {
    for round in 0..20 {
        let key = format!("race-{round}");
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (o, key) = (o.clone(), key.clone());
                tokio::spawn(async move {
                    o.enqueue(Enqueue {
                        identity: vec![key],
                        about: None,
                        items: vec![event(ROBOT, "1", Level::Error)],
                        record: None,
                        now: T0,
                    })
                    .await
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("task").expect("enqueue"));
        }
        let dupes = results
            .iter()
            .filter(|r| **r == Enqueued::Duplicate)
            .count();
        assert_eq!(dupes, 1, "round {round}: {results:?}");
    }
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 20);
}

/// An enqueue with several keys is a duplicate when any was seen, and then records none of
/// the others (the transaction is all or nothing).
pub async fn enqueue_duplicate_key_rolls_back_the_others(o: Arc<dyn Outbox>) {
    let first = o.enqueue(Enqueue {
        identity: keys(&["a", "b"]),
        about: None,
        items: vec![event(ROBOT, "1", Level::Error)],
        record: None,
        now: T0,
    });
    assert_eq!(first.await.expect("first"), queued(&[ROBOT]));
    let overlap = o.enqueue(Enqueue {
        identity: keys(&["c", "b"]),
        about: None,
        items: vec![event(ROBOT, "2", Level::Error)],
        record: None,
        now: T0 + 1,
    });
    assert_eq!(overlap.await.expect("overlap"), Enqueued::Duplicate);
    let c_alone = o.enqueue(Enqueue {
        identity: keys(&["c"]),
        about: None,
        items: vec![event(ROBOT, "3", Level::Error)],
        record: None,
        now: T0 + 2,
    });
    assert_eq!(
        c_alone.await.expect("c"),
        queued(&[ROBOT]),
        "c was not kept"
    );
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 2);
}

/// Waiting alerts come most severe first, oldest first within a level, per robot, limited.
pub async fn waiting_order(o: Arc<dyn Outbox>) {
    let levels = [
        Level::Info,
        Level::Fatal,
        Level::Warning,
        Level::Fatal,
        Level::Info,
    ];
    for (i, level) in levels.iter().enumerate() {
        let issue = format!("{i}");
        let d = vec![event(ROBOT, &issue, *level), event("other", &issue, *level)];
        let at = T0 + i64::try_from(i).expect("small");
        assert!(matches!(
            o.enqueue(Enqueue {
                identity: vec![],
                about: None,
                items: d,
                record: None,
                now: at
            })
            .await
            .expect("enqueue"),
            Enqueued::Queued { .. }
        ));
    }
    let waiting = o.waiting_alerts(ROBOT, 4).await.expect("waiting");
    let order: Vec<_> = waiting
        .alerts
        .iter()
        .map(|a| a.queued.alert.issue_id.clone())
        .collect();
    let expected = ["1", "3", "2", "0"].map(|s| Some(s.to_owned()));
    assert_eq!(
        order, expected,
        "fatal, fatal, warning, info; oldest first within a level"
    );
    assert!(waiting.unreadable.is_empty());
    assert!(waiting.alerts.iter().all(|a| a.received_at >= T0));
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 5);
    assert_eq!(o.oldest_waiting(ROBOT).await.expect("oldest"), Some(T0));
    assert_eq!(o.oldest_waiting("nobody").await.expect("none"), None);
}

/// A subscriber hears of an enqueue for its robot soon after it committed.
pub async fn wakeups_after_enqueue(o: Arc<dyn Outbox>) {
    let mut wakeups = o.wakeups();
    o.enqueue(Enqueue {
        identity: vec![],
        about: None,
        items: vec![event(ROBOT, "1", Level::Error)],
        record: None,
        now: T0,
    })
    .await
    .expect("enqueue");
    let heard = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match wakeups.recv().await {
                Ok(robot) if robot == ROBOT => return true,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return false,
            }
        }
    });
    assert_eq!(heard.await, Ok(true), "no wake-up for {ROBOT} within 5 s");
}

pub async fn check_writable(o: Arc<dyn Outbox>) {
    o.check_writable(T0).await.expect("writable");
    o.check_writable(T0 + 1).await.expect("writable twice");
}
