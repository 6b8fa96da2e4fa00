//! Noise control per issue, decided inside the enqueue's transaction (the writer is the only
//! one, so two webhooks for one issue cannot both pass).

use crate::outbox::types::Delivery;
use rusqlite::{Connection, OptionalExtension, params};

pub(super) enum Decision {
    /// Send, saying how many repeats were kept silent since the last notification.
    Notify {
        folded: u64,
    },
    Silent,
}

/// Noise control per issue: a route notifies a robot about the same issue at most once per
/// `repeat_interval`; state changes and comments always pass and start the interval again.
/// Decided inside the enqueue transaction, so two webhooks for one issue cannot both pass.
/// A robot stays silent only when every route that sent the alert there says so.
pub(super) fn decide(tx: &Connection, item: &Delivery, now: i64) -> rusqlite::Result<Decision> {
    let alert = &item.queued.alert;
    let Some(issue) = alert
        .issue_id
        .as_deref()
        .filter(|_| !item.repeat.is_empty())
    else {
        return Ok(Decision::Notify { folded: 0 });
    };
    let mut silent_everywhere = alert.is_repeatable();
    let mut folded = 0;
    for rule in &item.repeat {
        let row: Option<(i64, i64)> = tx
            .prepare_cached(
                "SELECT notified_at, suppressed FROM repeats WHERE route = ?1 AND robot = ?2 AND issue = ?3",
            )?
            .query_row(params![rule.route, item.robot, issue], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let inside = row.is_some_and(|(at, _)| now - at < rule.interval.as_millis() as i64);
        silent_everywhere &= inside;
        folded = folded.max(row.map_or(0, |(_, n)| n as u64));
    }
    if silent_everywhere {
        for rule in &item.repeat {
            tx.prepare_cached(
                "UPDATE repeats SET suppressed = suppressed + 1 WHERE route = ?1 AND robot = ?2 AND issue = ?3",
            )?
            .execute(params![rule.route, item.robot, issue])?;
        }
        return Ok(Decision::Silent);
    }
    for rule in &item.repeat {
        tx.prepare_cached(
            "INSERT INTO repeats (route, robot, issue, notified_at, suppressed) VALUES (?1, ?2, ?3, ?4, 0)
             ON CONFLICT (route, robot, issue) DO UPDATE SET notified_at = excluded.notified_at, suppressed = 0",
        )?
        .execute(params![rule.route, item.robot, issue, now])?;
    }
    Ok(Decision::Notify { folded })
}
