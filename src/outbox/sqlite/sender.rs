//! What a robot's sender reads and writes. Every write checks the sender's lease fence in the
//! same transaction (`lease.rs`), so a sender that lost its robot cannot change what the new
//! one owns.

use super::{SqliteOutbox, sql_error};
use crate::outbox::columns::{SELECT_MESSAGE, message_of};
use crate::outbox::escalation_sql::{NOTE_WITHDRAWN, SEND_FAILED, WITHDRAW_FAILED};
use crate::outbox::port::SenderStore;
use crate::outbox::robot_reads::{ATTEMPTS_SINCE, RobotNumber};
use crate::outbox::types::{
    ATTEMPT_LOG_KEEP_MS, Lease, MessageAsk, MessageRow, MessageState, NewMessage, Retry, SetAside,
    StoreError, UnreadableAlert, WaitingAlert, WaitingAlerts,
};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// A row of `SELECT_MESSAGE`.
pub(super) fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageRow> {
    // The CHECK constraint keeps other values out; read one as dead rather than fail.
    message_of(r, |_, _| Ok(MessageState::Dead))
}

/// Inserts a pending message and assigns the alerts to it; returns its id.
pub(super) fn insert_message(
    tx: &Transaction<'_>,
    robot: &str,
    alert_ids: &[i64],
    message: NewMessage<'_>,
) -> rusqlite::Result<i64> {
    let NewMessage {
        body,
        msg_uuid,
        now,
    } = message;
    tx.prepare_cached(
        "INSERT INTO messages (robot, msg_uuid, body, alert_count, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![robot, msg_uuid, body, alert_ids.len() as i64, now])?;
    let id = tx.last_insert_rowid();
    let mut assign = tx
        .prepare_cached("UPDATE alerts SET message_id = ?1 WHERE id = ?2 AND message_id IS NULL")?;
    for alert_id in alert_ids {
        assign.execute(params![id, alert_id])?;
    }
    Ok(id)
}

impl SqliteOutbox {
    /// One fenced statement, `values` its parameters.
    async fn fenced_update<P>(
        &self,
        lease: &Lease,
        sql: &'static str,
        values: P,
    ) -> Result<(), StoreError>
    where
        P: rusqlite::Params + Send + 'static,
    {
        self.fenced(lease, move |tx, _| tx.execute(sql, values))
            .await
            .map(|_| ())
    }
}

/// Alert rows (`id, payload, received_at`) that `sql` selects with `values`; rows that cannot
/// be read come back apart, with the reason.
pub(super) fn alert_rows<P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    values: P,
) -> rusqlite::Result<WaitingAlerts> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(values, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1),
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = WaitingAlerts::default();
    for row in rows {
        let (id, payload, received_at) = row?;
        let parsed = payload
            .map_err(|e| e.to_string())
            .and_then(|p| serde_json::from_str(&p).map_err(|e| e.to_string()));
        match parsed {
            Ok(queued) => out.alerts.push(WaitingAlert {
                id,
                received_at,
                queued,
            }),
            Err(reason) => out.unreadable.push(UnreadableAlert { id, reason }),
        }
    }
    Ok(out)
}

fn waiting(conn: &Connection, robot: &str, limit: usize) -> rusqlite::Result<WaitingAlerts> {
    let sql = "SELECT id, payload, received_at FROM alerts
               WHERE robot = ?1 AND message_id IS NULL AND held_by IS NULL
               ORDER BY level DESC, id ASC LIMIT ?2";
    alert_rows(conn, sql, params![robot, limit as i64])
}

#[async_trait]
impl SenderStore for SqliteOutbox {
    async fn waiting_alerts(&self, robot: &str, limit: usize) -> Result<WaitingAlerts, StoreError> {
        let robot = robot.to_owned();
        self.read_sql(move |c| waiting(c, &robot, limit)).await
    }

    async fn oldest_waiting(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let robot = robot.to_owned();
        let sql = "SELECT received_at FROM alerts
                   WHERE robot = ?1 AND message_id IS NULL AND held_by IS NULL
                   ORDER BY id LIMIT 1";
        self.read_sql(move |c| {
            c.prepare_cached(sql)?
                .query_row([robot], |r| r.get(0))
                .optional()
        })
        .await
    }

    async fn robot_number(&self, robot: &str, n: RobotNumber) -> Result<Option<i64>, StoreError> {
        self.robot_scalar(n.sql(), robot).await
    }

    async fn due_message(&self, robot: &str, now: i64) -> Result<Option<MessageRow>, StoreError> {
        let robot = robot.to_owned();
        let sql = format!(
            "{SELECT_MESSAGE} WHERE robot = ?1 AND state = 'pending' AND next_attempt_at <= ?2
             ORDER BY id LIMIT 1"
        );
        self.read_sql(move |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            stmt.query_row(params![robot, now], message_row).optional()
        })
        .await
    }

    async fn attempts_since(&self, robot: &str, since: i64) -> Result<Vec<i64>, StoreError> {
        let robot = robot.to_owned();
        self.read_sql(move |c| {
            let mut stmt = c.prepare_cached(ATTEMPTS_SINCE)?;
            let rows = stmt.query_map(params![robot, since], |r| r.get(0))?;
            rows.collect()
        })
        .await
    }

    async fn create_message(&self, ask: MessageAsk<'_>) -> Result<i64, StoreError> {
        let (lease, alert_ids, message) = (ask.lease, ask.alert_ids, ask.message);
        let ids = alert_ids.to_vec();
        let (body, uuid, now) = (
            message.body.to_owned(),
            message.msg_uuid.to_owned(),
            message.now,
        );
        self.fenced(lease, move |tx, lease| {
            let message = NewMessage {
                body: &body,
                msg_uuid: &uuid,
                now,
            };
            insert_message(tx, &lease.robot, &ids, message)
        })
        .await
    }

    async fn record_attempt(&self, lease: &Lease, id: i64, now: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE messages SET attempts = attempts + 1, last_attempt_at = ?2
                   WHERE id = ?1 AND state = 'pending'";
        let changed = self.fenced(lease, move |tx, _| tx.execute(sql, (id, now)));
        Ok(changed.await? == 1)
    }

    async fn count_attempt(&self, lease: &Lease, id: i64, at: i64) -> Result<(), StoreError> {
        self.fenced(lease, move |tx, lease| {
            tx.prepare_cached("DELETE FROM send_attempts WHERE robot = ?1 AND counted_at < ?2")?
                .execute(params![lease.robot, at - ATTEMPT_LOG_KEEP_MS])?;
            tx.prepare_cached(
                "INSERT INTO send_attempts (robot, message_id, counted_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![lease.robot, id, at])
        })
        .await
        .map(|_| ())
    }

    async fn record_attempt_end(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        self.fenced(lease, move |tx, lease| {
            tx.prepare_cached("UPDATE messages SET last_attempt_at = ?2 WHERE id = ?1")?
                .execute(params![id, now])?;
            tx.prepare_cached(
                "UPDATE send_attempts SET counted_at = ?3 WHERE id =
                     (SELECT MAX(id) FROM send_attempts WHERE robot = ?1 AND message_id = ?2)",
            )?
            .execute(params![lease.robot, id, now])
        })
        .await
        .map(|_| ())
    }

    async fn mark_sent(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        let sql =
            "UPDATE messages SET state = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1";
        self.fenced_update(lease, sql, (id, now)).await
    }

    async fn mark_retry(&self, lease: &Lease, retry: Retry<'_>) -> Result<bool, StoreError> {
        let (id, next, error) = (retry.id, retry.next_attempt_at, retry.error.to_owned());
        self.fenced(lease, move |tx, _| {
            let withdrawn: Option<(i64, i64)> = tx
                .query_row(WITHDRAW_FAILED, [id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((ladder, at)) = withdrawn {
                tx.execute(NOTE_WITHDRAWN, params![at, SEND_FAILED, ladder])?;
                return Ok(false);
            }
            let sql = "UPDATE messages SET next_attempt_at = ?2, last_error = ?3 WHERE id = ?1";
            tx.execute(sql, params![id, next, error])?;
            Ok(true)
        })
        .await
    }

    async fn mark_dead(&self, lease: &Lease, id: i64, error: &str) -> Result<(), StoreError> {
        let sql = "UPDATE messages SET state = 'dead', last_error = ?2 WHERE id = ?1";
        self.fenced_update(lease, sql, (id, error.to_owned())).await
    }

    async fn set_paused_until(&self, lease: &Lease, until: i64) -> Result<(), StoreError> {
        let sql = "INSERT INTO robot_state (robot, paused_until) VALUES (?1, ?2)
                   ON CONFLICT (robot) DO UPDATE SET paused_until = excluded.paused_until";
        self.fenced_update(lease, sql, (lease.robot.clone(), until))
            .await
    }

    async fn set_aside_alert(&self, ask: SetAside<'_>) -> Result<(), StoreError> {
        let (lease, alert, now) = (ask.lease, ask.alert, ask.now);
        let alert_id = alert.id;
        let reason = format!("unreadable alert row {alert_id}: {}", alert.reason);
        self.fenced(lease, move |tx, lease| {
            let empty = NewMessage {
                body: "",
                msg_uuid: "",
                now,
            };
            let id = insert_message(tx, &lease.robot, &[alert_id], empty)?;
            tx.execute(
                "UPDATE messages SET state = 'dead', last_error = ?2 WHERE id = ?1",
                params![id, reason],
            )
        })
        .await
        .map(|_| ())
    }

    async fn queue_message(&self, robot: &str, message: NewMessage<'_>) -> Result<i64, StoreError> {
        let (to, now) = (robot.to_owned(), message.now);
        let (body, uuid) = (message.body.to_owned(), message.msg_uuid.to_owned());
        let id = self
            .write(move |c| {
                let tx = c.transaction().map_err(sql_error)?;
                let message = NewMessage {
                    body: &body,
                    msg_uuid: &uuid,
                    now,
                };
                let id = insert_message(&tx, &to, &[], message).map_err(sql_error)?;
                tx.commit().map_err(sql_error)?;
                Ok(id)
            })
            .await?;
        self.wake(robot.to_owned());
        Ok(id)
    }
}
