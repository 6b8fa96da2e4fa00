//! Operator views and actions (`outbox list|retry|stats`, `/ui`), and housekeeping.

use super::sender::{SELECT_MESSAGE, message_row};
use crate::outbox::types::{DEDUP_WINDOW_MS, MessageRow, MessageState, StateCount};
use rusqlite::{Connection, OptionalExtension, params};

pub fn list_messages(
    c: &Connection,
    state: Option<MessageState>,
    limit: usize,
) -> rusqlite::Result<Vec<MessageRow>> {
    let sql =
        format!("{SELECT_MESSAGE} WHERE (?1 IS NULL OR state = ?1) ORDER BY id DESC LIMIT ?2");
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![state.map(|s| s.as_str()), limit as i64],
        message_row,
    )?;
    rows.collect()
}

pub fn stats(c: &Connection) -> rusqlite::Result<Vec<StateCount>> {
    let mut stmt = c.prepare_cached(
        "SELECT state, robot, COUNT(*) FROM messages GROUP BY state, robot
         UNION ALL
         SELECT 'waiting', robot, COUNT(*) FROM alerts WHERE message_id IS NULL GROUP BY robot
         ORDER BY 1, 2",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(StateCount {
            state: r.get(0)?,
            robot: r.get(1)?,
            count: r.get(2)?,
        })
    })?;
    rows.collect()
}

pub fn retry_message(c: &mut Connection, id: i64, now: i64) -> rusqlite::Result<bool> {
    let tx = c.transaction()?;
    let state: Option<String> = tx
        .query_row("SELECT state FROM messages WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    let done = match state.as_deref() {
        Some("dead") => {
            // The alerts go back to the queue and are rendered again with today's templates.
            tx.execute(
                "UPDATE alerts SET message_id = NULL WHERE message_id = ?1",
                [id],
            )?;
            tx.execute("DELETE FROM messages WHERE id = ?1", [id])?;
            true
        }
        Some("pending") => {
            tx.execute(
                "UPDATE messages SET next_attempt_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            true
        }
        _ => false,
    };
    tx.commit()?;
    Ok(done)
}

pub fn dead_ids(c: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = c.prepare("SELECT id FROM messages WHERE state = 'dead'")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Forgets dedup keys past their window, and delivered messages, repeat state and used action
/// links older than `keep_ms` (repeat intervals are minutes to hours and action links live a
/// day: a week-old row of either no longer matters). Batched, so a large prune never holds the
/// write lock long enough to delay a webhook.
pub fn prune(c: &Connection, now: i64, keep_ms: i64) -> rusqlite::Result<()> {
    let old = now - keep_ms;
    let statements = [
        ("DELETE FROM dedup WHERE rowid IN (SELECT rowid FROM dedup WHERE seen_at < ?1 LIMIT 5000)", now - DEDUP_WINDOW_MS),
        (
            "DELETE FROM alerts WHERE id IN (SELECT a.id FROM alerts a JOIN messages m ON a.message_id = m.id
             WHERE m.state = 'sent' AND m.sent_at < ?1 LIMIT 5000)",
            old,
        ),
        (
            "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE state = 'sent' AND sent_at < ?1
             AND NOT EXISTS (SELECT 1 FROM alerts WHERE message_id = messages.id) LIMIT 5000)",
            old,
        ),
        ("DELETE FROM repeats WHERE rowid IN (SELECT rowid FROM repeats WHERE notified_at < ?1 LIMIT 5000)", old),
        ("DELETE FROM used_actions WHERE rowid IN (SELECT rowid FROM used_actions WHERE used_at < ?1 LIMIT 5000)", old),
    ];
    for (sql, cutoff) in statements {
        while c.execute(sql, [cutoff])? > 0 {}
    }
    Ok(())
}
