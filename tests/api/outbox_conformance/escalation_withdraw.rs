//! An act withdraws the follow-ups its issue's ladders queued and never tried: "nobody acted"
//! never goes out after someone did (the follow-up waited for the budget, or for a paused
//! robot). A follow-up already tried stays (it may be at DingTalk); other issues' stay.

use super::escalation::*;
use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use std::sync::Arc;

pub async fn act_withdraws_the_follow_ups_not_yet_tried(o: Arc<dyn Outbox>) {
    for issue in ["42", "43", "44"] {
        start(&*o, issue, T0).await;
    }
    let at = T0 + AFTER;
    let runner = lease(&*o, ROBOT, "a", at).await;
    for row in due(&*o, at).await {
        let uuid = format!("esc-{}", row.issue);
        let next = took("step 1", &uuid, at, Some(at + AFTER));
        move_ok(&*o, &runner, &row, next, at).await;
    }
    let messages = o.list_messages(None, 10).await.expect("list");
    assert_eq!(messages.len(), 3);
    // 43's follow-up is being sent: its attempt counted before the request went out.
    let pager = lease(&*o, PAGER, "a", at).await;
    let tried = messages
        .iter()
        .find(|m| m.msg_uuid == "esc-43")
        .expect("43");
    o.record_attempt(&pager, tried.id, at + 1)
        .await
        .expect("attempt");

    for issue in ["42", "43"] {
        let ended = o.act_on_issue(issue, "claimed in the chat", at + 2).await;
        assert_eq!(ended.expect("act"), 1, "{issue}");
    }
    let mut left: Vec<String> = o
        .list_messages(None, 10)
        .await
        .expect("list")
        .into_iter()
        .map(|m| m.msg_uuid)
        .collect();
    left.sort_unstable();
    assert_eq!(left, ["esc-43", "esc-44"], "42's untried follow-up is gone");
    let story: Vec<String> = notes(&*o, "42").await.into_iter().map(|n| n.note).collect();
    assert_eq!(
        story,
        [
            "step 1",
            "stopped: claimed in the chat",
            "withdrawn: its follow-up had not gone out"
        ]
    );
    let tried_story = notes(&*o, "43").await;
    assert_eq!(tried_story.len(), 2, "no withdrawal of a tried follow-up");
}
