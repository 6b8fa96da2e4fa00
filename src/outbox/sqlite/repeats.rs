//! The repeat rows of one delivery, read and written inside the enqueue's transaction; the
//! writer is the only one, so two webhooks for one issue cannot both pass. What the rows mean
//! is `repeat_decision.rs`'s.

use crate::outbox::repeat_decision::{self, Decision, RepeatState, watched_issue};
use crate::outbox::types::Delivery;
use rusqlite::{Connection, OptionalExtension, params};

/// Reads `item`'s repeat rows, decides, and writes the decision back: a silent delivery counts
/// one more repeat on each row, a notification starts each row's interval again at `now`.
pub(super) fn decide(tx: &Connection, item: &Delivery, now: i64) -> rusqlite::Result<Decision> {
    let Some(issue) = watched_issue(item) else {
        return Ok(Decision::Notify { folded: 0 });
    };
    let mut states = Vec::with_capacity(item.repeat.len());
    for rule in &item.repeat {
        let state = tx
            .prepare_cached(
                "SELECT notified_at, suppressed FROM repeats WHERE route = ?1 AND robot = ?2 AND issue = ?3",
            )?
            .query_row(params![rule.route, item.robot, issue], |r| {
                Ok(RepeatState {
                    notified_at: r.get(0)?,
                    suppressed: r.get(1)?,
                })
            })
            .optional()?;
        states.push(state.unwrap_or_default());
    }
    let decision = repeat_decision::decide(item, now, states);
    if decision == Decision::Silent {
        for rule in &item.repeat {
            tx.prepare_cached(
                "UPDATE repeats SET suppressed = suppressed + 1 WHERE route = ?1 AND robot = ?2 AND issue = ?3",
            )?
            .execute(params![rule.route, item.robot, issue])?;
        }
        return Ok(decision);
    }
    for rule in &item.repeat {
        tx.prepare_cached(
            "INSERT INTO repeats (route, robot, issue, notified_at, suppressed) VALUES (?1, ?2, ?3, ?4, 0)
             ON CONFLICT (route, robot, issue) DO UPDATE SET notified_at = excluded.notified_at, suppressed = 0",
        )?
        .execute(params![rule.route, item.robot, issue, now])?;
    }
    Ok(decision)
}
