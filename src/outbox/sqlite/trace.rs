//! What became of a webhook: its record (written inside the enqueue's transaction, or alone
//! for a webhook that queued nothing) and the trace of an issue. Old records go in `prune`.

use super::{SqliteOutbox, sql_error};
use crate::outbox::columns::{SELECT_TRACE_ALERTS, TRACE_RECORDS, record_of, trace_alert_of};
use crate::outbox::port::TraceStore;
use crate::outbox::types::{
    RobotDecision, StoreError, TraceAlert, TraceEntry, WebhookOutcome, WebhookRecord,
};
use async_trait::async_trait;
use rusqlite::{Connection, params};

/// Inserts one record; returns its id, which the webhook's alert rows carry.
pub(super) fn insert_record(
    c: &Connection,
    record: &WebhookRecord,
    outcome: WebhookOutcome,
    robots: &[RobotDecision],
    now: i64,
) -> Result<i64, StoreError> {
    let robots = serde_json::to_string(robots).map_err(|e| StoreError::Corrupt {
        id: 0,
        reason: e.to_string(),
    })?;
    c.prepare_cached(
        "INSERT INTO webhooks (received_at, issue_id, short_id, resource, action, rule,
                               request_id, outcome, robots, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut s| {
        s.execute(params![
            now,
            record.webhook.issue_id,
            record.webhook.short_id,
            record.webhook.resource,
            record.webhook.action,
            record.webhook.rule,
            record.webhook.request_id,
            outcome.as_str(),
            robots,
            record.note,
        ])
    })
    .map_err(sql_error)?;
    Ok(c.last_insert_rowid())
}

#[async_trait]
impl TraceStore for SqliteOutbox {
    async fn trace(&self, issue: &str, limit: usize) -> Result<Vec<TraceEntry>, StoreError> {
        let issue = issue.to_owned();
        self.read(move |c| {
            let records = c
                .prepare_cached(TRACE_RECORDS)
                .and_then(|mut stmt| {
                    stmt.query_map(params![issue, limit as i64], |r| record_of(r))?
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .map_err(sql_error)?;
            let mut entries = Vec::with_capacity(records.len());
            for record in records.into_iter().rev() {
                let mut entry = record.entry()?;
                entry.alerts = alerts_of(c, entry.id).map_err(sql_error)?;
                entries.push(entry);
            }
            Ok(entries)
        })
        .await
    }
}

fn alerts_of(c: &Connection, webhook_id: i64) -> rusqlite::Result<Vec<TraceAlert>> {
    let sql = format!("{SELECT_TRACE_ALERTS} WHERE a.webhook_id = ?1 ORDER BY a.id");
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([webhook_id], |r| trace_alert_of(r))?;
    rows.collect()
}
