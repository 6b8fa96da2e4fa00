//! The robot sender's reads, and its writes, each fenced by its lease (see `lease.rs`).

use super::super::columns::SELECT_MESSAGE;
use super::super::columns::message_of;
use super::super::escalation_sql::{NOTE_WITHDRAWN, SEND_FAILED, WITHDRAW_FAILED};
use super::super::port::SenderStore;
use super::super::robot_reads::{ATTEMPTS_SINCE, RobotNumber};
use super::super::types::{
    ATTEMPT_LOG_KEEP_MS, Lease, MessageAsk, MessageRow, NewMessage, Retry, SetAside, StoreError,
    UnreadableAlert, WaitingAlert, WaitingAlerts,
};
use super::PgOutbox;
use super::connection::{Params, Tx};
use super::error::db;
use super::lease::fenced;
use async_trait::async_trait;
use tokio_postgres::Row;

/// A row of `SELECT_MESSAGE`; a state no version wrote is reported, not guessed.
pub(super) fn message_row(row: &Row) -> Result<MessageRow, StoreError> {
    message_of(row, |id, state| {
        Err(StoreError::Corrupt {
            id,
            reason: format!("unknown message state {state:?}"),
        })
    })
}

/// Inserts a pending message of `robot` and assigns the alerts (of `robot`, still waiting)
/// to it; returns its id.
pub(super) async fn insert_message(
    tx: &Tx<'_>,
    robot: &str,
    alert_ids: &[i64],
    message: NewMessage<'_>,
) -> Result<i64, StoreError> {
    let NewMessage {
        body,
        msg_uuid,
        now,
    } = message;
    let count = i64::try_from(alert_ids.len()).unwrap_or(i64::MAX);
    let insert = "INSERT INTO messages (robot, msg_uuid, body, alert_count, next_attempt_at,
                                        created_at)
                  VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
    let params: Params = &[&robot, &msg_uuid, &body, &count, &now];
    let id: i64 = tx.query_one(insert, params).await?.try_get(0).map_err(db)?;
    if !alert_ids.is_empty() {
        let assign = "UPDATE alerts SET message_id = $1
                      WHERE id = ANY($2) AND robot = $3 AND message_id IS NULL";
        tx.execute(assign, &[&id, &alert_ids, &robot]).await?;
    }
    Ok(id)
}

/// Alert rows (`id, payload, received_at`); rows that cannot be read come back apart, with
/// the reason.
pub(super) fn alert_rows(rows: Vec<Row>) -> Result<WaitingAlerts, StoreError> {
    let mut out = WaitingAlerts::default();
    for row in rows {
        let id: i64 = row.try_get(0).map_err(db)?;
        let payload: String = row.try_get(1).map_err(db)?;
        match serde_json::from_str(&payload) {
            Ok(queued) => out.alerts.push(WaitingAlert {
                id,
                received_at: row.try_get(2).map_err(db)?,
                queued,
            }),
            Err(e) => out.unreadable.push(UnreadableAlert {
                id,
                reason: format!("stored alert is not readable: {e}"),
            }),
        }
    }
    Ok(out)
}

impl PgOutbox {
    /// One fenced statement on one of the lease's robot's rows: `$1` is the robot, the rest
    /// are `params`. The lease is checked in the same transaction.
    async fn fenced_write(
        &self,
        lease: &Lease,
        sql: &str,
        params: Params<'_>,
    ) -> Result<(), StoreError> {
        self.fenced_count(lease, sql, params).await.map(drop)
    }

    /// `fenced_write`, returning the rows the statement changed.
    async fn fenced_count(
        &self,
        lease: &Lease,
        sql: &str,
        params: Params<'_>,
    ) -> Result<u64, StoreError> {
        let mut conn = self.db().await?;
        let tx = fenced(&mut conn, lease).await?;
        let mut all: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![&lease.robot];
        all.extend_from_slice(params);
        let changed = tx.execute(sql, &all).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// One number about `robot`: `sql` takes the robot as `$1`.
    async fn robot_scalar(&self, sql: &str, robot: &str) -> Result<Option<i64>, StoreError> {
        self.db().await?.scalar(sql, &[&robot]).await
    }
}

#[async_trait]
impl SenderStore for PgOutbox {
    async fn waiting_alerts(&self, robot: &str, limit: usize) -> Result<WaitingAlerts, StoreError> {
        let sql = "SELECT id, payload, received_at FROM alerts
                   WHERE robot = $1 AND message_id IS NULL AND held_by IS NULL
                   ORDER BY level DESC, id ASC LIMIT $2";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.db().await?.query(sql, &[&robot, &limit]).await?;
        alert_rows(rows)
    }

    async fn oldest_waiting(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT MIN(received_at) FROM alerts
                   WHERE robot = $1 AND message_id IS NULL AND held_by IS NULL";
        self.robot_scalar(sql, robot).await
    }

    async fn robot_number(&self, robot: &str, n: RobotNumber) -> Result<Option<i64>, StoreError> {
        self.robot_scalar(n.sql(), robot).await
    }

    async fn due_message(&self, robot: &str, now: i64) -> Result<Option<MessageRow>, StoreError> {
        let sql = format!(
            "{SELECT_MESSAGE} WHERE robot = $1 AND state = 'pending' AND next_attempt_at <= $2
             ORDER BY id LIMIT 1"
        );
        let params: Params = &[&robot, &now];
        self.db()
            .await?
            .query_opt_as(&sql, params, message_row)
            .await
    }

    async fn attempts_since(&self, robot: &str, since: i64) -> Result<Vec<i64>, StoreError> {
        let rows = self
            .db()
            .await?
            .query(ATTEMPTS_SINCE, &[&robot, &since])
            .await?;
        rows.iter().map(|r| r.try_get(0).map_err(db)).collect()
    }

    async fn create_message(&self, ask: MessageAsk<'_>) -> Result<i64, StoreError> {
        let (lease, alert_ids, message) = (ask.lease, ask.alert_ids, ask.message);
        let mut conn = self.db().await?;
        let tx = fenced(&mut conn, lease).await?;
        let id = insert_message(&tx, &lease.robot, alert_ids, message).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn record_attempt(&self, lease: &Lease, id: i64, now: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE messages SET attempts = attempts + 1, last_attempt_at = $3
                   WHERE robot = $1 AND id = $2 AND state = 'pending'";
        Ok(self.fenced_count(lease, sql, &[&id, &now]).await? == 1)
    }

    async fn count_attempt(&self, lease: &Lease, id: i64, at: i64) -> Result<(), StoreError> {
        let sql = "WITH pruned AS (
                       DELETE FROM send_attempts WHERE robot = $1 AND counted_at < $4)
                   INSERT INTO send_attempts (robot, message_id, counted_at) VALUES ($1, $2, $3)";
        let forget_before = at - ATTEMPT_LOG_KEEP_MS;
        self.fenced_write(lease, sql, &[&id, &at, &forget_before])
            .await
    }

    async fn record_attempt_end(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        let sql = "WITH moved AS (
                       UPDATE send_attempts SET counted_at = $3 WHERE id =
                           (SELECT MAX(id) FROM send_attempts WHERE robot = $1 AND message_id = $2))
                   UPDATE messages SET last_attempt_at = $3 WHERE robot = $1 AND id = $2";
        self.fenced_write(lease, sql, &[&id, &now]).await
    }

    async fn mark_sent(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        let sql = "UPDATE messages SET state = 'sent', sent_at = $3, last_error = NULL
                   WHERE robot = $1 AND id = $2";
        self.fenced_write(lease, sql, &[&id, &now]).await
    }

    async fn mark_retry(&self, lease: &Lease, retry: Retry<'_>) -> Result<bool, StoreError> {
        let id = retry.id;
        let mut conn = self.db().await?;
        let tx = fenced(&mut conn, lease).await?;
        // The follow-up's ladder, shared-locked against an act's `FOR UPDATE`: an act that
        // came first is seen ended here; one that comes after sees this retry waiting.
        let lock = "SELECT e.id FROM escalations e JOIN messages m ON m.ladder = e.id
                    WHERE m.id = $1 FOR SHARE OF e";
        tx.execute(lock, &[&id]).await?;
        if let Some(row) = tx.query_opt(WITHDRAW_FAILED, &[&id]).await? {
            let (ladder, at): (i64, i64) =
                (row.try_get(0).map_err(db)?, row.try_get(1).map_err(db)?);
            tx.execute(NOTE_WITHDRAWN, &[&at, &SEND_FAILED, &ladder])
                .await?;
            tx.commit().await?;
            return Ok(false);
        }
        let sql = "UPDATE messages SET next_attempt_at = $3, last_error = $4
                   WHERE robot = $1 AND id = $2";
        let params: Params = &[&lease.robot, &id, &retry.next_attempt_at, &retry.error];
        tx.execute(sql, params).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn mark_dead(&self, lease: &Lease, id: i64, error: &str) -> Result<(), StoreError> {
        let sql =
            "UPDATE messages SET state = 'dead', last_error = $3 WHERE robot = $1 AND id = $2";
        self.fenced_write(lease, sql, &[&id, &error]).await
    }

    async fn set_paused_until(&self, lease: &Lease, until: i64) -> Result<(), StoreError> {
        let sql = "INSERT INTO robot_state (robot, paused_until) VALUES ($1, $2)
                   ON CONFLICT (robot) DO UPDATE SET paused_until = excluded.paused_until";
        self.fenced_write(lease, sql, &[&until]).await
    }

    async fn set_aside_alert(&self, ask: SetAside<'_>) -> Result<(), StoreError> {
        let (lease, alert, now) = (ask.lease, ask.alert, ask.now);
        let mut conn = self.db().await?;
        let tx = fenced(&mut conn, lease).await?;
        // A dead message with no body: nothing can be sent for the alert, but an operator
        // sees it, with the reason, in `outbox list --state dead`.
        let insert = "INSERT INTO messages (robot, msg_uuid, body, alert_count, state,
                                            next_attempt_at, created_at, last_error)
                      VALUES ($1, $2, '', 1, 'dead', $3, $3, $4) RETURNING id";
        let msg_uuid = uuid::Uuid::new_v4().to_string();
        let error = format!("unreadable alert row {}: {}", alert.id, alert.reason);
        let params: Params = &[&lease.robot, &msg_uuid, &now, &error];
        let id: i64 = tx.query_one(insert, params).await?.try_get(0).map_err(db)?;
        let assign = "UPDATE alerts SET message_id = $1
                      WHERE id = $2 AND robot = $3 AND message_id IS NULL";
        if tx.execute(assign, &[&id, &alert.id, &lease.robot]).await? == 0 {
            // Not a waiting alert of this robot (any more): nothing to set aside, and no
            // empty dead message either. Dropping the transaction rolls the insert back.
            return Ok(());
        }
        tx.commit().await
    }

    /// A message built elsewhere (the open-issues report), queued without alerts. Not
    /// fenced: adding a pending message takes nothing from the robot's sender.
    async fn queue_message(&self, robot: &str, message: NewMessage<'_>) -> Result<i64, StoreError> {
        let insert = "INSERT INTO messages (robot, msg_uuid, body, alert_count, next_attempt_at,
                                            created_at)
                      VALUES ($1, $2, $3, 0, $4, $4) RETURNING id";
        let params: Params = &[&robot, &message.msg_uuid, &message.body, &message.now];
        let row = self.db().await?.query_one(insert, params).await?;
        let id = row.try_get(0).map_err(db)?;
        self.wakeups.announce(&[robot.to_owned()]);
        Ok(id)
    }
}
