//! The sender's part of the storage port on `PgOutbox`: leases, reads and fenced writes, each
//! call bounded in time.

use super::super::port::SenderStore;
use super::super::types::{ATTEMPT_LOG_KEEP_MS, Lease, MessageRow, StoreError, WaitingAlerts};
use super::{PgOutbox, bounded};
use async_trait::async_trait;

#[async_trait]
impl SenderStore for PgOutbox {
    async fn acquire_lease(
        &self,
        robot: &str,
        owner: &str,
        now: i64,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        bounded(self.acquire(robot, owner, now, ttl_ms)).await
    }

    async fn renew_lease(&self, lease: &Lease, now: i64, ttl_ms: i64) -> Result<bool, StoreError> {
        bounded(self.renew(lease, now, ttl_ms)).await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        bounded(self.release(lease)).await
    }

    async fn waiting_alerts(&self, robot: &str, limit: usize) -> Result<WaitingAlerts, StoreError> {
        bounded(self.waiting(robot, limit)).await
    }

    async fn oldest_waiting(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT MIN(received_at) FROM alerts WHERE robot = $1 AND message_id IS NULL";
        bounded(self.scalar(sql, &[&robot])).await
    }

    async fn waiting_count(&self, robot: &str) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM alerts WHERE robot = $1 AND message_id IS NULL";
        Ok(bounded(self.scalar(sql, &[&robot])).await?.unwrap_or(0))
    }

    async fn due_message(&self, robot: &str, now: i64) -> Result<Option<MessageRow>, StoreError> {
        bounded(self.due(robot, now)).await
    }

    async fn next_due_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let sql =
            "SELECT MIN(next_attempt_at) FROM messages WHERE robot = $1 AND state = 'pending'";
        bounded(self.scalar(sql, &[&robot])).await
    }

    async fn last_created_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT MAX(created_at) FROM messages WHERE robot = $1";
        bounded(self.scalar(sql, &[&robot])).await
    }

    async fn last_sent_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT MAX(sent_at) FROM messages WHERE robot = $1";
        bounded(self.scalar(sql, &[&robot])).await
    }

    async fn attempts_since(&self, robot: &str, since: i64) -> Result<Vec<i64>, StoreError> {
        bounded(self.attempts(robot, since)).await
    }

    async fn paused_until(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT paused_until FROM robot_state WHERE robot = $1";
        bounded(self.scalar(sql, &[&robot])).await
    }

    async fn create_message(
        &self,
        lease: &Lease,
        alert_ids: &[i64],
        body: &str,
        msg_uuid: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        bounded(self.new_message(lease, alert_ids, body, msg_uuid, now)).await
    }

    async fn record_attempt(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        let sql = "UPDATE messages SET attempts = attempts + 1, last_attempt_at = $3
                   WHERE robot = $1 AND id = $2";
        bounded(self.fenced_write(lease, sql, &[&id, &now])).await
    }

    async fn count_attempt(&self, lease: &Lease, id: i64, at: i64) -> Result<(), StoreError> {
        let sql = "WITH pruned AS (
                       DELETE FROM send_attempts WHERE robot = $1 AND counted_at < $4)
                   INSERT INTO send_attempts (robot, message_id, counted_at) VALUES ($1, $2, $3)";
        let forget_before = at - ATTEMPT_LOG_KEEP_MS;
        bounded(self.fenced_write(lease, sql, &[&id, &at, &forget_before])).await
    }

    async fn record_attempt_end(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        let sql = "WITH moved AS (
                       UPDATE send_attempts SET counted_at = $3 WHERE id =
                           (SELECT MAX(id) FROM send_attempts WHERE robot = $1 AND message_id = $2))
                   UPDATE messages SET last_attempt_at = $3 WHERE robot = $1 AND id = $2";
        bounded(self.fenced_write(lease, sql, &[&id, &now])).await
    }

    async fn mark_sent(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        let sql = "UPDATE messages SET state = 'sent', sent_at = $3, last_error = NULL
                   WHERE robot = $1 AND id = $2";
        bounded(self.fenced_write(lease, sql, &[&id, &now])).await
    }

    async fn mark_retry(
        &self,
        lease: &Lease,
        id: i64,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE messages SET next_attempt_at = $3, last_error = $4
                   WHERE robot = $1 AND id = $2";
        bounded(self.fenced_write(lease, sql, &[&id, &next_attempt_at, &error])).await
    }

    async fn mark_dead(&self, lease: &Lease, id: i64, error: &str) -> Result<(), StoreError> {
        let sql =
            "UPDATE messages SET state = 'dead', last_error = $3 WHERE robot = $1 AND id = $2";
        bounded(self.fenced_write(lease, sql, &[&id, &error])).await
    }

    async fn set_paused_until(&self, lease: &Lease, until: i64) -> Result<(), StoreError> {
        let sql = "INSERT INTO robot_state (robot, paused_until) VALUES ($1, $2)
                   ON CONFLICT (robot) DO UPDATE SET paused_until = excluded.paused_until";
        bounded(self.fenced_write(lease, sql, &[&until])).await
    }

    async fn set_aside_alert(
        &self,
        lease: &Lease,
        alert_id: i64,
        reason: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        bounded(self.set_aside(lease, alert_id, reason, now)).await
    }

    async fn queue_message(
        &self,
        robot: &str,
        body: &str,
        msg_uuid: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let id = bounded(self.ready_message(robot, body, msg_uuid, now)).await?;
        self.wakeups.announce(&[robot.to_owned()]);
        Ok(id)
    }
}
