//! What became of a webhook: its record (written by the enqueue's transaction, in the same
//! statement as the alert rows), and the trace of an issue. Old records go in `prune`.

use super::super::columns::{SELECT_TRACE_ALERTS, TRACE_RECORDS, record_of, trace_alert_of};
use super::super::port::TraceStore;
use super::super::types::{RobotDecision, StoreError, TraceEntry, WebhookOutcome, WebhookRecord};
use super::PgOutbox;
use super::connection::Db;
use super::error::db;
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

/// The alert rows that link to a record, as columns: robots, payloads, levels.
#[derive(Default)]
pub(super) struct Alerts {
    pub(super) robots: Vec<String>,
    pub(super) payloads: Vec<String>,
    pub(super) levels: Vec<i32>,
}

/// Inserts the record and the alert rows (none for a duplicate, a suppressed or a dropped
/// webhook) that link to it, in one statement.
pub(super) async fn insert_record(
    c: &Db<impl GenericClient>,
    record: &WebhookRecord,
    outcome: WebhookOutcome,
    robots: &[RobotDecision],
    alerts: Alerts,
    now: i64,
) -> Result<(), StoreError> {
    let robots = serde_json::to_string(robots).map_err(|e| StoreError::Corrupt {
        id: 0,
        reason: e.to_string(),
    })?;
    let sql = "WITH w AS (
                   INSERT INTO webhooks (received_at, issue_id, short_id, resource, action, rule,
                                         request_id, outcome, robots, note)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                   RETURNING id
               )
               INSERT INTO alerts (robot, payload, level, received_at, webhook_id)
               SELECT t.robot, t.payload, t.level, $1, (SELECT id FROM w)
               FROM unnest($11::text[], $12::text[], $13::int4[]) AS t(robot, payload, level)";
    let params: [&(dyn ToSql + Sync); 13] = [
        &now,
        &record.webhook.issue_id,
        &record.webhook.short_id,
        &record.webhook.resource,
        &record.webhook.action,
        &record.webhook.rule,
        &record.webhook.request_id,
        &outcome.as_str(),
        &robots,
        &record.note,
        &alerts.robots,
        &alerts.payloads,
        &alerts.levels,
    ];
    c.execute(sql, &params).await?;
    Ok(())
}

#[async_trait]
impl TraceStore for PgOutbox {
    async fn trace(&self, issue: &str, limit: usize) -> Result<Vec<TraceEntry>, StoreError> {
        let conn = self.db().await?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = conn.query(TRACE_RECORDS, &[&issue, &limit]).await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows.iter().rev() {
            entries.push(record_of(row)?.entry()?);
        }
        let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
        let alerts =
            format!("{SELECT_TRACE_ALERTS} WHERE a.webhook_id = ANY($1::bigint[]) ORDER BY a.id");
        for row in conn.query(&alerts, &[&ids]).await? {
            let webhook: i64 = row.try_get(8).map_err(db)?;
            let alert = trace_alert_of(&row)?;
            if let Some(entry) = entries.iter_mut().find(|e| e.id == webhook) {
                entry.alerts.push(alert);
            }
        }
        Ok(entries)
    }
}
