//! How escalation ladders end and start again: the last step ends its ladder, an act ends every
//! open ladder of the issue, a new or regressed issue restarts an ended one (never an open one),
//! postponing keeps the step, and notes add to the story.

use super::escalation::*;
use super::fixtures::*;
use sentry_dingtalk::LadderStart;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{LadderLine, LadderMove, LadderRow, LadderStep};
use std::sync::Arc;

const WEB: &str = "web";

fn by_route(rows: &[LadderRow]) -> Vec<(&str, &str)> {
    let mut all: Vec<_> = rows
        .iter()
        .map(|r| (r.route.as_str(), r.issue.as_str()))
        .collect();
    all.sort_unstable();
    all
}

/// `act_on_issue` ends the issue's open ladders on every route (and only them), notes why,
/// and a step read before it then does nothing.
pub async fn act_ends_the_issues_ladders(o: Arc<dyn Outbox>) {
    let both = escalating("42", "created", LadderStart::Again, &[ROUTE, WEB]);
    enqueue(&*o, both, T0).await;
    start(&*o, "43", T0).await;
    let l = lease(&*o, ROBOT, "a", T0 + AFTER).await;
    let read = due(&*o, T0 + AFTER).await;
    assert_eq!(read.len(), 3);

    let at = T0 + AFTER;
    let ended = o.act_on_issue("42", "resolved in Sentry", at).await;
    assert_eq!(ended.expect("act"), 2);
    assert_eq!(by_route(&open(&*o).await), vec![(ROUTE, "43")]);
    let mut written = notes(&*o, "42").await;
    written.sort_by(|a, b| a.route.cmp(&b.route));
    let stopped = "stopped: resolved in Sentry";
    assert_eq!(
        written,
        vec![note(at, ROUTE, stopped), note(at, WEB, stopped)]
    );
    assert!(notes(&*o, "43").await.is_empty());

    for row in read.iter().filter(|r| r.issue == "42") {
        let step = took("step 1", "esc-late", at + 1, Some(at + AFTER));
        assert!(
            !o.move_ladder(LadderStep {
                lease: &l,
                ladder: row,
                how: step,
                now: at + 1
            })
            .await
            .expect("move")
        );
    }
    assert!(o.list_messages(None, 10).await.expect("list").is_empty());
    // Acting again ends nothing more and notes nothing more.
    let again = o.act_on_issue("42", "resolved in Sentry", at + 2).await;
    assert_eq!(again.expect("act"), 0);
    assert_eq!(notes(&*o, "42").await.len(), 2);
}

/// A new or regressed issue (`Again`) restarts a ladder that ended, acted or done, and leaves
/// an open one alone; an event alert (`IfUnseen`) starts one only for an unseen issue.
pub async fn ladder_restarts_only_when_ended(o: Arc<dyn Outbox>) {
    let if_unseen = |issue| escalating(issue, "triggered", LadderStart::IfUnseen, &[ROUTE]);
    let regressed = |issue| escalating(issue, "unresolved", LadderStart::Again, &[ROUTE]);
    enqueue(&*o, if_unseen("7"), T0).await;
    assert_eq!(by_route(&open(&*o).await), vec![(ROUTE, "7")]);
    o.act_on_issue("7", "ignored in Sentry", T0)
        .await
        .expect("act");

    start(&*o, "42", T0).await;
    let l = lease(&*o, ROBOT, "a", T0 + AFTER).await;
    let first = only_ladder(&*o).await;
    move_ok(
        &*o,
        &l,
        &first,
        took("step 1", "u1", T0 + AFTER, Some(T0 + 2 * AFTER)),
        T0 + AFTER,
    )
    .await;
    let climbing = only_ladder(&*o).await;
    enqueue(&*o, regressed("42"), T0 + AFTER + 1).await;
    enqueue(&*o, if_unseen("42"), T0 + AFTER + 2).await;
    assert_eq!(only_ladder(&*o).await, climbing, "an open ladder goes on");

    o.act_on_issue("42", "resolved in Sentry", T0 + HOUR)
        .await
        .expect("act");
    enqueue(&*o, if_unseen("42"), T0 + HOUR + 1).await;
    enqueue(&*o, if_unseen("7"), T0 + HOUR + 1).await;
    assert!(
        open(&*o).await.is_empty(),
        "an event alert restarts nothing"
    );

    let now = T0 + 2 * HOUR;
    let l = lease(&*o, ROBOT, "a", now).await;
    let item = regressed("42");
    let stored = item.queued.alert.clone();
    enqueue(&*o, item, now).await;
    let again = only_ladder(&*o).await;
    let got = (again.id, again.step, again.started_at, again.next_at);
    assert_eq!(
        got,
        (first.id, 0, now, now + AFTER),
        "the same ladder, afresh"
    );
    let kept: sentry_dingtalk::outbox::types::QueuedAlert =
        serde_json::from_str(&again.alert).expect("QueuedAlert JSON");
    assert_eq!(kept.alert, stored, "the alert that restarted it");
    // A step read in the ladder's earlier life does not move its new one.
    let late = took("step 1", "u-late", now + 1, Some(now + AFTER));
    assert!(
        !o.move_ladder(LadderStep {
            lease: &l,
            ladder: &first,
            how: late,
            now: now + 1
        })
        .await
        .expect("move")
    );
    assert_eq!(only_ladder(&*o).await, again);

    let last = LadderMove::Took {
        note: "step 1",
        message: None,
        next_at: None,
    };
    move_ok(&*o, &l, &again, last, now + AFTER).await;
    assert!(open(&*o).await.is_empty());
    enqueue(&*o, regressed("42"), now + HOUR).await;
    let after_done = only_ladder(&*o).await;
    assert_eq!((after_done.step, after_done.started_at), (0, now + HOUR));
}

/// `Postpone` keeps the step and moves its time, writing nothing else; `End` ends the ladder
/// with its note, whether someone acted or not.
pub async fn postpone_then_end(o: Arc<dyn Outbox>) {
    start(&*o, "42", T0).await;
    start(&*o, "43", T0).await;
    let l = lease(&*o, ROBOT, "a", T0 + AFTER).await;
    let now = T0 + AFTER;
    let rows = open(&*o).await;
    let (a, b) = (&rows[0], &rows[1]);
    move_ok(&*o, &l, a, LadderMove::Postpone { at: now + HOUR }, now).await;
    let postponed = open(&*o).await;
    let kept = postponed.iter().find(|r| r.id == a.id).expect("still open");
    assert_eq!((kept.step, kept.next_at), (0, now + HOUR));
    let due_now = due(&*o, now).await;
    assert_eq!(due_now.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b.id]);
    assert!(notes(&*o, "42").await.is_empty());
    assert!(o.list_messages(None, 10).await.expect("list").is_empty());

    let silenced = LadderMove::End {
        note: "stopped: silenced by zhangsan",
        acted: true,
    };
    move_ok(&*o, &l, kept, silenced, now + 1).await;
    let gone = LadderMove::End {
        note: "ended: the route no longer escalates",
        acted: false,
    };
    move_ok(&*o, &l, b, gone, now + 2).await;
    assert!(open(&*o).await.is_empty());
    let far = now + 100 * DAY;
    assert!(due(&*o, far).await.is_empty());
    let story = |text| vec![note(now + 1, ROUTE, text)];
    assert_eq!(
        notes(&*o, "42").await,
        story("stopped: silenced by zhangsan")
    );
    let story = vec![note(now + 2, ROUTE, "ended: the route no longer escalates")];
    assert_eq!(notes(&*o, "43").await, story);
}

/// `note_ladder` adds to the story, after what is there, open or ended.
pub async fn note_ladder_appends(o: Arc<dyn Outbox>) {
    start(&*o, "42", T0).await;
    let l = lease(&*o, ROBOT, "a", T0 + AFTER).await;
    let row = only_ladder(&*o).await;
    let now = T0 + AFTER;
    let step = took("step 1: ding:oncall:backend", "u1", now, Some(now + AFTER));
    move_ok(&*o, &l, &row, step, now).await;
    o.note_ladder(LadderLine {
        ladder: &row,
        note: "DING not sent: 403",
        now: now + 1,
    })
    .await
    .expect("note");
    o.act_on_issue("42", "assigned in Sentry", now + 2)
        .await
        .expect("act");
    o.note_ladder(LadderLine {
        ladder: &row,
        note: "DING sent late",
        now: now + 3,
    })
    .await
    .expect("note on an ended ladder");
    assert_eq!(
        notes(&*o, "Pay-42").await,
        vec![
            note(now, ROUTE, "step 1: ding:oncall:backend"),
            note(now + 1, ROUTE, "DING not sent: 403"),
            note(now + 2, ROUTE, "stopped: assigned in Sentry"),
            // The step's follow-up had not been tried: the act withdrew it.
            note(now + 2, ROUTE, "withdrawn: its follow-up had not gone out"),
            note(now + 3, ROUTE, "DING sent late"),
        ]
    );
}

/// `prune` forgets a week-old story and the ladders that ended then; an open ladder stays, and
/// so does one that ended recently.
pub async fn ended_ladders_are_pruned(o: Arc<dyn Outbox>) {
    const DAY: i64 = 86_400_000;
    start(&*o, "42", T0).await;
    start(&*o, "43", T0).await;
    o.act_on_issue("42", "resolved in Sentry", T0 + 1)
        .await
        .expect("act");
    o.prune(T0 + 3 * DAY, 7 * DAY).await.expect("prune");
    assert_eq!(notes(&*o, "42").await.len(), 1, "kept within the week");
    o.prune(T0 + 8 * DAY, 7 * DAY).await.expect("prune");
    assert!(notes(&*o, "42").await.is_empty());
    assert_eq!(by_route(&open(&*o).await), vec![(ROUTE, "43")]);
    // The ended ladder is gone: the issue's next event alert starts a new one.
    let event = escalating("42", "triggered", LadderStart::IfUnseen, &[ROUTE]);
    enqueue(&*o, event, T0 + 8 * DAY).await;
    assert_eq!(
        by_route(&open(&*o).await),
        vec![(ROUTE, "42"), (ROUTE, "43")]
    );
}

/// The last step (no next) ends the ladder: not open, never due again.
pub async fn last_step_ends_the_ladder(o: Arc<dyn Outbox>) {
    start(&*o, "42", T0).await;
    let l = lease(&*o, ROBOT, "a", T0 + AFTER).await;
    let row = only_ladder(&*o).await;
    let how = LadderMove::Took {
        note: "step 1: all",
        message: None,
        next_at: None,
    };
    move_ok(&*o, &l, &row, how, T0 + AFTER).await;
    assert!(open(&*o).await.is_empty());
    let far = T0 + 100 * DAY;
    assert!(due(&*o, far).await.is_empty());
    assert!(o.list_messages(None, 10).await.expect("list").is_empty());
    assert_eq!(
        notes(&*o, "42").await,
        vec![note(T0 + AFTER, ROUTE, "step 1: all")]
    );
}
