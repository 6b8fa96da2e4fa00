//! The webhook edge: dedup, repeats, waiting order, wake-ups, writability.

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
        items: vec![event(ROBOT, "1", Level::Error)],
        record: None,
        now: T0,
    });
    assert_eq!(first.await.expect("first"), queued(&[ROBOT]));
    let inside = T0 + DEDUP_WINDOW_MS - 1;
    let again = o.enqueue(Enqueue {
        identity: keys(&["k"]),
        items: vec![event(ROBOT, "1", Level::Error)],
        record: None,
        now: inside,
    });
    assert_eq!(again.await.expect("again"), Enqueued::Duplicate);
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 1);
    let later = T0 + DEDUP_WINDOW_MS;
    let after = o.enqueue(Enqueue {
        identity: keys(&["k"]),
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
        items: vec![event(ROBOT, "1", Level::Error)],
        record: None,
        now: T0,
    });
    assert_eq!(first.await.expect("first"), queued(&[ROBOT]));
    let overlap = o.enqueue(Enqueue {
        identity: keys(&["c", "b"]),
        items: vec![event(ROBOT, "2", Level::Error)],
        record: None,
        now: T0 + 1,
    });
    assert_eq!(overlap.await.expect("overlap"), Enqueued::Duplicate);
    let c_alone = o.enqueue(Enqueue {
        identity: keys(&["c"]),
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

/// A repeat of an event alert inside its route's interval is silent; after the interval it
/// passes and says how many repeats were kept silent.
pub async fn repeat_suppression(o: Arc<dyn Outbox>) {
    let repeat = || {
        let a = alert(AlertKind::EventAlert, "triggered", Some("42"), Level::Error);
        vec![delivery(ROBOT, a, &[("r1", HOUR)])]
    };
    assert_eq!(
        o.enqueue(Enqueue {
            identity: vec![],
            items: repeat(),
            record: None,
            now: T0
        })
        .await
        .expect("1st"),
        queued(&[ROBOT])
    );
    for i in 1..=3 {
        let silent = o
            .enqueue(Enqueue {
                identity: vec![],
                items: repeat(),
                record: None,
                now: T0 + i * MINUTE,
            })
            .await
            .expect("repeat");
        assert_eq!(silent, Enqueued::Suppressed);
    }
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 1);
    let after = o
        .enqueue(Enqueue {
            identity: vec![],
            items: repeat(),
            record: None,
            now: T0 + HOUR,
        })
        .await
        .expect("after");
    assert_eq!(after, queued(&[ROBOT]));
    let waiting = o.waiting_alerts(ROBOT, 10).await.expect("waiting");
    let folded: Vec<u64> = waiting
        .alerts
        .iter()
        .map(|a| a.queued.alert.suppressed)
        .collect();
    assert_eq!(
        folded,
        vec![0, 3],
        "the second notification counts the silent repeats"
    );
    // Another robot, or another issue, has its own interval.
    let other = alert(AlertKind::EventAlert, "triggered", Some("43"), Level::Error);
    let other = o.enqueue(Enqueue {
        identity: vec![],
        items: vec![delivery(ROBOT, other, &[("r1", HOUR)])],
        record: None,
        now: T0 + 1,
    });
    assert_eq!(other.await.expect("other issue"), queued(&[ROBOT]));
}

/// State changes pass inside the interval and start it again; an alert stays silent for a
/// robot only when every route that sent it there says so.
pub async fn repeat_state_change_passes(o: Arc<dyn Outbox>) {
    let rules = [("r1", HOUR), ("r2", HOUR)];
    let fire = |action: &str, kind: AlertKind| {
        vec![delivery(
            ROBOT,
            alert(kind, action, Some("7"), Level::Error),
            &rules,
        )]
    };
    let first = o.enqueue(Enqueue {
        identity: vec![],
        items: fire("triggered", AlertKind::EventAlert),
        record: None,
        now: T0,
    });
    assert_eq!(first.await.expect("first"), queued(&[ROBOT]));
    let resolved = o.enqueue(Enqueue {
        identity: vec![],
        items: fire("resolved", AlertKind::Issue),
        record: None,
        now: T0 + MINUTE,
    });
    assert_eq!(resolved.await.expect("resolved"), queued(&[ROBOT]));
    // The interval restarted at the state change: T0 + HOUR is still inside it.
    let repeat = o.enqueue(Enqueue {
        identity: vec![],
        items: fire("triggered", AlertKind::EventAlert),
        record: None,
        now: T0 + HOUR,
    });
    assert_eq!(repeat.await.expect("repeat"), Enqueued::Suppressed);
    // A third route that never notified lets it through.
    let a = alert(AlertKind::EventAlert, "triggered", Some("7"), Level::Error);
    let wider = delivery(ROBOT, a, &[("r1", HOUR), ("r3", HOUR)]);
    let passed = o
        .enqueue(Enqueue {
            identity: vec![],
            items: vec![wider],
            record: None,
            now: T0 + HOUR + 1,
        })
        .await
        .expect("wider");
    assert_eq!(passed, queued(&[ROBOT]));
}

/// Distinct webhooks for one issue racing: exactly one notifies.
pub async fn repeat_race(o: Arc<dyn Outbox>) {
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let o = o.clone();
            tokio::spawn(async move {
                let a = alert(AlertKind::EventAlert, "triggered", Some("99"), Level::Error);
                let d = delivery(ROBOT, a, &[("r1", HOUR)]);
                o.enqueue(Enqueue {
                    identity: vec![format!("event-{i}")],
                    items: vec![d],
                    record: None,
                    now: T0 + i,
                })
                .await
            })
        })
        .collect();
    let mut queued_count = 0;
    for task in tasks {
        let result = task.await.expect("task").expect("enqueue");
        queued_count += usize::from(matches!(result, Enqueued::Queued { .. }));
    }
    assert_eq!(queued_count, 1);
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 1);
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
