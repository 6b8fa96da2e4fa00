//! Sender leases: one holder per robot, takeover on expiry, and the fence on every write.

use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{
    LeaseAsk, LeaseTerm, MessageAsk, NewMessage, Retry, SetAside, StoreError, UnreadableAlert,
};
use std::sync::Arc;

/// Acquire, hold against others, renew, expire, take over with a greater fence, release.
pub async fn lease_lifecycle(o: Arc<dyn Outbox>) {
    let a = lease(&*o, ROBOT, "a", T0).await;
    let again = o
        .acquire_lease(LeaseAsk {
            robot: ROBOT,
            owner: "a",
            term: LeaseTerm {
                now: T0 + 1,
                ttl_ms: MINUTE,
            },
        })
        .await
        .expect("re-acquire");
    assert_eq!(
        again.as_ref(),
        Some(&a),
        "the holder keeps its lease and fence"
    );
    let other_robot = lease(&*o, "other", "b", T0).await;
    assert_eq!(other_robot.robot, "other");
    assert_eq!(
        o.acquire_lease(LeaseAsk {
            robot: ROBOT,
            owner: "b",
            term: LeaseTerm {
                now: T0 + 2,
                ttl_ms: MINUTE
            }
        })
        .await
        .expect("b"),
        None
    );
    assert!(o.renew_lease(&a, T0 + 50_000, MINUTE).await.expect("renew"));
    // Renewed to T0 + 110 s: still held at T0 + 100 s, free after.
    assert_eq!(
        o.acquire_lease(LeaseAsk {
            robot: ROBOT,
            owner: "b",
            term: LeaseTerm {
                now: T0 + 100_000,
                ttl_ms: MINUTE
            }
        })
        .await
        .expect("b"),
        None
    );
    let b = o
        .acquire_lease(LeaseAsk {
            robot: ROBOT,
            owner: "b",
            term: LeaseTerm {
                now: T0 + 110_000,
                ttl_ms: MINUTE,
            },
        })
        .await
        .expect("b")
        .expect("expired lease taken over");
    assert!(b.fence > a.fence, "{b:?} after {a:?}");
    assert!(
        !o.renew_lease(&a, T0 + 110_001, MINUTE)
            .await
            .expect("renew a")
    );
    o.release_lease(&a)
        .await
        .expect("releasing a lost lease is harmless");
    assert_eq!(
        o.acquire_lease(LeaseAsk {
            robot: ROBOT,
            owner: "a",
            term: LeaseTerm {
                now: T0 + 110_002,
                ttl_ms: MINUTE
            }
        })
        .await
        .expect("a"),
        None
    );
    o.release_lease(&b).await.expect("release");
    let c = lease(&*o, ROBOT, "c", T0 + 110_003).await;
    assert!(
        c.fence > b.fence,
        "released and taken at once, with a new fence"
    );
}

/// Many owners racing for a free lease: exactly one gets it.
pub async fn lease_race_one_winner(o: Arc<dyn Outbox>) {
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let o = o.clone();
            tokio::spawn(async move {
                o.acquire_lease(LeaseAsk {
                    robot: ROBOT,
                    owner: &format!("owner-{i}"),
                    term: LeaseTerm {
                        now: T0,
                        ttl_ms: MINUTE,
                    },
                })
                .await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.expect("task").expect("acquire").is_some());
    }
    assert_eq!(winners, 1);
}

/// After a takeover, every write of the old holder fails with `LeaseLost` and changes nothing.
pub async fn stale_fence_write_refused(o: Arc<dyn Outbox>) {
    let old = lease(&*o, ROBOT, "old", T0).await;
    let id = message(&*o, &old, &["1"], T0).await;
    queue(&*o, ROBOT, &["2"], T0).await;
    let new = lease(&*o, ROBOT, "new", T0 + 2 * MINUTE).await;
    assert!(new.fence > old.fence);
    let before = only_message(&*o).await;
    let waiting_before = o.waiting_count(ROBOT).await.expect("count");
    let waiting = o.waiting_alerts(ROBOT, 10).await.expect("waiting");
    let alert_id = waiting.alerts[0].id;
    let lost = |r: Result<(), StoreError>, what: &str| match r {
        Err(StoreError::LeaseLost { robot }) => assert_eq!(robot, ROBOT),
        other => panic!("{what} with a stale fence: {other:?}"),
    };
    let created = o
        .create_message(MessageAsk {
            lease: &old,
            alert_ids: &[alert_id],
            message: NewMessage {
                body: "B",
                msg_uuid: "u2",
                now: T0 + 3 * MINUTE,
            },
        })
        .await;
    lost(created.map(|_| ()), "create_message");
    lost(
        o.record_attempt(&old, id, T0 + 3 * MINUTE)
            .await
            .map(|_| ()),
        "record_attempt",
    );
    lost(
        o.record_attempt_end(&old, id, T0 + 3 * MINUTE).await,
        "record_attempt_end",
    );
    lost(
        o.count_attempt(&old, id, T0 + 3 * MINUTE).await,
        "count_attempt",
    );
    lost(o.mark_sent(&old, id, T0 + 3 * MINUTE).await, "mark_sent");
    lost(
        o.mark_retry(
            &old,
            Retry {
                id,
                next_attempt_at: T0 + HOUR,
                error: "x",
            },
        )
        .await
        .map(drop),
        "mark_retry",
    );
    lost(o.mark_dead(&old, id, "x").await, "mark_dead");
    lost(
        o.set_paused_until(&old, T0 + HOUR).await,
        "set_paused_until",
    );
    lost(
        o.set_aside_alert(SetAside {
            lease: &old,
            alert: &UnreadableAlert {
                id: alert_id,
                reason: "x".into(),
            },
            now: T0,
        })
        .await,
        "set_aside_alert",
    );
    let after = only_message(&*o).await;
    assert_eq!(
        format!("{after:?}"),
        format!("{before:?}"),
        "the message did not change"
    );
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), waiting_before);
    assert_eq!(o.paused_until(ROBOT).await.expect("paused"), None);
    // The new holder writes fine.
    o.mark_sent(&new, id, T0 + 3 * MINUTE)
        .await
        .expect("new holder writes");
}
