//! `SqliteOutbox`: opening the file and the port's methods, each run on a connection's thread.

use super::connection::{
    ConnectionThread, alive_token, lock_data_dir, open_connection, spawn_checkpointer,
};
use super::{DB_FILE, cards, enqueue, operator, schema, sender, shared, sql_error, trace};
use crate::outbox::port::Outbox;
use crate::outbox::types::{
    CardNote, CardRow, Delivery, Enqueued, Lease, MessageRow, MessageState, StateCount, StoreError,
    TraceEntry, WaitingAlerts, WebhookOutcome, WebhookRecord,
};
use async_trait::async_trait;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::broadcast;

pub struct SqliteOutbox {
    writer: ConnectionThread,
    reader: ConnectionThread,
    path: PathBuf,
    wake: broadcast::Sender<String>,
    /// The `serve` lock on `DATA_DIR`, held for as long as this outbox lives.
    _lock: Option<std::fs::File>,
    /// The checkpointer runs while this lives.
    _alive: Arc<()>,
}

impl std::fmt::Debug for SqliteOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteOutbox")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteOutbox {
    /// Opens (creating and migrating) `DATA_DIR/outbox.sqlite3`. `exclusive` takes the data
    /// directory's `serve` lock: a second sender on one file would double-post.
    pub fn open(data_dir: &Path, exclusive: bool) -> Result<Self, StoreError> {
        let dir_err = |e: std::io::Error| {
            StoreError::Setup(format!("data directory {}: {e}", data_dir.display()))
        };
        std::fs::create_dir_all(data_dir).map_err(dir_err)?;
        let lock = if exclusive {
            Some(lock_data_dir(data_dir)?)
        } else {
            None
        };
        let path = data_dir.join(DB_FILE);
        let mut writer = open_connection(&path)?;
        schema::migrate(&mut writer).map_err(sql_error)?;
        // Checkpoints fsync; done inline they stall a webhook for tens of milliseconds.
        // A background connection does them instead, the inline one is only a safety net.
        writer
            .pragma_update(None, "wal_autocheckpoint", 20_000)
            .map_err(sql_error)?;
        if exclusive {
            // Nobody else sends from this file while we hold the lock: leases left by a killed
            // predecessor are void, so its robots are taken over at once, not after their TTL.
            writer
                .execute("UPDATE leases SET expires_at = 0", [])
                .map_err(sql_error)?;
        }
        let reader = open_connection(&path)?;
        let alive = alive_token();
        spawn_checkpointer(&path, Arc::downgrade(&alive))?;
        Ok(Self {
            writer: ConnectionThread::spawn("outbox-writer", writer)?,
            reader: ConnectionThread::spawn("outbox-reader", reader)?,
            path,
            wake: broadcast::channel(256).0,
            _lock: lock,
            _alive: alive,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.writer.run(f).await
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.reader.run(f).await
    }
}

fn owned(s: &str) -> String {
    s.to_string()
}

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
        self.write(move |c| shared::write_probe(c, now).map_err(sql_error))
            .await
    }

    fn wakeups(&self) -> broadcast::Receiver<String> {
        self.wake.subscribe()
    }

    async fn acquire_lease(
        &self,
        robot: &str,
        owner: &str,
        now: i64,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        let (robot, owner) = (owned(robot), owned(owner));
        self.write(move |c| {
            sender::acquire_lease(c, &robot, &owner, now, ttl_ms).map_err(sql_error)
        })
        .await
    }

    async fn renew_lease(&self, lease: &Lease, now: i64, ttl_ms: i64) -> Result<bool, StoreError> {
        let lease = lease.clone();
        self.write(move |c| sender::renew_lease(c, &lease, now, ttl_ms).map_err(sql_error))
            .await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let lease = lease.clone();
        self.write(move |c| sender::release_lease(c, &lease).map_err(sql_error))
            .await
    }

    async fn waiting_alerts(&self, robot: &str, limit: usize) -> Result<WaitingAlerts, StoreError> {
        let robot = owned(robot);
        self.read(move |c| sender::waiting_alerts(c, &robot, limit).map_err(sql_error))
            .await
    }

    async fn oldest_waiting(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let robot = owned(robot);
        self.read(move |c| sender::oldest_waiting(c, &robot).map_err(sql_error))
            .await
    }

    async fn waiting_count(&self, robot: &str) -> Result<i64, StoreError> {
        let robot = owned(robot);
        let sql = "SELECT COUNT(*) FROM alerts WHERE robot = ?1 AND message_id IS NULL";
        self.read(move |c| sender::scalar(c, sql, &robot).map_err(sql_error))
            .await
            .map(|n| n.unwrap_or(0))
    }

    async fn due_message(&self, robot: &str, now: i64) -> Result<Option<MessageRow>, StoreError> {
        let robot = owned(robot);
        self.read(move |c| sender::due_message(c, &robot, now).map_err(sql_error))
            .await
    }

    async fn next_due_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let robot = owned(robot);
        let sql =
            "SELECT MIN(next_attempt_at) FROM messages WHERE robot = ?1 AND state = 'pending'";
        self.read(move |c| sender::scalar(c, sql, &robot).map_err(sql_error))
            .await
    }

    async fn last_created_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let robot = owned(robot);
        let sql = "SELECT MAX(created_at) FROM messages WHERE robot = ?1";
        self.read(move |c| sender::scalar(c, sql, &robot).map_err(sql_error))
            .await
    }

    async fn last_sent_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let robot = owned(robot);
        let sql = "SELECT MAX(sent_at) FROM messages WHERE robot = ?1";
        self.read(move |c| sender::scalar(c, sql, &robot).map_err(sql_error))
            .await
    }

    async fn attempts_since(&self, robot: &str, since: i64) -> Result<Vec<i64>, StoreError> {
        let robot = owned(robot);
        self.read(move |c| sender::attempts_since(c, &robot, since).map_err(sql_error))
            .await
    }

    async fn paused_until(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        let robot = owned(robot);
        let sql = "SELECT MAX(paused_until) FROM robot_state WHERE robot = ?1";
        self.read(move |c| sender::scalar(c, sql, &robot).map_err(sql_error))
            .await
    }

    async fn create_message(
        &self,
        lease: &Lease,
        alert_ids: &[i64],
        body: &str,
        msg_uuid: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let (lease, ids, body, uuid) = (
            lease.clone(),
            alert_ids.to_vec(),
            owned(body),
            owned(msg_uuid),
        );
        self.write(move |c| {
            sender::fenced(c, &lease, |tx| {
                sender::insert_message(tx, &lease.robot, &ids, &body, &uuid, now)
            })
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
        let (lease, error) = (lease.clone(), owned(error));
        self.write(move |c| {
            sender::fenced(c, &lease, |tx| {
                tx.execute(
                    "UPDATE messages SET next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
                    rusqlite::params![id, next_attempt_at, error],
                )
            })
        })
        .await
        .map(|_| ())
    }

    async fn mark_dead(&self, lease: &Lease, id: i64, error: &str) -> Result<(), StoreError> {
        let (lease, error) = (lease.clone(), owned(error));
        self.write(move |c| {
            sender::fenced(c, &lease, |tx| {
                tx.execute(
                    "UPDATE messages SET state = 'dead', last_error = ?2 WHERE id = ?1",
                    rusqlite::params![id, error],
                )
            })
        })
        .await
        .map(|_| ())
    }

    async fn set_paused_until(&self, lease: &Lease, until: i64) -> Result<(), StoreError> {
        let lease = lease.clone();
        self.write(move |c| {
            sender::fenced(c, &lease, |tx| {
                tx.execute(
                    "INSERT INTO robot_state (robot, paused_until) VALUES (?1, ?2)
                     ON CONFLICT (robot) DO UPDATE SET paused_until = excluded.paused_until",
                    rusqlite::params![lease.robot, until],
                )
            })
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
        let (lease, reason) = (
            lease.clone(),
            format!("unreadable alert row {alert_id}: {reason}"),
        );
        self.write(move |c| {
            sender::fenced(c, &lease, |tx| {
                let id = sender::insert_message(tx, &lease.robot, &[alert_id], "", "", now)?;
                tx.execute(
                    "UPDATE messages SET state = 'dead', last_error = ?2 WHERE id = ?1",
                    rusqlite::params![id, reason],
                )
            })
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
        let _ = self.wake.send(wake_robot);
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
        self.read(move |c| operator::list_messages(c, state, limit).map_err(sql_error))
            .await
    }

    async fn stats(&self) -> Result<Vec<StateCount>, StoreError> {
        self.read(|c| operator::stats(c).map_err(sql_error)).await
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
        self.write(move |c| shared::claim_action(c, &nonce, now).map_err(sql_error))
            .await
    }

    async fn release_action(&self, nonce: &str) -> Result<(), StoreError> {
        let nonce = owned(nonce);
        self.write(move |c| shared::release_action(c, &nonce).map_err(sql_error))
            .await
    }

    async fn action_used(&self, nonce: &str) -> Result<bool, StoreError> {
        let nonce = owned(nonce);
        self.read(move |c| shared::action_used(c, &nonce).map_err(sql_error))
            .await
    }

    async fn action_key(&self) -> Result<Vec<u8>, StoreError> {
        let fresh: [u8; 32] = rand::random();
        self.write(move |c| shared::get_or_insert(c, "action_key", &fresh).map_err(sql_error))
            .await
    }

    async fn claim_scheduled_run(
        &self,
        job: &str,
        slot: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let job = owned(job);
        self.write(move |c| shared::claim_scheduled_run(c, &job, slot, now).map_err(sql_error))
            .await
    }

    async fn remember_installation_org(
        &self,
        installation: &str,
        org: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let (installation, org) = (owned(installation), owned(org));
        self.write(move |c| {
            shared::remember_installation_org(c, &installation, &org, now).map_err(sql_error)
        })
        .await
    }

    async fn installation_org(&self, installation: &str) -> Result<Option<String>, StoreError> {
        let installation = owned(installation);
        self.read(move |c| shared::installation_org(c, &installation).map_err(sql_error))
            .await
    }

    // ---- cards ----

    async fn card(&self, robot: &str, card_key: &str) -> Result<Option<CardRow>, StoreError> {
        let (robot, key) = (owned(robot), owned(card_key));
        self.read(move |c| cards::card(c, &robot, &key).map_err(sql_error))
            .await
    }

    async fn card_by_track_id(&self, out_track_id: &str) -> Result<Option<CardRow>, StoreError> {
        let id = owned(out_track_id);
        self.read(move |c| cards::card_by_track_id(c, &id).map_err(sql_error))
            .await
    }

    async fn note_card_alerts(
        &self,
        lease: &Lease,
        alert_ids: &[i64],
        note: &CardNote,
        now: i64,
    ) -> Result<(CardRow, i64), StoreError> {
        let (lease, ids, note) = (lease.clone(), alert_ids.to_vec(), note.clone());
        self.write(move |c| {
            sender::fenced(c, &lease, |tx| {
                cards::note_alerts(tx, &lease.robot, &ids, &note, now)
            })
        })
        .await
    }

    async fn mark_card_created(&self, lease: &Lease, out_track_id: &str) -> Result<(), StoreError> {
        let (lease, id) = (lease.clone(), owned(out_track_id));
        self.write(move |c| {
            sender::fenced(c, &lease, |tx| cards::mark_created(tx, &lease.robot, &id))
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
            let _ = self.wake.send(card.robot.clone());
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
        self.write(move |c| cards::claim_click(c, &key, now, window_ms).map_err(sql_error))
            .await
    }

    async fn release_card_click(&self, key: &str) -> Result<(), StoreError> {
        let key = owned(key);
        self.write(move |c| cards::release_click(c, &key).map_err(sql_error))
            .await
    }
}

impl SqliteOutbox {
    async fn enqueue_with(
        &self,
        dedup_keys: Vec<String>,
        items: Vec<Delivery>,
        record: Option<WebhookRecord>,
        now: i64,
    ) -> Result<Enqueued, StoreError> {
        let done = self
            .write(move |c| enqueue::enqueue(c, &dedup_keys, &items, record.as_ref(), now))
            .await?;
        if let Enqueued::Queued { robots } = &done {
            for r in robots {
                let _ = self.wake.send(r.clone());
            }
        }
        Ok(done)
    }

    async fn fenced_update(
        &self,
        lease: &Lease,
        sql: &'static str,
        id: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let lease = lease.clone();
        self.write(move |c| {
            sender::fenced(c, &lease, |tx| tx.execute(sql, rusqlite::params![id, now]))
        })
        .await
        .map(|_| ())
    }
}
