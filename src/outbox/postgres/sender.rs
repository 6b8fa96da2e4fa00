//! The robot sender's reads, and its writes, each fenced by its lease (see `lease.rs`).

use super::super::types::{
    Lease, MessageRow, MessageState, StoreError, UnreadableAlert, WaitingAlert, WaitingAlerts,
};
use super::lease::fenced;
use super::{PgOutbox, db};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

pub(super) const SELECT_MESSAGE: &str = "SELECT id, robot, msg_uuid, body, alert_count, state,
    attempts, next_attempt_at, created_at, sent_at, last_error FROM messages";

pub(super) fn message_row(row: &Row) -> Result<MessageRow, StoreError> {
    let id: i64 = row.try_get(0).map_err(db)?;
    let state: String = row.try_get(5).map_err(db)?;
    let state = MessageState::parse(&state).ok_or_else(|| StoreError::Corrupt {
        id,
        reason: format!("unknown message state {state:?}"),
    })?;
    Ok(MessageRow {
        id,
        robot: row.try_get(1).map_err(db)?,
        msg_uuid: row.try_get(2).map_err(db)?,
        body: row.try_get(3).map_err(db)?,
        alert_count: row.try_get(4).map_err(db)?,
        state,
        attempts: row.try_get(6).map_err(db)?,
        next_attempt_at: row.try_get(7).map_err(db)?,
        created_at: row.try_get(8).map_err(db)?,
        sent_at: row.try_get(9).map_err(db)?,
        last_error: row.try_get(10).map_err(db)?,
    })
}

impl PgOutbox {
    pub(super) async fn waiting(
        &self,
        robot: &str,
        limit: usize,
    ) -> Result<WaitingAlerts, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT id, payload, received_at FROM alerts
                 WHERE robot = $1 AND message_id IS NULL
                 ORDER BY level DESC, id ASC LIMIT $2",
            )
            .await
            .map_err(db)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client.query(&stmt, &[&robot, &limit]).await.map_err(db)?;
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

    /// Runs a query whose one row holds one nullable `BIGINT` (a MIN, MAX or lookup).
    pub(super) async fn scalar(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<i64>, StoreError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(db)?;
        match client.query_opt(&stmt, params).await.map_err(db)? {
            Some(row) => row.try_get(0).map_err(db),
            None => Ok(None),
        }
    }

    pub(super) async fn due(
        &self,
        robot: &str,
        now: i64,
    ) -> Result<Option<MessageRow>, StoreError> {
        let client = self.client().await?;
        let sql = format!(
            "{SELECT_MESSAGE} WHERE robot = $1 AND state = 'pending' AND next_attempt_at <= $2
             ORDER BY id LIMIT 1"
        );
        let stmt = client.prepare_cached(&sql).await.map_err(db)?;
        match client.query_opt(&stmt, &[&robot, &now]).await.map_err(db)? {
            Some(row) => message_row(&row).map(Some),
            None => Ok(None),
        }
    }

    pub(super) async fn attempts(&self, robot: &str, since: i64) -> Result<Vec<i64>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT counted_at FROM send_attempts WHERE robot = $1 AND counted_at >= $2
                 ORDER BY counted_at",
            )
            .await
            .map_err(db)?;
        let rows = client.query(&stmt, &[&robot, &since]).await.map_err(db)?;
        rows.iter().map(|r| r.try_get(0).map_err(db)).collect()
    }

    pub(super) async fn new_message(
        &self,
        lease: &Lease,
        alert_ids: &[i64],
        body: &str,
        msg_uuid: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut client = self.client().await?;
        let tx = fenced(&mut client, lease).await?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO messages (robot, msg_uuid, body, alert_count, next_attempt_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .await
            .map_err(db)?;
        let count = i64::try_from(alert_ids.len()).unwrap_or(i64::MAX);
        let row = tx
            .query_one(&insert, &[&lease.robot, &msg_uuid, &body, &count, &now])
            .await
            .map_err(db)?;
        let id: i64 = row.try_get(0).map_err(db)?;
        let assign = tx
            .prepare_cached(
                "UPDATE alerts SET message_id = $1
                 WHERE id = ANY($2) AND robot = $3 AND message_id IS NULL",
            )
            .await
            .map_err(db)?;
        tx.execute(&assign, &[&id, &alert_ids, &lease.robot])
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    /// A message built elsewhere (the open-issues report), queued without alerts. Not
    /// fenced: adding a pending message takes nothing from the robot's sender.
    pub(super) async fn ready_message(
        &self,
        robot: &str,
        body: &str,
        msg_uuid: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let client = self.client().await?;
        let insert = client
            .prepare_cached(
                "INSERT INTO messages (robot, msg_uuid, body, alert_count, next_attempt_at, created_at)
                 VALUES ($1, $2, $3, 0, $4, $4) RETURNING id",
            )
            .await
            .map_err(db)?;
        let row = client
            .query_one(&insert, &[&robot, &msg_uuid, &body, &now])
            .await
            .map_err(db)?;
        row.try_get(0).map_err(db)
    }

    /// One fenced statement on one of the lease's robot's rows: `$1` is the robot, the rest
    /// are `params`. The lease is checked in the same transaction.
    pub(super) async fn fenced_write(
        &self,
        lease: &Lease,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = fenced(&mut client, lease).await?;
        let stmt = tx.prepare_cached(sql).await.map_err(db)?;
        let mut all: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(params.len() + 1);
        all.push(&lease.robot);
        all.extend_from_slice(params);
        tx.execute(&stmt, &all).await.map_err(db)?;
        tx.commit().await.map_err(db)
    }

    pub(super) async fn set_aside(
        &self,
        lease: &Lease,
        alert_id: i64,
        reason: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = fenced(&mut client, lease).await?;
        // A dead message with no body: nothing can be sent for the alert, but an operator
        // sees it, with the reason, in `outbox list --state dead`.
        let insert = tx
            .prepare_cached(
                "INSERT INTO messages (robot, msg_uuid, body, alert_count, state,
                                       next_attempt_at, created_at, last_error)
                 VALUES ($1, $2, '', 1, 'dead', $3, $3, $4) RETURNING id",
            )
            .await
            .map_err(db)?;
        let msg_uuid = uuid::Uuid::new_v4().to_string();
        let error = format!("unreadable alert row {alert_id}: {reason}");
        let row = tx
            .query_one(&insert, &[&lease.robot, &msg_uuid, &now, &error])
            .await
            .map_err(db)?;
        let id: i64 = row.try_get(0).map_err(db)?;
        let assign = tx
            .prepare_cached(
                "UPDATE alerts SET message_id = $1 WHERE id = $2 AND robot = $3 AND message_id IS NULL",
            )
            .await
            .map_err(db)?;
        let assigned = tx
            .execute(&assign, &[&id, &alert_id, &lease.robot])
            .await
            .map_err(db)?;
        if assigned == 0 {
            // Not a waiting alert of this robot (any more): nothing to set aside, and no
            // empty dead message either. Dropping the transaction rolls the insert back.
            return Ok(());
        }
        tx.commit().await.map_err(db)
    }
}
