//! The sender's part of the storage port on SQLite: leases, reads and fenced writes, each handed
//! to a connection thread (`store.rs`); the SQL is in `sender.rs`.

use super::store::{SqliteOutbox, owned};
use super::{sender, sql_error};
use crate::outbox::port::SenderStore;
use crate::outbox::types::{Lease, MessageRow, StoreError, WaitingAlerts};
use async_trait::async_trait;

#[async_trait]
impl SenderStore for SqliteOutbox {
    async fn acquire_lease(
        &self,
        robot: &str,
        owner: &str,
        now: i64,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        let (robot, owner) = (owned(robot), owned(owner));
        self.write_sql(move |c| sender::acquire_lease(c, &robot, &owner, now, ttl_ms))
            .await
    }

    async fn renew_lease(&self, lease: &Lease, now: i64, ttl_ms: i64) -> Result<bool, StoreError> {
        let lease = lease.clone();
        self.write_sql(move |c| sender::renew_lease(c, &lease, now, ttl_ms))
            .await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let lease = lease.clone();
        self.write_sql(move |c| sender::release_lease(c, &lease))
            .await
    }

    async fn waiting_alerts(&self, robot: &str, limit: usize) -> Result<WaitingAlerts, StoreError> {
        let robot = owned(robot);
        self.read_sql(move |c| sender::waiting_alerts(c, &robot, limit))
            .await
    }

    async fn oldest_waiting(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let robot = owned(robot);
        self.read_sql(move |c| sender::oldest_waiting(c, &robot))
            .await
    }

    async fn waiting_count(&self, robot: &str) -> Result<i64, StoreError> {
        self.robot_scalar(sender::WAITING_COUNT, robot)
            .await
            .map(|n| n.unwrap_or(0))
    }

    async fn due_message(&self, robot: &str, now: i64) -> Result<Option<MessageRow>, StoreError> {
        let robot = owned(robot);
        self.read_sql(move |c| sender::due_message(c, &robot, now))
            .await
    }

    async fn next_due_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        self.robot_scalar(sender::NEXT_DUE_AT, robot).await
    }

    async fn last_created_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        self.robot_scalar(sender::LAST_CREATED_AT, robot).await
    }

    async fn last_sent_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        self.robot_scalar(sender::LAST_SENT_AT, robot).await
    }

    async fn attempts_since(&self, robot: &str, since: i64) -> Result<Vec<i64>, StoreError> {
        let robot = owned(robot);
        self.read_sql(move |c| sender::attempts_since(c, &robot, since))
            .await
    }

    async fn paused_until(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        self.robot_scalar(sender::PAUSED_UNTIL, robot).await
    }

    async fn create_message(
        &self,
        lease: &Lease,
        alert_ids: &[i64],
        body: &str,
        msg_uuid: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let (ids, body, uuid) = (alert_ids.to_vec(), owned(body), owned(msg_uuid));
        self.fenced(lease, move |tx, lease| {
            sender::insert_message(tx, &lease.robot, &ids, &body, &uuid, now)
        })
        .await
    }

    async fn record_attempt(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        let sql = "UPDATE messages SET attempts = attempts + 1, last_attempt_at = ?2 WHERE id = ?1";
        self.fenced_update(lease, sql, id, now).await
    }

    async fn count_attempt(&self, lease: &Lease, id: i64, at: i64) -> Result<(), StoreError> {
        self.fenced(lease, move |tx, lease| {
            sender::count_attempt(tx, &lease.robot, id, at)
        })
        .await
    }

    async fn record_attempt_end(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        self.fenced(lease, move |tx, lease| {
            sender::record_attempt_end(tx, &lease.robot, id, now)
        })
        .await
    }

    async fn mark_sent(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        let sql =
            "UPDATE messages SET state = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1";
        self.fenced_update(lease, sql, id, now).await
    }

    async fn mark_retry(
        &self,
        lease: &Lease,
        id: i64,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        let error = owned(error);
        self.fenced(lease, move |tx, _| {
            tx.execute(
                "UPDATE messages SET next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
                rusqlite::params![id, next_attempt_at, error],
            )
        })
        .await
        .map(|_| ())
    }

    async fn mark_dead(&self, lease: &Lease, id: i64, error: &str) -> Result<(), StoreError> {
        let error = owned(error);
        self.fenced(lease, move |tx, _| {
            tx.execute(
                "UPDATE messages SET state = 'dead', last_error = ?2 WHERE id = ?1",
                rusqlite::params![id, error],
            )
        })
        .await
        .map(|_| ())
    }

    async fn set_paused_until(&self, lease: &Lease, until: i64) -> Result<(), StoreError> {
        self.fenced(lease, move |tx, lease| {
            tx.execute(
                "INSERT INTO robot_state (robot, paused_until) VALUES (?1, ?2)
                 ON CONFLICT (robot) DO UPDATE SET paused_until = excluded.paused_until",
                rusqlite::params![lease.robot, until],
            )
        })
        .await
        .map(|_| ())
    }

    async fn set_aside_alert(
        &self,
        lease: &Lease,
        alert_id: i64,
        reason: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let reason = format!("unreadable alert row {alert_id}: {reason}");
        self.fenced(lease, move |tx, lease| {
            let id = sender::insert_message(tx, &lease.robot, &[alert_id], "", "", now)?;
            tx.execute(
                "UPDATE messages SET state = 'dead', last_error = ?2 WHERE id = ?1",
                rusqlite::params![id, reason],
            )
        })
        .await
        .map(|_| ())
    }

    async fn queue_message(
        &self,
        robot: &str,
        body: &str,
        msg_uuid: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let (robot, body, uuid) = (owned(robot), owned(body), owned(msg_uuid));
        let wake_robot = robot.clone();
        let id = self
            .write(move |c| {
                let tx = c.transaction().map_err(sql_error)?;
                let id = sender::insert_message(&tx, &robot, &[], &body, &uuid, now)
                    .map_err(sql_error)?;
                tx.commit().map_err(sql_error)?;
                Ok(id)
            })
            .await?;
        self.wake(wake_robot);
        Ok(id)
    }
}
