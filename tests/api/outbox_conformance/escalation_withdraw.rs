//! An act withdraws the follow-ups its issue's ladders queued and that are not in flight:
//! never tried (waiting for the budget), or waiting for a retry (a paused robot). "Nobody
//! acted" never goes out after someone did. One whose attempt started and has not ended stays
//! (it may be at DingTalk); other issues' stay; a sender that read a withdrawn one before the
//! act is told so when it records its attempt, and sends nothing; one in flight whose send then
//! fails is withdrawn instead of retried.

use super::escalation::*;
use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{LadderMove, Lease, MessageRow, Retry};
use std::sync::Arc;

async fn follow_up(o: &dyn Outbox, issue: &str) -> MessageRow {
    let all = o.list_messages(None, 10).await.expect("list");
    let uuid = format!("esc-{issue}");
    all.into_iter()
        .find(|m| m.msg_uuid == uuid)
        .expect("follow-up")
}

/// A ladder for each of `issues`, its first step taken with a follow-up `esc-<issue>` for the
/// pager robot; when, and the pager's lease.
async fn follow_ups_queued(o: &dyn Outbox, issues: &[&str]) -> (i64, Lease) {
    for issue in issues {
        start(o, issue, T0).await;
    }
    let at = T0 + AFTER;
    let runner = lease(o, ROBOT, "a", at).await;
    for row in due(o, at).await {
        let uuid = format!("esc-{}", row.issue);
        let next = took("step 1", &uuid, at, Some(at + AFTER));
        move_ok(o, &runner, &row, next, at).await;
    }
    (at, lease(o, PAGER, "a", at).await)
}

/// The `msgUuid`s of the messages left, sorted.
async fn uuids_left(o: &dyn Outbox) -> Vec<String> {
    let all = o.list_messages(None, 10).await.expect("list");
    let mut left: Vec<String> = all.into_iter().map(|m| m.msg_uuid).collect();
    left.sort_unstable();
    left
}

pub async fn act_withdraws_the_follow_ups_not_in_flight(o: Arc<dyn Outbox>) {
    let (at, pager) = follow_ups_queued(&*o, &["42", "43", "44", "45"]).await;
    let (untried, in_flight) = (follow_up(&*o, "42").await, follow_up(&*o, "43").await);
    // 43's attempt started (recorded before its request goes out) and has not ended.
    let started = o.record_attempt(&pager, in_flight.id, at + 1).await;
    assert!(started.expect("attempt"));
    // 45's attempt ended in a retry a minute on (a throttled robot, say).
    let retrying = follow_up(&*o, "45").await;
    assert!(
        o.record_attempt(&pager, retrying.id, at + 1)
            .await
            .expect("a")
    );
    let retry = Retry {
        id: retrying.id,
        next_attempt_at: at + MINUTE,
        error: "throttled",
    };
    o.mark_retry(&pager, retry).await.expect("retry");

    for issue in ["42", "43", "45"] {
        let ended = o.act_on_issue(issue, "claimed in the chat", at + 2).await;
        assert_eq!(ended.expect("act"), 1, "{issue}");
    }
    let left = uuids_left(&*o).await;
    assert_eq!(
        left,
        ["esc-43", "esc-44"],
        "42's and 45's follow-ups are gone"
    );
    let withdrawn = "withdrawn: its follow-up had not gone out";
    for issue in ["42", "45"] {
        let story: Vec<String> = notes(&*o, issue)
            .await
            .into_iter()
            .map(|n| n.note)
            .collect();
        assert_eq!(story, ["step 1", "stopped: claimed in the chat", withdrawn]);
    }
    assert_eq!(
        notes(&*o, "43").await.len(),
        2,
        "a follow-up in flight stays"
    );
    // A sender that read 42's follow-up before the act: nothing to send.
    let late = o.record_attempt(&pager, untried.id, at + 3).await;
    assert!(!late.expect("attempt"), "withdrawn: not sent");
}

/// A ladder that ends because someone acted in another way (a silence holds its issue: `End`
/// with `acted`) withdraws its own follow-ups that are not in flight, too.
pub async fn a_ladder_a_silence_ends_withdraws_its_follow_ups(o: Arc<dyn Outbox>) {
    start(&*o, "46", T0).await;
    let at = T0 + AFTER;
    let runner = lease(&*o, ROBOT, "a", at).await;
    let first = due(&*o, at).await.remove(0);
    let step = took("step 1", "esc-46", at, Some(at + AFTER));
    move_ok(&*o, &runner, &first, step, at).await;
    let second = due(&*o, at + AFTER).await.remove(0);
    let silenced = LadderMove::End {
        note: "stopped: silenced by #3",
        acted: true,
    };
    move_ok(&*o, &runner, &second, silenced, at + AFTER).await;
    assert!(o.list_messages(None, 10).await.expect("list").is_empty());
    let story: Vec<String> = notes(&*o, "46").await.into_iter().map(|n| n.note).collect();
    let withdrawn = "withdrawn: its follow-up had not gone out";
    assert_eq!(story, ["step 1", "stopped: silenced by #3", withdrawn]);
}

/// A follow-up in flight when the act came (the act left it: it may be at DingTalk) whose send
/// then fails is withdrawn instead of retried, noted when its attempt ended; one whose issue
/// nobody acted on is retried.
pub async fn a_follow_up_that_fails_after_an_act_is_withdrawn_not_retried(o: Arc<dyn Outbox>) {
    let (at, pager) = follow_ups_queued(&*o, &["47", "48"]).await;
    let (acted, unacted) = (follow_up(&*o, "47").await, follow_up(&*o, "48").await);
    for m in [&acted, &unacted] {
        let started = o.record_attempt(&pager, m.id, at + 1).await;
        assert!(started.expect("attempt"));
    }
    let ended = o.act_on_issue("47", "claimed in the chat", at + 2).await;
    assert_eq!(ended.expect("act"), 1);
    let failed = at + 3;
    let retry = |id| Retry {
        id,
        next_attempt_at: failed + MINUTE,
        error: "DingTalk answered 503",
    };
    for m in [&acted, &unacted] {
        let end = o.record_attempt_end(&pager, m.id, failed).await;
        end.expect("attempt end");
    }
    let kept = o.mark_retry(&pager, retry(acted.id)).await;
    assert!(!kept.expect("retry"), "47 was acted on: withdrawn");
    let kept = o.mark_retry(&pager, retry(unacted.id)).await;
    assert!(kept.expect("retry"), "nobody acted on 48: retried");
    assert_eq!(uuids_left(&*o).await, ["esc-48"]);
    let story: Vec<(i64, String)> = notes(&*o, "47")
        .await
        .into_iter()
        .map(|n| (n.at, n.note))
        .collect();
    let withdrawn = "withdrawn: its send failed after someone acted, and is not retried";
    let expected = [
        (at, "step 1"),
        (at + 2, "stopped: claimed in the chat"),
        (failed, withdrawn),
    ];
    let expected: Vec<(i64, String)> = expected.iter().map(|(t, n)| (*t, n.to_string())).collect();
    assert_eq!(story, expected);
    assert_eq!(notes(&*o, "48").await.len(), 1, "48's ladder goes on");
}
