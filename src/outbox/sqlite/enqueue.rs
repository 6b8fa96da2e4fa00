//! The webhook's one unit of work: dedup keys, repeat decisions, alert rows, trace record. It runs
//! in a savepoint of the writer's current transaction (group commit, `connection.rs`): it is
//! stored with its batch or not at all, and answered only once the batch committed.

use super::{sql_error, trace};
use crate::outbox::types::{
    DEDUP_WINDOW_MS, Delivery, Enqueued, StoreError, WebhookOutcome, WebhookRecord,
};
use rusqlite::{Connection, OptionalExtension, params};

pub fn enqueue(
    tx: &Connection,
    dedup_keys: &[String],
    items: &[Delivery],
    record: Option<&WebhookRecord>,
    now: i64,
) -> Result<Enqueued, StoreError> {
    for key in dedup_keys {
        let seen: Option<i64> = tx
            .prepare_cached("SELECT seen_at FROM dedup WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
            .map_err(sql_error)?;
        if seen.is_some_and(|t| now - t < DEDUP_WINDOW_MS) {
            // Nothing was written yet: the duplicate's record is this transaction's only row.
            if let Some(record) = record {
                trace::insert_record(tx, record, WebhookOutcome::Duplicate, &[], now)?;
            }
            return Ok(Enqueued::Duplicate);
        }
    }
    for key in dedup_keys {
        tx.prepare_cached("INSERT OR REPLACE INTO dedup (key, seen_at) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![key, now]))
            .map_err(sql_error)?;
    }
    let mut decisions = Vec::with_capacity(items.len());
    for item in items {
        decisions.push(decide(tx, item, now).map_err(sql_error)?);
    }
    let silent: Vec<bool> = decisions
        .iter()
        .map(|d| matches!(d, Decision::Silent))
        .collect();
    let all_silent = !items.is_empty() && silent.iter().all(|s| *s);
    let webhook_id = match record {
        Some(record) => {
            let outcome = if all_silent {
                WebhookOutcome::Suppressed
            } else {
                WebhookOutcome::Routed
            };
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
        robots.push(item.robot.clone());
    }
    if all_silent {
        return Ok(Enqueued::Suppressed);
    }
    Ok(Enqueued::Queued { robots })
}

enum Decision {
    /// Send, saying how many repeats were kept silent since the last notification.
    Notify {
        folded: u64,
    },
    Silent,
}

/// Noise control per issue: a route notifies a robot about the same issue at most once per
/// `repeat_interval`; state changes and comments always pass and start the interval again.
/// Decided inside the enqueue transaction, so two webhooks for one issue cannot both pass.
/// A robot stays silent only when every route that sent the alert there says so.
fn decide(tx: &Connection, item: &Delivery, now: i64) -> rusqlite::Result<Decision> {
    let alert = &item.queued.alert;
    let Some(issue) = alert
        .issue_id
        .as_deref()
        .filter(|_| !item.repeat.is_empty())
    else {
        return Ok(Decision::Notify { folded: 0 });
    };
    let mut silent_everywhere = alert.is_repeatable();
    let mut folded = 0;
    for rule in &item.repeat {
        let row: Option<(i64, i64)> = tx
            .prepare_cached(
                "SELECT notified_at, suppressed FROM repeats WHERE route = ?1 AND robot = ?2 AND issue = ?3",
            )?
            .query_row(params![rule.route, item.robot, issue], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let inside = row.is_some_and(|(at, _)| now - at < rule.interval.as_millis() as i64);
        silent_everywhere &= inside;
        folded = folded.max(row.map_or(0, |(_, n)| n as u64));
    }
    if silent_everywhere {
        for rule in &item.repeat {
            tx.prepare_cached(
                "UPDATE repeats SET suppressed = suppressed + 1 WHERE route = ?1 AND robot = ?2 AND issue = ?3",
            )?
            .execute(params![rule.route, item.robot, issue])?;
        }
        return Ok(Decision::Silent);
    }
    for rule in &item.repeat {
        tx.prepare_cached(
            "INSERT INTO repeats (route, robot, issue, notified_at, suppressed) VALUES (?1, ?2, ?3, ?4, 0)
             ON CONFLICT (route, robot, issue) DO UPDATE SET notified_at = excluded.notified_at, suppressed = 0",
        )?
        .execute(params![rule.route, item.robot, issue, now])?;
    }
    Ok(Decision::Notify { folded })
}
