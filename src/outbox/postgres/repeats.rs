//! The repeat rows of an enqueue's deliveries, read and written inside its transaction (what
//! they mean is `repeat_decision.rs`'s). A repeat row is created (empty) before it is read,
//! then read `FOR UPDATE`, so two webhooks for one issue decide one after the other, as they do
//! in SQLite. Rows are locked in sorted order so two enqueues never wait on each other in a
//! cycle.

use super::super::repeat_decision::{self, Decision, RepeatState, watched_issue};
use super::super::types::{Delivery, StoreError};
use super::connection::Tx;
use super::error::db;
use std::collections::HashMap;

/// (route, robot, issue): the key of repeat state.
type RepeatKey = (String, String, String);

/// The repeat decision of every delivery, in order (`repeat_decision::decide`), with the rows
/// of all of them locked first and written after.
pub(super) async fn decide(
    tx: &Tx<'_>,
    items: &[Delivery],
    now: i64,
) -> Result<Vec<Decision>, StoreError> {
    let keys_of = |item: &Delivery| -> Vec<RepeatKey> {
        let Some(issue) = watched_issue(item) else {
            return Vec::new();
        };
        let key = |route: &str| (route.to_owned(), item.robot.clone(), issue.to_owned());
        item.repeat.iter().map(|rule| key(&rule.route)).collect()
    };
    let mut keys: Vec<RepeatKey> = items.iter().flat_map(keys_of).collect();
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
        let item_keys = keys_of(item);
        let states = item_keys.iter().map(|key| state.get(key).copied());
        let decision = repeat_decision::decide(item, now, states.map(Option::unwrap_or_default));
        match decision {
            Decision::Silent => silenced.extend(item_keys),
            Decision::Notify { .. } => notified.extend(item_keys),
        }
        decisions.push(decision);
    }
    let count_silent = "UPDATE repeats SET suppressed = suppressed + 1";
    let restart = "UPDATE repeats SET notified_at = $4, suppressed = 0";
    update_repeat_rows(tx, count_silent, &silenced, None).await?;
    update_repeat_rows(tx, restart, &notified, Some(now)).await?;
    Ok(decisions)
}

/// Makes sure a row exists for every key, locks them all, and returns each key's state. A row
/// this call just created has no `notified_at`.
async fn lock_repeat_rows(
    tx: &Tx<'_>,
    keys: &[RepeatKey],
) -> Result<HashMap<RepeatKey, RepeatState>, StoreError> {
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
            let state = RepeatState {
                notified_at: row.try_get(3)?,
                suppressed: row.try_get(4)?,
            };
            Ok((key, state))
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
