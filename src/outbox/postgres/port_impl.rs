//! `Outbox` for `PgOutbox`: each call bounded in time, delegating to the files by concern.

use super::super::port::Outbox;
use super::super::types::{
    CardNote, CardRow, Delivery, Enqueued, Lease, MessageRow, MessageState, StateCount, StoreError,
    TraceEntry, WaitingAlerts, WebhookOutcome, WebhookRecord,
};
use super::{PgOutbox, bounded};
use async_trait::async_trait;

#[async_trait]
impl Outbox for PgOutbox {
    async fn enqueue(
        &self,
        dedup_keys: Vec<String>,
        items: Vec<Delivery>,
        now: i64,
    ) -> Result<Enqueued, StoreError> {
        bounded(self.enqueue_tx(dedup_keys, items, None, now)).await
    }

    async fn check_writable(&self, now: i64) -> Result<(), StoreError> {
        bounded(self.write_health(now)).await
    }

    fn wakeups(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.wakeups.subscribe()
    }

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

    async fn record_attempt_end(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        let sql = "UPDATE messages SET last_attempt_at = $3 WHERE robot = $1 AND id = $2";
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

    async fn enqueue_recorded(
        &self,
        dedup_keys: Vec<String>,
        items: Vec<Delivery>,
        record: WebhookRecord,
        now: i64,
    ) -> Result<Enqueued, StoreError> {
        bounded(self.enqueue_tx(dedup_keys, items, Some(record), now)).await
    }

    async fn record_webhook(
        &self,
        record: WebhookRecord,
        outcome: WebhookOutcome,
        now: i64,
    ) -> Result<(), StoreError> {
        bounded(self.record_alone(&record, outcome, now)).await
    }

    async fn trace(&self, issue: &str, limit: usize) -> Result<Vec<TraceEntry>, StoreError> {
        bounded(self.trace_of(issue, limit)).await
    }

    async fn list_messages(
        &self,
        state: Option<MessageState>,
        limit: usize,
    ) -> Result<Vec<MessageRow>, StoreError> {
        bounded(self.messages(state, limit)).await
    }

    async fn stats(&self) -> Result<Vec<StateCount>, StoreError> {
        bounded(self.counts()).await
    }

    async fn retry_message(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        bounded(self.retry(id, now)).await
    }

    async fn retry_dead(&self, now: i64) -> Result<usize, StoreError> {
        // Unbounded on purpose: one bounded call per message inside.
        self.retry_all_dead(now).await
    }

    async fn prune(&self, now: i64, keep_ms: i64) -> Result<(), StoreError> {
        // Large deletes may take longer than one webhook's bound; the connection's TCP
        // timeouts still end it if the database goes away.
        self.prune_old(now, keep_ms).await?;
        self.prune_records(now - keep_ms).await
    }

    async fn claim_action(&self, nonce: &str, now: i64) -> Result<bool, StoreError> {
        let sql = "INSERT INTO used_actions (nonce, used_at) VALUES ($1, $2)
                   ON CONFLICT (nonce) DO NOTHING";
        bounded(self.write_row(sql, &[&nonce, &now])).await
    }

    async fn release_action(&self, nonce: &str) -> Result<(), StoreError> {
        let sql = "DELETE FROM used_actions WHERE nonce = $1";
        bounded(self.write_row(sql, &[&nonce])).await.map(|_| ())
    }

    async fn action_used(&self, nonce: &str) -> Result<bool, StoreError> {
        let sql = "SELECT used_at FROM used_actions WHERE nonce = $1";
        Ok(bounded(self.scalar(sql, &[&nonce])).await?.is_some())
    }

    async fn action_key(&self) -> Result<Vec<u8>, StoreError> {
        bounded(self.signing_key()).await
    }

    async fn claim_scheduled_run(
        &self,
        job: &str,
        slot: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let sql = "INSERT INTO scheduled_runs (job, slot, claimed_at) VALUES ($1, $2, $3)
                   ON CONFLICT (job, slot) DO NOTHING";
        bounded(self.write_row(sql, &[&job, &slot, &now])).await
    }

    async fn remember_installation_org(
        &self,
        installation: &str,
        org: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let sql =
            "INSERT INTO installation_orgs (installation, org, updated_at) VALUES ($1, $2, $3)
                   ON CONFLICT (installation) DO UPDATE SET org = excluded.org,
                                                            updated_at = excluded.updated_at";
        bounded(self.write_row(sql, &[&installation, &org, &now]))
            .await
            .map(|_| ())
    }

    async fn installation_org(&self, installation: &str) -> Result<Option<String>, StoreError> {
        bounded(self.org_of(installation)).await
    }

    // ---- cards ----

    async fn card(&self, robot: &str, card_key: &str) -> Result<Option<CardRow>, StoreError> {
        bounded(self.card_of(robot, card_key)).await
    }

    async fn card_by_track_id(&self, out_track_id: &str) -> Result<Option<CardRow>, StoreError> {
        bounded(self.card_by_track(out_track_id)).await
    }

    async fn note_card_alerts(
        &self,
        lease: &Lease,
        alert_ids: &[i64],
        note: &CardNote,
        now: i64,
    ) -> Result<(CardRow, i64), StoreError> {
        bounded(self.note_card(lease, alert_ids, note, now)).await
    }

    async fn mark_card_created(&self, lease: &Lease, out_track_id: &str) -> Result<(), StoreError> {
        bounded(self.card_created(lease, out_track_id)).await
    }

    async fn card_clicked(
        &self,
        out_track_id: &str,
        status: &str,
        claimed_by: Option<&str>,
        body: &str,
        now: i64,
    ) -> Result<Option<CardRow>, StoreError> {
        let card = bounded(self.card_click(out_track_id, status, claimed_by, body, now)).await?;
        if let Some(card) = &card {
            self.wakeups.announce(std::slice::from_ref(&card.robot));
        }
        Ok(card)
    }

    async fn claim_card_click(
        &self,
        key: &str,
        now: i64,
        window_ms: i64,
    ) -> Result<bool, StoreError> {
        bounded(self.click_once(key, now, window_ms)).await
    }

    async fn release_card_click(&self, key: &str) -> Result<(), StoreError> {
        bounded(self.unclick(key)).await
    }
}
