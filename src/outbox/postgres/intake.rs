//! The webhook edge: identity keys, repeat decisions (`repeats.rs`), alert rows, the ladders
//! they start (`escalation.rs`) and the trace record in one transaction; the readiness write; the wake-ups an enqueue causes.
//!
//! Races between replicas are settled by row locks, not by reading first: an identity key is
//! claimed by `INSERT … ON CONFLICT DO UPDATE … WHERE` the old sighting left the window; a
//! concurrent enqueue with the same key waits on the unique index until the first commits,
//! then finds the key fresh and is the `Duplicate`.

use super::super::port::IntakeStore;
use super::super::repeat_decision::{Decision, outcome_of};
use super::super::types::{
    BODY_KEY, DEDUP_WINDOW_MS, Enqueue, Enqueued, StoreError, UnqueuedWebhook, WebhookOutcome,
    stamp,
};
use super::PgOutbox;
use super::connection::Tx;
use super::error::db;
use super::escalation;
use super::repeats;
use super::trace::{self, Alerts};
use async_trait::async_trait;

/// Records every identity key as seen, and the latest webhook; false (and the caller
/// rolls back) when a key makes the webhook a duplicate (`is_duplicate`).
async fn claim_identity(tx: &Tx<'_>, webhook: &Enqueue) -> Result<bool, StoreError> {
    let now = webhook.now;
    let latest_key = webhook.latest_key();
    // The row first, locked (made if new, rolled back with a duplicate): webhooks about
    // one issue take their turns, each stamped after the last (`stamp`).
    let latest: Option<i64> = match &latest_key {
        Some(key) => {
            let sql = "INSERT INTO dedup (key, seen_at) VALUES ($1, $2)
                       ON CONFLICT (key) DO UPDATE SET seen_at = dedup.seen_at
                       RETURNING seen_at";
            let row = tx.query_one(sql, &[key, &NEVER]).await?;
            Some(row.try_get(0).map_err(db)?).filter(|t| *t != NEVER)
        }
        None => None,
    };
    let stamp = stamp(now, latest);
    let (bodies, requests): (Vec<String>, Vec<String>) = webhook
        .identity
        .iter()
        .cloned()
        .partition(|k| k.starts_with(BODY_KEY));
    // A key is claimed when its last sighting is at or before `before`: out of the window, or
    // (a body) before the latest webhook. Bodies before requests, as one sorted claim
    // of both took them (`body:` < `request:`): every version locks the same rows in one order.
    let window_start = now - DEDUP_WINDOW_MS;
    let followed = latest.map_or(window_start, |l| window_start.max(l - 1));
    if !claim(tx, bodies, stamp, followed).await?
        || !claim(tx, requests, stamp, window_start).await?
    {
        return Ok(false);
    }
    if let Some(key) = latest_key {
        let sql = "UPDATE dedup SET seen_at = $2 WHERE key = $1";
        tx.execute(sql, &[&key, &stamp]).await?;
    }
    Ok(true)
}

/// The `seen_at` of an issue's row made by the enqueue that holds it: no webhook yet.
const NEVER: i64 = i64::MIN;

/// Claims each of `keys` whose last sighting is at or before `before`; true when it claimed
/// them all.
async fn claim(
    tx: &Tx<'_>,
    mut keys: Vec<String>,
    at: i64,
    before: i64,
) -> Result<bool, StoreError> {
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return Ok(true);
    }
    let sql = "INSERT INTO dedup (key, seen_at)
               SELECT key, $2 FROM unnest($1::text[]) AS key ORDER BY key
               ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at
               WHERE dedup.seen_at <= $3
               RETURNING key";
    let claimed = tx.query(sql, &[&keys, &at, &before]).await?;
    Ok(claimed.len() == keys.len())
}

#[async_trait]
impl IntakeStore for PgOutbox {
    async fn enqueue(&self, webhook: Enqueue) -> Result<Enqueued, StoreError> {
        let mut conn = self.db().await?;
        let tx = conn.transaction().await?;
        let claimed = claim_identity(&tx, &webhook).await?;
        let Enqueue {
            items, record, now, ..
        } = webhook;
        if !claimed {
            // Rolls back the keys this call did claim; the duplicate's record is stored alone.
            drop(tx);
            if let Some(record) = &record {
                let duplicate = WebhookOutcome::Duplicate;
                trace::insert_record(&conn, record, duplicate, &[], Alerts::default(), now).await?;
            }
            return Ok(Enqueued::Duplicate);
        }
        let decisions = repeats::decide(&tx, &items, now).await?;
        let (silent, outcome) = outcome_of(&decisions);
        let all_silent = outcome == WebhookOutcome::Suppressed;
        let traced = record.map(|r| {
            let robots = r.decisions(&items, &silent);
            (r, outcome, robots)
        });
        let mut alerts = Alerts::default();
        for (mut item, decision) in items.into_iter().zip(decisions) {
            let Decision::Notify { folded } = decision else {
                continue;
            };
            item.queued.alert.suppressed = folded;
            let payload = serde_json::to_string(&item.queued).map_err(|e| StoreError::Corrupt {
                id: 0,
                reason: e.to_string(),
            })?;
            if !item.escalate.is_empty() {
                escalation::start(&tx, &item, &payload, now).await?;
            }
            alerts.payloads.push(payload);
            alerts.levels.push(item.queued.alert.level as i32);
            alerts.robots.push(item.robot);
        }
        let robots = alerts.robots.clone();
        match &traced {
            // One statement: the record rides in the alerts' insert.
            Some((record, outcome, decided)) => {
                trace::insert_record(&tx, record, *outcome, decided, alerts, now).await?;
            }
            None if robots.is_empty() => {}
            None => {
                let insert = "INSERT INTO alerts (robot, payload, level, received_at)
                              SELECT robot, payload, level, $4
                              FROM unnest($1::text[], $2::text[], $3::int4[])
                                   AS t(robot, payload, level)";
                let columns = (&alerts.robots, &alerts.payloads, &alerts.levels);
                tx.execute(insert, &[columns.0, columns.1, columns.2, &now])
                    .await?;
            }
        }
        tx.commit().await?;
        self.wakeups.announce(&robots);
        if all_silent {
            return Ok(Enqueued::Suppressed);
        }
        Ok(Enqueued::Queued { robots })
    }

    async fn record_webhook(&self, webhook: UnqueuedWebhook) -> Result<(), StoreError> {
        let (record, outcome, now) = (webhook.record, webhook.outcome, webhook.now);
        let conn = self.db().await?;
        trace::insert_record(&conn, &record, outcome, &[], Alerts::default(), now).await
    }

    async fn check_writable(&self, now: i64) -> Result<(), StoreError> {
        let sql = "INSERT INTO health (id, checked_at) VALUES (1, $1)
                   ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at";
        self.db().await?.execute(sql, &[&now]).await?;
        Ok(())
    }

    fn wakeups(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.wakeups.subscribe()
    }
}
