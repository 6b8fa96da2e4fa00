//! Noise control per issue, decided inside the enqueue's transaction: a route notifies a
//! robot about the same issue at most once per `repeat_interval`. A repeat row is created
//! (empty) before it is read, then read `FOR UPDATE`, so two webhooks for one issue decide one
//! after the other, as they do in SQLite. Rows are locked in sorted order so two enqueues never
//! wait on each other in a cycle.

use super::super::types::{Delivery, StoreError};
use super::connection::Tx;
use super::error::db;
use std::collections::HashMap;

/// (route, robot, issue): the key of repeat state.
type RepeatKey = (String, String, String);

/// What the repeat rules say about one delivery.
pub(super) enum Decision {
    /// Send, saying how many repeats were kept silent since the last notification.
    Notify {
        folded: u64,
    },
    Silent,
}

/// The repeat decision of every delivery, in order; the same rules as the SQLite store: a
/// robot stays silent only when the alert is a repeatable kind and every route that sent it
/// there notified about this issue within its interval.
pub(super) async fn decide(
    tx: &Tx<'_>,
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
    tx: &Tx<'_>,
    keys: &[RepeatKey],
) -> Result<HashMap<RepeatKey, (Option<i64>, i64)>, StoreError> {
    let (routes, robots, issues) = columns(keys);
    let create = "INSERT INTO repeats (route, robot, issue, notified_at, suppressed)
                  SELECT route, robot, issue, NULL, 0
                  FROM unnest($1::text[], $2::text[], $3::text[]) AS t(route, robot, issue)
                  ORDER BY route, robot, issue
                  ON CONFLICT DO NOTHING";
    tx.execute(create, &[&routes, &robots, &issues]).await?;
    let lock = "SELECT r.route, r.robot, r.issue, r.notified_at, r.suppressed
                FROM repeats r
                JOIN unnest($1::text[], $2::text[], $3::text[]) AS t(route, robot, issue)
                  ON r.route = t.route AND r.robot = t.robot AND r.issue = t.issue
                ORDER BY r.route, r.robot, r.issue
                FOR UPDATE OF r";
    let rows = tx.query(lock, &[&routes, &robots, &issues]).await?;
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
    tx: &Tx<'_>,
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
    match now {
        Some(now) => tx.execute(&sql, &[&routes, &robots, &issues, &now]).await,
        None => tx.execute(&sql, &[&routes, &robots, &issues]).await,
    }?;
    Ok(())
}

fn columns(keys: &[RepeatKey]) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
    let routes = keys.iter().map(|k| k.0.as_str()).collect();
    let robots = keys.iter().map(|k| k.1.as_str()).collect();
    let issues = keys.iter().map(|k| k.2.as_str()).collect();
    (routes, robots, issues)
}
