//! Counting attempts: every send counted before it is made, per robot, surviving a crash; a
//! sender that lost its lease counts nothing.

use super::*;

/// Attempts count up. The rolling budget's history is every attempt counted before its send,
/// per robot: a message sent three times counts three times, at the answer's time once it
/// came and at the start of one cut off by a crash.
pub async fn attempts_history(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    let first = message(&*o, &l, &["1"], T0).await;
    let second = message(&*o, &l, &["2"], T0).await;
    o.record_attempt(&l, first, T0 + 10).await.expect("attempt");
    o.count_attempt(&l, first, T0 + 10).await.expect("count");
    o.record_attempt_end(&l, first, T0 + 20).await.expect("end");
    o.record_attempt(&l, first, T0 + 30)
        .await
        .expect("attempt 2");
    o.count_attempt(&l, first, T0 + 30).await.expect("count 2");
    o.record_attempt(&l, second, T0 + 40)
        .await
        .expect("attempt");
    o.count_attempt(&l, second, T0 + 40).await.expect("count");
    o.record_attempt_end(&l, second, T0 + 45)
        .await
        .expect("end");
    let history = o.attempts_since(ROBOT, T0).await.expect("history");
    assert_eq!(
        history,
        vec![T0 + 20, T0 + 30, T0 + 45],
        "every attempt: ended ones at their answer, the cut-off one at its start"
    );
    assert_eq!(
        o.attempts_since(ROBOT, T0 + 25).await.expect("recent"),
        vec![T0 + 30, T0 + 45]
    );
    assert!(
        o.attempts_since("other", 0)
            .await
            .expect("other")
            .is_empty()
    );
    let m = o.list_messages(None, 10).await.expect("list");
    let attempts: Vec<i64> = m.iter().map(|m| m.attempts).collect();
    assert_eq!(attempts, vec![1, 2], "newest first");
}

/// An attempt counted before its send survives the sender: a crash mid-send, and a re-send of
/// the same message by the next holder, both count. Counts older than the log keeps go when
/// the robot counts again; a sender that lost its lease counts nothing.
pub async fn attempt_counted_before_send(o: Arc<dyn Outbox>) {
    let first = lease(&*o, ROBOT, "a", T0).await;
    let id = message(&*o, &first, &["1"], T0).await;
    o.record_attempt(&first, id, T0 + 1).await.expect("attempt");
    o.count_attempt(&first, id, T0 + 1).await.expect("count");
    // The holder dies mid-send: no end, no outcome. The next one takes over and re-sends.
    let next = lease(&*o, ROBOT, "b", T0 + 2 * MINUTE).await;
    assert_eq!(
        o.attempts_since(ROBOT, T0).await.expect("history"),
        vec![T0 + 1],
        "the next holder's budget sees the cut-off attempt"
    );
    let lost = o.count_attempt(&first, id, T0 + 2 * MINUTE).await;
    assert!(
        matches!(lost, Err(StoreError::LeaseLost { .. })),
        "a stale holder counts nothing: {lost:?}"
    );
    o.count_attempt(&next, id, T0 + 2 * MINUTE + 1)
        .await
        .expect("re-send counted");
    assert_eq!(
        o.attempts_since(ROBOT, T0).await.expect("history"),
        vec![T0 + 1, T0 + 2 * MINUTE + 1],
        "the same message counts once per attempt"
    );
    let later = T0 + 13 * MINUTE;
    let id2 = message(&*o, &next, &["2"], later).await;
    o.count_attempt(&next, id2, later).await.expect("count");
    assert_eq!(
        o.attempts_since(ROBOT, 0).await.expect("pruned"),
        vec![later],
        "counts past the kept ten minutes are forgotten"
    );
}
