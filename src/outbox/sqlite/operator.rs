//! Operator views and actions (`outbox list|retry|stats`, `/ui`), and housekeeping.

use super::sender::message_row;
use super::{SqliteOutbox, sql_error};
use crate::outbox::columns::SELECT_MESSAGE;
use crate::outbox::port::OperatorStore;
use crate::outbox::types::{
    DEDUP_WINDOW_MS, MessageRow, MessageState, RetryOutcome, StateCount, StoreError,
};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

fn list_messages(
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

fn stats(c: &Connection) -> rusqlite::Result<Vec<StateCount>> {
    let mut stmt = c.prepare_cached(
        "SELECT state, robot, COUNT(*) FROM messages GROUP BY state, robot
         UNION ALL
         SELECT CASE WHEN held_by IS NULL THEN 'waiting' ELSE 'held' END, robot, COUNT(*)
         FROM alerts WHERE message_id IS NULL GROUP BY 1, robot
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

fn retry_message(c: &mut Connection, id: i64, now: i64) -> rusqlite::Result<RetryOutcome> {
    let tx = c.transaction()?;
    let state: Option<String> = tx
        .query_row("SELECT state FROM messages WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    let done = match state.as_deref() {
        Some("dead") => {
            // The alerts go back to the queue and are rendered again with today's templates;
            // a summary's alerts without their hold, whose summary was this message (the
            // storm or silence may be over: nothing else would take them).
            tx.execute(
                "UPDATE alerts SET message_id = NULL, held_by = NULL WHERE message_id = ?1",
                [id],
            )?;
            tx.execute("DELETE FROM messages WHERE id = ?1", [id])?;
            RetryOutcome::Queued
        }
        Some("pending") => {
            tx.execute(
                "UPDATE messages SET next_attempt_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            RetryOutcome::Queued
        }
        Some(_) => RetryOutcome::AlreadySent,
        None => RetryOutcome::NoSuchMessage,
    };
    tx.commit()?;
    Ok(done)
}

fn dead_ids(c: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = c.prepare("SELECT id FROM messages WHERE state = 'dead'")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Forgets dedup keys past their window, and delivered messages, repeat state, used action
/// links, webhook records no alert links to any more, cards, clicks and callback signatures
/// older than `keep_ms` (repeat intervals are minutes to hours and action links live a day: a
/// week-old row of either no longer matters). Batched, so a large prune never holds the write
/// lock long enough to delay a webhook.
fn prune(c: &Connection, now: i64, keep_ms: i64) -> rusqlite::Result<()> {
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
        // The alerts of sent messages went above; waiting, pending and dead ones keep their record.
        (
            "DELETE FROM webhooks WHERE id IN (SELECT w.id FROM webhooks w WHERE w.received_at < ?1
             AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.webhook_id = w.id) LIMIT 5000)",
            old,
        ),
        ("DELETE FROM cards WHERE rowid IN (SELECT rowid FROM cards WHERE last_seen < ?1 LIMIT 5000)", old),
        ("DELETE FROM card_clicks WHERE rowid IN (SELECT rowid FROM card_clicks WHERE clicked_at < ?1 LIMIT 5000)", old),
        ("DELETE FROM callback_signatures WHERE rowid IN (SELECT rowid FROM callback_signatures WHERE used_at < ?1 LIMIT 5000)", old),
        ("DELETE FROM silences WHERE ends_at < ?1", old),
        ("DELETE FROM oncall_overrides WHERE ends_at < ?1", old),
    ];
    for (sql, cutoff) in statements {
        while c.execute(sql, [cutoff])? > 0 {}
    }
    for sql in crate::outbox::escalation_sql::PRUNE {
        c.execute(sql, [old])?;
    }
    Ok(())
}

#[async_trait]
impl OperatorStore for SqliteOutbox {
    async fn list_messages(
        &self,
        state: Option<MessageState>,
        limit: usize,
    ) -> Result<Vec<MessageRow>, StoreError> {
        self.read_sql(move |c| list_messages(c, state, limit)).await
    }

    async fn stats(&self) -> Result<Vec<StateCount>, StoreError> {
        self.read_sql(|c| stats(c)).await
    }

    async fn retry_message(&self, id: i64, now: i64) -> Result<RetryOutcome, StoreError> {
        self.write_sql(move |c| retry_message(c, id, now)).await
    }

    async fn retry_dead(&self, now: i64) -> Result<usize, StoreError> {
        self.write(move |c| {
            let ids = dead_ids(c).map_err(sql_error)?;
            for id in &ids {
                retry_message(c, *id, now).map_err(sql_error)?;
            }
            Ok(ids.len())
        })
        .await
    }

    async fn prune(&self, now: i64, keep_ms: i64) -> Result<(), StoreError> {
        self.write_sql(move |c| prune(c, now, keep_ms)).await
    }
}
