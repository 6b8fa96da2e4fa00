//! The webhook edge: dedup keys, repeat decisions, alert rows and the trace record in one
//! transaction.
//!
//! Races between replicas are settled by row locks, not by reading first:
//! - a dedup key is claimed by `INSERT … ON CONFLICT DO UPDATE … WHERE` the old sighting left
//!   the window; a concurrent enqueue with the same key waits on the unique index until the
//!   first commits, then finds the key fresh and is the `Duplicate`;
//! - a repeat row is created (empty) before it is read, then read `FOR UPDATE`, so two
//!   webhooks for one issue decide one after the other, as they do in SQLite.
//!
//! Rows are locked in sorted order so two enqueues never wait on each other in a cycle.

use super::super::types::{
    DEDUP_WINDOW_MS, Delivery, Enqueued, StoreError, WebhookOutcome, WebhookRecord,
};
use super::{PgOutbox, db, trace};
use std::collections::HashMap;

/// (route, robot, issue): the key of repeat state.
type RepeatKey = (String, String, String);

/// What the repeat rules say about one delivery.
enum Decision {
    /// Send, saying how many repeats were kept silent since the last notification.
    Notify {
        folded: u64,
    },
    Silent,
}

impl PgOutbox {
    pub(super) async fn enqueue_tx(
        &self,
        dedup_keys: Vec<String>,
        items: Vec<Delivery>,
        record: Option<WebhookRecord>,
        now: i64,
    ) -> Result<Enqueued, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        if !claim_dedup_keys(&tx, dedup_keys, now).await? {
            // Rolls back the keys this call did claim; the duplicate's record is stored alone.
            drop(tx);
            if let Some(record) = &record {
                trace::insert_record(&client, record, WebhookOutcome::Duplicate, &[], now).await?;
            }
            return Ok(Enqueued::Duplicate);
        }
        let decisions = decide_repeats(&tx, &items, now).await?;
        let silent: Vec<bool> = decisions
            .iter()
            .map(|d| matches!(d, Decision::Silent))
            .collect();
        let all_silent = !items.is_empty() && silent.iter().all(|s| *s);
        let traced = record.map(|r| {
            let robots = r.decisions(&items, &silent);
            let outcome = if all_silent {
                WebhookOutcome::Suppressed
            } else {
                WebhookOutcome::Routed
            };
            (r, outcome, robots)
        });
        let (mut robots, mut payloads, mut levels) = (Vec::new(), Vec::new(), Vec::new());
        for (mut item, decision) in items.into_iter().zip(decisions) {
            let Decision::Notify { folded } = decision else {
                continue;
            };
            item.queued.alert.suppressed = folded;
            let payload = serde_json::to_string(&item.queued).map_err(|e| StoreError::Corrupt {
                id: 0,
                reason: e.to_string(),
            })?;
            payloads.push(payload);
            levels.push(item.queued.alert.level as i32);
            robots.push(item.robot);
        }
        match (&traced, robots.is_empty()) {
            // One statement either way: the record rides in the alerts' insert.
            (Some((record, outcome, decided)), false) => {
                let alerts = (&robots, &payloads, &levels);
                trace::insert_with_alerts(&tx, record, *outcome, decided, alerts, now).await?;
            }
            (Some((record, outcome, decided)), true) => {
                trace::insert_record(&tx, record, *outcome, decided, now).await?;
            }
            (None, false) => {
                let insert = tx
                    .prepare_cached(
                        "INSERT INTO alerts (robot, payload, level, received_at)
                         SELECT robot, payload, level, $4
                         FROM unnest($1::text[], $2::text[], $3::int4[]) AS t(robot, payload, level)",
                    )
                    .await
                    .map_err(db)?;
                tx.execute(&insert, &[&robots, &payloads, &levels, &now])
                    .await
                    .map_err(db)?;
            }
            (None, true) => {}
        }
        tx.commit().await.map_err(db)?;
        self.wakeups.announce(&robots);
        if all_silent {
            return Ok(Enqueued::Suppressed);
        }
        Ok(Enqueued::Queued { robots })
    }
}

/// Records every key as seen at `now`; false (and the caller rolls back) when any of them was
/// already seen within the dedup window.
async fn claim_dedup_keys(
    tx: &deadpool_postgres::Transaction<'_>,
    mut keys: Vec<String>,
    now: i64,
) -> Result<bool, StoreError> {
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return Ok(true);
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO dedup (key, seen_at)
             SELECT key, $2 FROM unnest($1::text[]) AS key ORDER BY key
             ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at
             WHERE dedup.seen_at <= $3
             RETURNING key",
        )
        .await
        .map_err(db)?;
    let window_start = now - DEDUP_WINDOW_MS;
    let claimed = tx
        .query(&stmt, &[&keys, &now, &window_start])
        .await
        .map_err(db)?;
    Ok(claimed.len() == keys.len())
}

/// The repeat decision of every delivery, in order; the same rules as the SQLite store: a
/// robot stays silent only when the alert is a repeatable kind and every route that sent it
/// there notified about this issue within its interval.
async fn decide_repeats(
    tx: &deadpool_postgres::Transaction<'_>,
    items: &[Delivery],
    now: i64,
) -> Result<Vec<Decision>, StoreError> {
    let mut keys: Vec<RepeatKey> = items
        .iter()
        .filter_map(|item| Some((item, item.queued.alert.issue_id.as_deref()?)))
        .flat_map(|(item, issue)| {
            item.repeat
                .iter()
                .map(move |rule| (rule.route.clone(), item.robot.clone(), issue.to_owned()))
        })
        .collect();
    if keys.is_empty() {
        return Ok(items
            .iter()
            .map(|_| Decision::Notify { folded: 0 })
            .collect());
    }
    keys.sort();
    keys.dedup();
    let state = lock_repeat_rows(tx, &keys).await?;
    let mut silenced = Vec::new();
    let mut notified = Vec::new();
    let mut decisions = Vec::with_capacity(items.len());
    for item in items {
        let alert = &item.queued.alert;
        let Some(issue) = alert
            .issue_id
            .as_deref()
            .filter(|_| !item.repeat.is_empty())
        else {
            decisions.push(Decision::Notify { folded: 0 });
            continue;
        };
        let mut silent_everywhere = alert.is_repeatable();
        let mut folded = 0u64;
        let mut item_keys = Vec::with_capacity(item.repeat.len());
        for rule in &item.repeat {
            let key = (rule.route.clone(), item.robot.clone(), issue.to_owned());
            let (notified_at, suppressed) = state.get(&key).copied().unwrap_or((None, 0));
            let interval = i64::try_from(rule.interval.as_millis()).unwrap_or(i64::MAX);
            silent_everywhere &= notified_at.is_some_and(|at| now - at < interval);
            folded = folded.max(u64::try_from(suppressed).unwrap_or(0));
            item_keys.push(key);
        }
        if silent_everywhere {
            silenced.extend(item_keys);
            decisions.push(Decision::Silent);
        } else {
            notified.extend(item_keys);
            decisions.push(Decision::Notify { folded });
        }
    }
    let count_silent = "UPDATE repeats SET suppressed = suppressed + 1";
    let restart = "UPDATE repeats SET notified_at = $4, suppressed = 0";
    update_repeat_rows(tx, count_silent, &silenced, None).await?;
    update_repeat_rows(tx, restart, &notified, Some(now)).await?;
    Ok(decisions)
}

/// Makes sure a row exists for every key, locks them all, and returns (notified_at,
/// suppressed) per key. A row this call just created has no `notified_at`.
async fn lock_repeat_rows(
    tx: &deadpool_postgres::Transaction<'_>,
    keys: &[RepeatKey],
) -> Result<HashMap<RepeatKey, (Option<i64>, i64)>, StoreError> {
    let (routes, robots, issues) = columns(keys);
    let create = tx
        .prepare_cached(
            "INSERT INTO repeats (route, robot, issue, notified_at, suppressed)
             SELECT route, robot, issue, NULL, 0
             FROM unnest($1::text[], $2::text[], $3::text[]) AS t(route, robot, issue)
             ORDER BY route, robot, issue
             ON CONFLICT DO NOTHING",
        )
        .await
        .map_err(db)?;
    tx.execute(&create, &[&routes, &robots, &issues])
        .await
        .map_err(db)?;
    let lock = tx
        .prepare_cached(
            "SELECT r.route, r.robot, r.issue, r.notified_at, r.suppressed
             FROM repeats r
             JOIN unnest($1::text[], $2::text[], $3::text[]) AS t(route, robot, issue)
               ON r.route = t.route AND r.robot = t.robot AND r.issue = t.issue
             ORDER BY r.route, r.robot, r.issue
             FOR UPDATE OF r",
        )
        .await
        .map_err(db)?;
    let rows = tx
        .query(&lock, &[&routes, &robots, &issues])
        .await
        .map_err(db)?;
    rows.iter()
        .map(|row| {
            let key = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            Ok((key, (row.try_get(3)?, row.try_get(4)?)))
        })
        .collect::<Result<_, tokio_postgres::Error>>()
        .map_err(db)
}

/// Runs `set` (an `UPDATE repeats SET …`, `$4` = `now` when given) on the rows of `keys`.
async fn update_repeat_rows(
    tx: &deadpool_postgres::Transaction<'_>,
    set: &str,
    keys: &[RepeatKey],
    now: Option<i64>,
) -> Result<(), StoreError> {
    if keys.is_empty() {
        return Ok(());
    }
    let (routes, robots, issues) = columns(keys);
    let sql = format!(
        "{set} FROM unnest($1::text[], $2::text[], $3::text[]) AS t(route, robot, issue)
         WHERE repeats.route = t.route AND repeats.robot = t.robot AND repeats.issue = t.issue"
    );
    let stmt = tx.prepare_cached(&sql).await.map_err(db)?;
    match now {
        Some(now) => tx.execute(&stmt, &[&routes, &robots, &issues, &now]).await,
        None => tx.execute(&stmt, &[&routes, &robots, &issues]).await,
    }
    .map_err(db)?;
    Ok(())
}

fn columns(keys: &[RepeatKey]) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
    let routes = keys.iter().map(|k| k.0.as_str()).collect();
    let robots = keys.iter().map(|k| k.1.as_str()).collect();
    let issues = keys.iter().map(|k| k.2.as_str()).collect();
    (routes, robots, issues)
}
