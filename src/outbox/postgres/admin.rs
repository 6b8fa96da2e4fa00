//! Operator views and actions (`outbox list|retry|stats`), pruning, and the small state the
//! replicas share: used action links, the action-link key, scheduled-run marks, installations.

use super::super::types::{DEDUP_WINDOW_MS, MessageRow, MessageState, StateCount, StoreError};
use super::sender::{SELECT_MESSAGE, message_row};
use super::{PgOutbox, db};

const ACTION_KEY: &str = "action_key";

impl PgOutbox {
    pub(super) async fn messages(
        &self,
        state: Option<MessageState>,
        limit: usize,
    ) -> Result<Vec<MessageRow>, StoreError> {
        let client = self.client().await?;
        let sql = format!(
            "{SELECT_MESSAGE} WHERE ($1::text IS NULL OR state = $1) ORDER BY id DESC LIMIT $2"
        );
        let stmt = client.prepare_cached(&sql).await.map_err(db)?;
        let state = state.map(MessageState::as_str);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client.query(&stmt, &[&state, &limit]).await.map_err(db)?;
        rows.iter().map(message_row).collect()
    }

    pub(super) async fn counts(&self) -> Result<Vec<StateCount>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT state, robot, COUNT(*) FROM messages GROUP BY state, robot
                 UNION ALL
                 SELECT 'waiting', robot, COUNT(*) FROM alerts WHERE message_id IS NULL GROUP BY robot
                 ORDER BY 1, 2",
            )
            .await
            .map_err(db)?;
        let rows = client.query(&stmt, &[]).await.map_err(db)?;
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
    pub(super) async fn retry(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let state: Option<String> = tx
            .query_opt(
                "SELECT state FROM messages WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await
            .map_err(db)?
            .map(|row| row.try_get(0))
            .transpose()
            .map_err(db)?;
        match state.as_deref().and_then(MessageState::parse) {
            Some(MessageState::Dead) => {
                tx.execute(
                    "UPDATE alerts SET message_id = NULL WHERE message_id = $1",
                    &[&id],
                )
                .await
                .map_err(db)?;
                tx.execute("DELETE FROM messages WHERE id = $1", &[&id])
                    .await
                    .map_err(db)?;
            }
            Some(MessageState::Pending) => {
                tx.execute(
                    "UPDATE messages SET next_attempt_at = $2 WHERE id = $1",
                    &[&id, &now],
                )
                .await
                .map_err(db)?;
            }
            Some(MessageState::Sent) | None => return Ok(false),
        }
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    pub(super) async fn retry_all_dead(&self, now: i64) -> Result<usize, StoreError> {
        let ids: Vec<i64> = {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT id FROM messages WHERE state = 'dead' ORDER BY id",
                    &[],
                )
                .await
                .map_err(db)?;
            rows.iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()
                .map_err(db)?
        };
        let mut retried = 0;
        for id in ids {
            // One by one: each re-checks its state under a row lock, as `outbox retry ID` does.
            retried += usize::from(self.retry(id, now).await?);
        }
        Ok(retried)
    }

    pub(super) async fn prune_old(&self, now: i64, keep_ms: i64) -> Result<(), StoreError> {
        let client = self.client().await?;
        // Separate statements, each its own short transaction: pruning never holds locks
        // that a webhook or a sender would wait on for long.
        let statements = [
            (
                "DELETE FROM dedup WHERE seen_at < $1",
                now - DEDUP_WINDOW_MS,
            ),
            (
                "DELETE FROM alerts WHERE message_id IN
                 (SELECT id FROM messages WHERE state = 'sent' AND sent_at < $1)",
                now - keep_ms,
            ),
            (
                "DELETE FROM messages WHERE state = 'sent' AND sent_at < $1",
                now - keep_ms,
            ),
            ("DELETE FROM repeats WHERE notified_at < $1", now - keep_ms),
            ("DELETE FROM used_actions WHERE used_at < $1", now - keep_ms),
            (
                "DELETE FROM scheduled_runs WHERE claimed_at < $1",
                now - keep_ms,
            ),
            ("DELETE FROM cards WHERE last_seen < $1", now - keep_ms),
            (
                "DELETE FROM card_clicks WHERE clicked_at < $1",
                now - keep_ms,
            ),
            (
                "DELETE FROM callback_signatures WHERE used_at < $1",
                now - keep_ms,
            ),
        ];
        for (sql, cutoff) in statements {
            client.execute(sql, &[&cutoff]).await.map_err(db)?;
        }
        Ok(())
    }

    /// One statement on at most one row; true when it changed one (false after `ON CONFLICT
    /// DO NOTHING` found the row there already).
    pub(super) async fn write_row(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(db)?;
        Ok(client.execute(&stmt, params).await.map_err(db)? == 1)
    }

    pub(super) async fn signing_key(&self) -> Result<Vec<u8>, StoreError> {
        self.action_key
            .get_or_try_init(|| async {
                let client = self.client().await?;
                // Whoever asks first stores a random key; everyone then reads the stored one
                // (a separate statement, so it sees a key another replica just committed). The
                // server draws the key (244 random bits from two v4 UUIDs, hashed to 32 bytes):
                // a key sent as a parameter would be in tokio-postgres's debug log.
                client
                    .execute(
                        "INSERT INTO settings_kv (key, value)
                         VALUES ($1, sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())))
                         ON CONFLICT (key) DO NOTHING",
                        &[&ACTION_KEY],
                    )
                    .await
                    .map_err(db)?;
                let row = client
                    .query_one(
                        "SELECT value FROM settings_kv WHERE key = $1",
                        &[&ACTION_KEY],
                    )
                    .await
                    .map_err(db)?;
                row.try_get::<_, Vec<u8>>(0).map_err(db)
            })
            .await
            .cloned()
    }

    pub(super) async fn org_of(&self, installation: &str) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT org FROM installation_orgs WHERE installation = $1")
            .await
            .map_err(db)?;
        match client
            .query_opt(&stmt, &[&installation])
            .await
            .map_err(db)?
        {
            Some(row) => row.try_get(0).map(Some).map_err(db),
            None => Ok(None),
        }
    }

    pub(super) async fn write_health(&self, now: i64) -> Result<(), StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "INSERT INTO health (id, checked_at) VALUES (1, $1)
                 ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
            )
            .await
            .map_err(db)?;
        client.execute(&stmt, &[&now]).await.map_err(db)?;
        Ok(())
    }
}
