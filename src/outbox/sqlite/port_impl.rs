//! The storage port on SQLite, all but the sender's part (`port_sender.rs`): each method hands
//! its work to the writer's or the reader's connection thread (`store.rs`); the SQL lives in the
//! files named after what it serves.

use super::store::{SqliteOutbox, owned};
use super::{cards, operator, shared, sql_error, trace};
use crate::outbox::port::{CardStore, IntakeStore, OperatorStore, SharedState, TraceStore};
use crate::outbox::types::{
    CardNote, CardRow, Delivery, Enqueued, Lease, MessageRow, MessageState, StateCount, StoreError,
    TraceEntry, WebhookOutcome, WebhookRecord,
};
use async_trait::async_trait;

#[async_trait]
impl IntakeStore for SqliteOutbox {
    async fn enqueue(
        &self,
        dedup_keys: Vec<String>,
        items: Vec<Delivery>,
        now: i64,
    ) -> Result<Enqueued, StoreError> {
        self.enqueue_with(dedup_keys, items, None, now).await
    }

    async fn check_writable(&self, now: i64) -> Result<(), StoreError> {
        self.write_sql(move |c| shared::write_probe(c, now)).await
    }

    fn wakeups(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.subscribe()
    }
}

#[async_trait]
impl TraceStore for SqliteOutbox {
    async fn enqueue_recorded(
        &self,
        dedup_keys: Vec<String>,
        items: Vec<Delivery>,
        record: WebhookRecord,
        now: i64,
    ) -> Result<Enqueued, StoreError> {
        self.enqueue_with(dedup_keys, items, Some(record), now)
            .await
    }

    async fn record_webhook(
        &self,
        record: WebhookRecord,
        outcome: WebhookOutcome,
        now: i64,
    ) -> Result<(), StoreError> {
        self.write(move |c| trace::insert_record(c, &record, outcome, &[], now).map(|_| ()))
            .await
    }

    async fn trace(&self, issue: &str, limit: usize) -> Result<Vec<TraceEntry>, StoreError> {
        let issue = owned(issue);
        self.read(move |c| trace::trace(c, &issue, limit)).await
    }
}

#[async_trait]
impl OperatorStore for SqliteOutbox {
    async fn list_messages(
        &self,
        state: Option<MessageState>,
        limit: usize,
    ) -> Result<Vec<MessageRow>, StoreError> {
        self.read_sql(move |c| operator::list_messages(c, state, limit))
            .await
    }

    async fn stats(&self) -> Result<Vec<StateCount>, StoreError> {
        self.read_sql(|c| operator::stats(c)).await
    }

    async fn retry_message(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let done = self
            .write(move |c| operator::retry_message(c, id, now).map_err(sql_error))
            .await?;
        Ok(done)
    }

    async fn retry_dead(&self, now: i64) -> Result<usize, StoreError> {
        self.write(move |c| {
            let ids = operator::dead_ids(c).map_err(sql_error)?;
            for id in &ids {
                operator::retry_message(c, *id, now).map_err(sql_error)?;
            }
            Ok(ids.len())
        })
        .await
    }

    async fn prune(&self, now: i64, keep_ms: i64) -> Result<(), StoreError> {
        self.write(move |c| {
            operator::prune(c, now, keep_ms).map_err(sql_error)?;
            trace::prune(c, now - keep_ms).map_err(sql_error)?;
            cards::prune(c, now - keep_ms).map_err(sql_error)
        })
        .await
    }
}

#[async_trait]
impl SharedState for SqliteOutbox {
    async fn claim_action(&self, nonce: &str, now: i64) -> Result<bool, StoreError> {
        let nonce = owned(nonce);
        self.write_sql(move |c| shared::claim_action(c, &nonce, now))
            .await
    }

    async fn release_action(&self, nonce: &str) -> Result<(), StoreError> {
        let nonce = owned(nonce);
        self.write_sql(move |c| shared::release_action(c, &nonce))
            .await
    }

    async fn action_used(&self, nonce: &str) -> Result<bool, StoreError> {
        let nonce = owned(nonce);
        self.read_sql(move |c| shared::action_used(c, &nonce)).await
    }

    async fn action_key(&self) -> Result<Vec<u8>, StoreError> {
        self.write_sql(|c| shared::get_or_insert_random(c, "action_key"))
            .await
    }

    async fn claim_scheduled_run(
        &self,
        job: &str,
        slot: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let job = owned(job);
        self.write_sql(move |c| shared::claim_scheduled_run(c, &job, slot, now))
            .await
    }

    async fn remember_installation_org(
        &self,
        installation: &str,
        org: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let (installation, org) = (owned(installation), owned(org));
        self.write_sql(move |c| shared::remember_installation_org(c, &installation, &org, now))
            .await
    }

    async fn installation_org(&self, installation: &str) -> Result<Option<String>, StoreError> {
        let installation = owned(installation);
        self.read_sql(move |c| shared::installation_org(c, &installation))
            .await
    }
}

#[async_trait]
impl CardStore for SqliteOutbox {
    async fn card(&self, robot: &str, card_key: &str) -> Result<Option<CardRow>, StoreError> {
        let (robot, key) = (owned(robot), owned(card_key));
        self.read_sql(move |c| cards::card(c, &robot, &key)).await
    }

    async fn card_by_track_id(&self, out_track_id: &str) -> Result<Option<CardRow>, StoreError> {
        let id = owned(out_track_id);
        self.read_sql(move |c| cards::card_by_track_id(c, &id))
            .await
    }

    async fn note_card_alerts(
        &self,
        lease: &Lease,
        alert_ids: &[i64],
        note: &CardNote,
        now: i64,
    ) -> Result<(CardRow, i64), StoreError> {
        let (ids, note) = (alert_ids.to_vec(), note.clone());
        self.fenced(lease, move |tx, lease| {
            cards::note_alerts(tx, &lease.robot, &ids, &note, now)
        })
        .await
    }

    async fn mark_card_created(&self, lease: &Lease, out_track_id: &str) -> Result<(), StoreError> {
        let id = owned(out_track_id);
        self.fenced(lease, move |tx, lease| {
            cards::mark_created(tx, &lease.robot, &id)
        })
        .await
    }

    async fn card_clicked(
        &self,
        out_track_id: &str,
        status: &str,
        claimed_by: Option<&str>,
        body: &str,
        now: i64,
    ) -> Result<Option<CardRow>, StoreError> {
        let (id, status, by, body) = (
            owned(out_track_id),
            owned(status),
            claimed_by.map(owned),
            owned(body),
        );
        let card = self
            .write(move |c| {
                cards::clicked(c, &id, &status, by.as_deref(), &body, now).map_err(sql_error)
            })
            .await?;
        if let Some(card) = &card {
            self.wake(card.robot.clone());
        }
        Ok(card)
    }

    async fn claim_card_click(
        &self,
        key: &str,
        now: i64,
        window_ms: i64,
    ) -> Result<bool, StoreError> {
        let key = owned(key);
        self.write_sql(move |c| cards::claim_click(c, &key, now, window_ms))
            .await
    }

    async fn release_card_click(&self, key: &str) -> Result<(), StoreError> {
        let key = owned(key);
        self.write_sql(move |c| cards::release_click(c, &key)).await
    }

    async fn claim_callback_signature(
        &self,
        signature: &str,
        now: i64,
        window_ms: i64,
    ) -> Result<bool, StoreError> {
        let signature = owned(signature);
        self.write_sql(move |c| cards::claim_signature(c, &signature, now, window_ms))
            .await
    }
}
