//! The storage port on SQLite: each method hands its work to the writer's or the reader's
//! connection thread (`store.rs`); the SQL lives in the files named after what it serves.

use super::store::{SqliteOutbox, owned};
use super::{cards, operator, sender, shared, sql_error, trace};
use crate::outbox::port::Outbox;
use crate::outbox::types::{
    CardNote, CardRow, Delivery, Enqueued, Lease, MessageRow, MessageState, StateCount, StoreError,
    TraceEntry, WaitingAlerts, WebhookOutcome, WebhookRecord,
};
use async_trait::async_trait;

#[async_trait]
impl Outbox for SqliteOutbox {
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

    async fn record_attempt_end(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError> {
        let sql = "UPDATE messages SET last_attempt_at = ?2 WHERE id = ?1";
        self.fenced_update(lease, sql, id, now).await
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
        let fresh: [u8; 32] = rand::random();
        self.write_sql(move |c| shared::get_or_insert(c, "action_key", &fresh))
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

    // ---- cards ----

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
}
