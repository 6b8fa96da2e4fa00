//! The webhook's one unit of work: identity keys, repeat decisions, alert rows, the ladders
//! they start, trace record. It runs
//! in a savepoint of the writer's current transaction (group commit, `connection.rs`): it is
//! stored with its batch or not at all, and answered only once the batch committed.

use super::repeats::decide;
use super::{SqliteOutbox, escalation, sql_error, trace};
use crate::outbox::port::IntakeStore;
use crate::outbox::repeat_decision::{Decision, outcome_of};
use crate::outbox::types::{
    Enqueue, Enqueued, StoreError, UnqueuedWebhook, WebhookOutcome, is_duplicate, stamp,
};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::broadcast;

fn seen_at(tx: &Connection, key: &str) -> Result<Option<i64>, StoreError> {
    tx.prepare_cached("SELECT seen_at FROM dedup WHERE key = ?1")
        .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
        .map_err(sql_error)
}

fn enqueue(tx: &Connection, webhook: &Enqueue) -> Result<Enqueued, StoreError> {
    let (identity, items, record, now) = (
        &webhook.identity,
        &webhook.items,
        webhook.record.as_ref(),
        webhook.now,
    );
    let latest_key = webhook.latest_key();
    let latest = match &latest_key {
        Some(key) => seen_at(tx, key)?,
        None => None,
    };
    let stamp = stamp(now, latest);
    for key in identity {
        let seen = seen_at(tx, key)?;
        if seen.is_some_and(|t| is_duplicate(key, t, latest, now)) {
            // Nothing was written yet: the duplicate's record is this transaction's only row.
            if let Some(record) = record {
                trace::insert_record(tx, record, WebhookOutcome::Duplicate, &[], now)?;
            }
            return Ok(Enqueued::Duplicate);
        }
    }
    // An upsert changes a row seen before in place; `OR REPLACE` would delete and insert it
    // again, through both of the table's indexes (the row is always one seen before).
    for key in identity.iter().chain(&latest_key) {
        tx.prepare_cached(
            "INSERT INTO dedup (key, seen_at) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at",
        )
        .and_then(|mut s| s.execute(params![key, stamp]))
        .map_err(sql_error)?;
    }
    let mut decisions = Vec::with_capacity(items.len());
    for item in items {
        decisions.push(decide(tx, item, now).map_err(sql_error)?);
    }
    let (silent, outcome) = outcome_of(&decisions);
    let all_silent = outcome == WebhookOutcome::Suppressed;
    let webhook_id = match record {
        Some(record) => {
            let robots = record.decisions(items, &silent);
            Some(trace::insert_record(tx, record, outcome, &robots, now)?)
        }
        None => None,
    };
    let mut robots = Vec::with_capacity(items.len());
    for (item, decision) in items.iter().zip(decisions) {
        let mut queued = item.queued.clone();
        match decision {
            Decision::Silent => continue,
            Decision::Notify { folded } => queued.alert.suppressed = folded,
        }
        let payload = serde_json::to_string(&queued).map_err(|e| StoreError::Corrupt {
            id: 0,
            reason: e.to_string(),
        })?;
        tx.prepare_cached(
            "INSERT INTO alerts (robot, payload, level, received_at, webhook_id)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut s| {
            s.execute(params![
                item.robot,
                payload,
                queued.alert.level as i64,
                now,
                webhook_id
            ])
        })
        .map_err(sql_error)?;
        if !item.escalate.is_empty() {
            escalation::start(tx, item, &payload, now).map_err(sql_error)?;
        }
        robots.push(item.robot.clone());
    }
    if all_silent {
        return Ok(Enqueued::Suppressed);
    }
    Ok(Enqueued::Queued { robots })
}

#[async_trait]
impl IntakeStore for SqliteOutbox {
    /// The webhook's one unit of work, joined to the writer's current transaction; wakes the
    /// robots' senders once it committed.
    async fn enqueue(&self, webhook: Enqueue) -> Result<Enqueued, StoreError> {
        let done = self
            .writer
            .run_joined(move |c| enqueue(c, &webhook))
            .await?;
        if let Enqueued::Queued { robots } = &done {
            for r in robots {
                self.wake(r.clone());
            }
        }
        Ok(done)
    }

    async fn record_webhook(&self, webhook: UnqueuedWebhook) -> Result<(), StoreError> {
        let (record, outcome, now) = (webhook.record, webhook.outcome, webhook.now);
        self.write(move |c| trace::insert_record(c, &record, outcome, &[], now).map(|_| ()))
            .await
    }

    /// What `/readyz` asks: would a webhook be stored now? First the webhook's own inserts
    /// (dedup key, trace record, alert row, repeat row, with their indexes) in a savepoint that
    /// is rolled back: each walks its b-tree to the page a webhook's row would go to, so a
    /// damaged page there fails here as it fails the webhook, at the cost of a few page reads
    /// (not a `quick_check` of the whole file). Then a committed write about the size of a
    /// webhook: it fails when the disk is full, the file is read-only or locked.
    async fn check_writable(&self, now: i64) -> Result<(), StoreError> {
        let sql = "INSERT INTO health (id, checked_at, pad) VALUES (1, ?1, randomblob(8192))
                   ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at,
                                                  pad = excluded.pad";
        self.write_sql(move |c| {
            c.execute_batch("SAVEPOINT readyz_probe")?;
            let walked = webhook_inserts(c, now);
            c.execute_batch("ROLLBACK TO readyz_probe; RELEASE readyz_probe")?;
            walked?;
            c.execute(sql, [now])
        })
        .await?;
        Ok(())
    }

    fn wakeups(&self) -> broadcast::Receiver<String> {
        self.subscribe()
    }
}

/// The rows a webhook writes (`enqueue` above), in the same tables; the caller rolls them back.
fn webhook_inserts(c: &Connection, now: i64) -> rusqlite::Result<()> {
    c.execute(
        "INSERT OR REPLACE INTO dedup (key, seen_at) VALUES ('readyz:probe', ?1)",
        [now],
    )?;
    c.execute(
        "INSERT INTO webhooks (received_at, resource, action, outcome, robots)
         VALUES (?1, 'readyz', 'probe', 'routed', '[]')",
        [now],
    )?;
    c.execute(
        "INSERT INTO alerts (robot, payload, level, received_at, webhook_id)
         VALUES ('readyz', '{}', 0, ?1, last_insert_rowid())",
        [now],
    )?;
    c.execute(
        "INSERT OR REPLACE INTO repeats (route, robot, issue, notified_at)
         VALUES ('readyz', 'readyz', 'probe', ?1)",
        [now],
    )?;
    Ok(())
}
