//! Escalation ladders: started by the enqueue that stores their alert, due at their time, a
//! step taken once under the runner's lease with its message and note, or not at all.

use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{
    Delivery, DueLadders, Enqueue, LadderMove, LadderNote, LadderRow, LadderStep, Lease,
    MessageState, NewMessage, QueuedAlert, QueuedMessage, StoreError,
};
use sentry_dingtalk::{AlertKind, LadderRule, LadderStart, Level};
use std::sync::Arc;
use std::time::Duration;

pub const ROUTE: &str = "payments";
/// The robot a step's follow-up goes to (another group than the runner's).
pub const PAGER: &str = "pager";
/// The wait before each step.
pub const AFTER: i64 = 10 * MINUTE;

/// A new issue (`created`) of `issue`, short id `PAY-<issue>`, for `ROBOT`, escalating on
/// `routes` with `start`.
pub fn escalating(issue: &str, action: &str, start: LadderStart, routes: &[&str]) -> Delivery {
    let mut a = alert(AlertKind::Issue, action, Some(issue), Level::Error);
    a.short_id = Some(format!("PAY-{issue}"));
    let mut d = delivery(ROBOT, a, &[]);
    d.escalate = routes
        .iter()
        .map(|route| LadderRule {
            route: (*route).to_owned(),
            after_ms: AFTER,
            start,
        })
        .collect();
    d
}

pub async fn enqueue(o: &dyn Outbox, item: Delivery, now: i64) {
    let result = o
        .enqueue(Enqueue {
            identity: vec![],
            about: None,
            items: vec![item],
            record: None,
            now,
        })
        .await
        .expect("enqueue");
    assert_eq!(result, queued(&[ROBOT]));
}

/// Starts a ladder of `issue` on `ROUTE` at `now` (a new issue: `LadderStart::Again`).
pub async fn start(o: &dyn Outbox, issue: &str, now: i64) {
    let item = escalating(issue, "created", LadderStart::Again, &[ROUTE]);
    enqueue(o, item, now).await;
}

pub async fn open(o: &dyn Outbox) -> Vec<LadderRow> {
    o.open_ladders().await.expect("open ladders")
}

/// `ROBOT`'s ladders due at `now`, ten at most.
pub async fn due(o: &dyn Outbox, now: i64) -> Vec<LadderRow> {
    let ask = DueLadders {
        robot: ROBOT,
        now,
        limit: 10,
    };
    o.due_ladders(ask).await.expect("due")
}

/// The one open ladder.
pub async fn only_ladder(o: &dyn Outbox) -> LadderRow {
    let mut all = open(o).await;
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

pub async fn notes(o: &dyn Outbox, issue: &str) -> Vec<LadderNote> {
    o.ladder_notes(issue).await.expect("notes")
}

pub fn note(at: i64, route: &str, text: &str) -> LadderNote {
    LadderNote {
        at,
        route: route.to_owned(),
        note: text.to_owned(),
    }
}

/// A step that posts `uuid` to `PAGER` and is next due at `next_at`.
pub fn took<'a>(note: &'a str, uuid: &'a str, now: i64, next_at: Option<i64>) -> LadderMove<'a> {
    LadderMove::Took {
        note,
        message: Some(QueuedMessage {
            robot: PAGER,
            message: NewMessage {
                body: "{\"msgtype\":\"markdown\"}",
                msg_uuid: uuid,
                now,
            },
        }),
        next_at,
    }
}

pub async fn move_ok(o: &dyn Outbox, l: &Lease, row: &LadderRow, how: LadderMove<'_>, now: i64) {
    assert!(
        o.move_ladder(LadderStep {
            lease: l,
            ladder: row,
            how,
            now
        })
        .await
        .expect("move"),
        "{how:?} of {row:?}"
    );
}

/// The enqueue starts a ladder per escalating route of an alert with an issue, and nothing
/// else; it is due to its robot only from `next_at`, earliest first, at most `limit`.
pub async fn ladder_starts_with_the_enqueue(o: Arc<dyn Outbox>) {
    enqueue(&*o, event(ROBOT, "9", Level::Error), T0).await;
    let mut no_issue = escalating("x", "created", LadderStart::Again, &[ROUTE]);
    no_issue.queued.alert.issue_id = None;
    enqueue(&*o, no_issue, T0).await;
    assert!(open(&*o).await.is_empty(), "nothing to escalate yet");

    let item = escalating("42", "created", LadderStart::Again, &[ROUTE]);
    let stored = item.queued.alert.clone();
    enqueue(&*o, item, T0).await;
    let row = only_ladder(&*o).await;
    let expected = (ROUTE, "42", Some("PAY-42"), ROBOT, T0, T0 + AFTER, 0);
    let got = (
        row.route.as_str(),
        row.issue.as_str(),
        row.short_id.as_deref(),
        row.robot.as_str(),
        row.started_at,
        row.next_at,
        row.step,
    );
    assert_eq!(got, expected);
    let kept: QueuedAlert = serde_json::from_str(&row.alert).expect("QueuedAlert JSON");
    assert_eq!(kept.alert, stored);

    let due = |robot: &'static str, now: i64, limit: usize| {
        let o = o.clone();
        async move {
            o.due_ladders(DueLadders { robot, now, limit })
                .await
                .expect("due")
        }
    };
    assert!(due(ROBOT, T0 + AFTER - 1, 10).await.is_empty());
    assert_eq!(due(ROBOT, T0 + AFTER, 10).await, vec![row.clone()]);
    assert!(due(PAGER, T0 + AFTER, 10).await.is_empty(), "another robot");

    start(&*o, "43", T0 + 1).await;
    let later = open(&*o).await;
    assert_eq!(later.len(), 2);
    assert_eq!((later[0].id, later[1].issue.as_str()), (row.id, "43"));
    assert_eq!(due(ROBOT, T0 + AFTER + 1, 1).await, vec![row]);
    assert_eq!(due(ROBOT, T0 + AFTER + 1, 10).await, later);
}

/// A step moves the ladder, queues its message and writes its note at once; the same read
/// moved again does nothing at all.
pub async fn ladder_step_taken_once(o: Arc<dyn Outbox>) {
    start(&*o, "42", T0).await;
    let l = lease(&*o, ROBOT, "a", T0 + AFTER).await;
    let now = T0 + AFTER;
    let row = due(&*o, now).await.remove(0);
    let mut wakeups = o.wakeups();
    let step = "step 1: oncall:backend → lisi";
    move_ok(
        &*o,
        &l,
        &row,
        took(step, "esc-1", now, Some(now + AFTER)),
        now,
    )
    .await;

    let moved = only_ladder(&*o).await;
    assert_eq!((moved.step, moved.next_at), (1, now + AFTER));
    assert_eq!((moved.id, moved.started_at), (row.id, row.started_at));
    assert!(due(&*o, now).await.is_empty());
    let m = only_message(&*o).await;
    let got = (
        m.robot.as_str(),
        m.msg_uuid.as_str(),
        m.state,
        m.alert_count,
    );
    assert_eq!(got, (PAGER, "esc-1", MessageState::Pending, 0));
    assert_eq!((m.next_attempt_at, m.created_at), (now, now));
    let written = vec![note(now, ROUTE, step)];
    assert_eq!(notes(&*o, "42").await, written);
    assert_eq!(notes(&*o, "pay-42").await, written, "by short id, any case");
    assert_eq!(notes(&*o, "PAY-42").await, written);
    assert!(notes(&*o, "43").await.is_empty());
    let heard = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match wakeups.recv().await {
                Ok(robot) if robot == PAGER => return true,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return false,
            }
        }
    });
    assert_eq!(heard.await, Ok(true), "the step wakes {PAGER}'s sender");

    // A second sender turn with the same read (step 0): refused, nothing written.
    let again = took(step, "esc-1-again", now + 1, Some(now + 2 * AFTER));
    assert!(
        !o.move_ladder(LadderStep {
            lease: &l,
            ladder: &row,
            how: again,
            now: now + 1
        })
        .await
        .expect("move")
    );
    let end = LadderMove::End {
        note: "ended: no step left",
        acted: false,
    };
    assert!(
        !o.move_ladder(LadderStep {
            lease: &l,
            ladder: &row,
            how: end,
            now: now + 1
        })
        .await
        .expect("move")
    );
    assert_eq!(only_ladder(&*o).await, moved);
    assert_eq!(only_message(&*o).await.msg_uuid, "esc-1");
    assert_eq!(notes(&*o, "42").await, written);
}

/// A runner whose lease was taken over, or whose fence moved on, moves nothing.
pub async fn ladder_move_needs_the_current_lease(o: Arc<dyn Outbox>) {
    start(&*o, "42", T0).await;
    let old = lease(&*o, ROBOT, "a", T0).await;
    let new = lease(&*o, ROBOT, "b", T0 + 2 * MINUTE).await;
    assert!(new.fence > old.fence);
    let now = T0 + AFTER;
    let row = only_ladder(&*o).await;
    let lost = |r: Result<bool, StoreError>, what: &str| match r {
        Err(StoreError::LeaseLost { robot }) => assert_eq!(robot, ROBOT),
        other => panic!("{what}: {other:?}"),
    };
    let step = took("step 1", "esc-1", now, Some(now + AFTER));
    lost(
        o.move_ladder(LadderStep {
            lease: &old,
            ladder: &row,
            how: step,
            now,
        })
        .await,
        "taken over",
    );
    assert_eq!(only_ladder(&*o).await, row);
    assert!(o.list_messages(None, 10).await.expect("list").is_empty());
    assert!(notes(&*o, "42").await.is_empty());

    move_ok(&*o, &new, &row, step, now).await;
    let moved = only_ladder(&*o).await;
    // Released and taken at once by another replica: no expiry between, only a new fence.
    o.release_lease(&new).await.expect("release");
    let newer = lease(&*o, ROBOT, "c", now + 1).await;
    assert!(newer.fence > new.fence, "{newer:?} after {new:?}");
    let next = took("step 2", "esc-2", now + 1, Some(now + 2 * AFTER));
    lost(
        o.move_ladder(LadderStep {
            lease: &new,
            ladder: &moved,
            how: next,
            now: now + 1,
        })
        .await,
        "old fence",
    );
    assert_eq!(only_ladder(&*o).await, moved);
    assert_eq!(only_message(&*o).await.msg_uuid, "esc-1");
    assert_eq!(notes(&*o, "42").await.len(), 1);
}
