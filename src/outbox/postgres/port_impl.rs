//! The storage port on `PgOutbox`, all but the sender's part (`port_sender.rs`): each call
//! bounded in time, delegating to the files by concern.

use super::super::port::{CardStore, IntakeStore, OperatorStore, SharedState, TraceStore};
use super::super::types::{
    CardNote, CardRow, Delivery, Enqueued, Lease, MessageRow, MessageState, StateCount, StoreError,
    TraceEntry, WebhookOutcome, WebhookRecord,
};
use super::{PgOutbox, bounded};
use async_trait::async_trait;

#[async_trait]
impl IntakeStore for PgOutbox {
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
}

#[async_trait]
impl TraceStore for PgOutbox {
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
}

#[async_trait]
impl OperatorStore for PgOutbox {
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
}

#[async_trait]
impl SharedState for PgOutbox {
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
}

#[async_trait]
impl CardStore for PgOutbox {
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

    async fn claim_callback_signature(
        &self,
        signature: &str,
        now: i64,
        window_ms: i64,
    ) -> Result<bool, StoreError> {
        bounded(self.signature_once(signature, now, window_ms)).await
    }
}
