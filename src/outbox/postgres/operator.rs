//! Operator views and actions (`outbox list|retry|stats`, `/ui`), and pruning.

use super::super::columns::SELECT_MESSAGE;
use super::super::port::OperatorStore;
use super::super::types::{
    DEDUP_WINDOW_MS, MessageRow, MessageState, RetryOutcome, StateCount, StoreError,
};
use super::PgOutbox;
use super::connection::{Conn, Params};
use super::error::db;
use super::sender::message_row;
use async_trait::async_trait;

#[async_trait]
impl OperatorStore for PgOutbox {
    async fn list_messages(
        &self,
        state: Option<MessageState>,
        limit: usize,
    ) -> Result<Vec<MessageRow>, StoreError> {
        let sql = format!(
            "{SELECT_MESSAGE} WHERE ($1::text IS NULL OR state = $1) ORDER BY id DESC LIMIT $2"
        );
        let state = state.map(MessageState::as_str);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let params: Params = &[&state, &limit];
        self.db().await?.query_as(&sql, params, message_row).await
    }

    async fn stats(&self) -> Result<Vec<StateCount>, StoreError> {
        let sql = "SELECT state, robot, COUNT(*) FROM messages GROUP BY state, robot
                   UNION ALL
                   SELECT CASE WHEN held_by IS NULL THEN 'waiting' ELSE 'held' END, robot,
                          COUNT(*)
                   FROM alerts WHERE message_id IS NULL GROUP BY 1, robot
                   ORDER BY 1, 2";
        let rows = self.db().await?.query(sql, &[]).await?;
        rows.iter()
            .map(|r| {
                Ok(StateCount {
                    state: r.try_get(0)?,
                    robot: r.try_get(1)?,
                    count: r.try_get(2)?,
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(db)
    }

    /// A dead message gives its alerts back to the queue (rendered again with the current
    /// templates) and goes; a pending one is made due at `now`; anything else is refused.
    async fn retry_message(&self, id: i64, now: i64) -> Result<RetryOutcome, StoreError> {
        let mut conn = self.db().await?;
        let tx = conn.transaction().await?;
        let lock = "SELECT state FROM messages WHERE id = $1 FOR UPDATE";
        let state: Option<String> = match tx.query_opt(lock, &[&id]).await? {
            Some(row) => row.try_get(0).map_err(db)?,
            None => None,
        };
        match state.as_deref().and_then(MessageState::parse) {
            Some(MessageState::Dead) => {
                let give_back =
                    "UPDATE alerts SET message_id = NULL, held_by = NULL WHERE message_id = $1";
                tx.execute(give_back, &[&id]).await?;
                tx.execute("DELETE FROM messages WHERE id = $1", &[&id])
                    .await?;
            }
            Some(MessageState::Pending) => {
                let due = "UPDATE messages SET next_attempt_at = $2 WHERE id = $1";
                tx.execute(due, &[&id, &now]).await?;
            }
            Some(MessageState::Sent) => return Ok(RetryOutcome::AlreadySent),
            None => return Ok(RetryOutcome::NoSuchMessage),
        }
        tx.commit().await?;
        Ok(RetryOutcome::Queued)
    }

    async fn retry_dead(&self, now: i64) -> Result<usize, StoreError> {
        let sql = "SELECT id FROM messages WHERE state = 'dead' ORDER BY id";
        let rows = self.db().await?.query(sql, &[]).await?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()
            .map_err(db)?;
        let mut retried = 0;
        for id in ids {
            // One by one, each bounded on its own: each re-checks its state under a row lock,
            // as `outbox retry ID` does.
            retried += usize::from(self.retry_message(id, now).await? == RetryOutcome::Queued);
        }
        Ok(retried)
    }

    async fn prune(&self, now: i64, keep_ms: i64) -> Result<(), StoreError> {
        // Large deletes may take longer than one webhook's bound; the connection's TCP
        // timeouts still end it if the database goes away.
        let conn = Conn::unbounded(&self.pool).await?;
        let old = now - keep_ms;
        // Separate statements, each its own short transaction: pruning never holds locks
        // that a webhook or a sender would wait on for long. Webhook records go last, once
        // no alert row links to them any more (waiting, pending and dead alerts keep theirs).
        let statements = [
            (
                "DELETE FROM dedup WHERE seen_at < $1",
                now - DEDUP_WINDOW_MS,
            ),
            (
                "DELETE FROM alerts WHERE message_id IN
                 (SELECT id FROM messages WHERE state = 'sent' AND sent_at < $1)",
                old,
            ),
            (
                "DELETE FROM messages WHERE state = 'sent' AND sent_at < $1",
                old,
            ),
            ("DELETE FROM repeats WHERE notified_at < $1", old),
            ("DELETE FROM used_actions WHERE used_at < $1", old),
            ("DELETE FROM scheduled_runs WHERE claimed_at < $1", old),
            ("DELETE FROM cards WHERE last_seen < $1", old),
            ("DELETE FROM card_clicks WHERE clicked_at < $1", old),
            ("DELETE FROM callback_signatures WHERE used_at < $1", old),
            ("DELETE FROM silences WHERE ends_at < $1", old),
            ("DELETE FROM oncall_overrides WHERE ends_at < $1", old),
            (
                "DELETE FROM webhooks w WHERE w.received_at < $1
                 AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.webhook_id = w.id)",
                old,
            ),
        ];
        for (sql, cutoff) in statements {
            conn.execute(sql, &[&cutoff]).await?;
        }
        for sql in super::super::escalation_sql::PRUNE {
            conn.execute(sql, &[&old]).await?;
        }
        Ok(())
    }
}
