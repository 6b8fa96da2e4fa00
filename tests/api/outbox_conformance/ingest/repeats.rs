//! Repeat suppression at the enqueue: a repeat inside its route's interval is silent, a state
//! change passes, and racing webhooks for one issue notify once.

use super::*;

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
            about: None,
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
                about: None,
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
            about: None,
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
        about: None,
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
        about: None,
        items: fire("triggered", AlertKind::EventAlert),
        record: None,
        now: T0,
    });
    assert_eq!(first.await.expect("first"), queued(&[ROBOT]));
    let resolved = o.enqueue(Enqueue {
        identity: vec![],
        about: None,
        items: fire("resolved", AlertKind::Issue),
        record: None,
        now: T0 + MINUTE,
    });
    assert_eq!(resolved.await.expect("resolved"), queued(&[ROBOT]));
    // The interval restarted at the state change: T0 + HOUR is still inside it.
    let repeat = o.enqueue(Enqueue {
        identity: vec![],
        about: None,
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
            about: None,
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
                    about: None,
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
