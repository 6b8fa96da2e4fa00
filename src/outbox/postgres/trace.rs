//! What became of a webhook: its record (written by the enqueue's transaction, in the same
//! statement as the alert rows), and the trace of an issue. Old records go in `prune`.

use super::super::port::TraceStore;
use super::super::types::{
    AlertFate, MessageState, RobotDecision, StoreError, TraceAlert, TraceEntry, WebhookOutcome,
    WebhookRecord,
};
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
        &record.issue_id,
        &record.short_id,
        &record.resource,
        &record.action,
        &record.rule,
        &record.request_id,
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
        let records = "SELECT id, received_at, issue_id, short_id, resource, action, rule,
                              request_id, outcome, robots, note
                       FROM webhooks
                       WHERE issue_id = $1 OR short_id IN ($1, upper($1)) OR issue_id = (
                           SELECT issue_id FROM webhooks WHERE short_id IN ($1, upper($1))
                           AND issue_id IS NOT NULL ORDER BY id DESC LIMIT 1)
                       ORDER BY id DESC LIMIT $2";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = conn.query(records, &[&issue, &limit]).await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows.iter().rev() {
            let id: i64 = row.try_get(0).map_err(db)?;
            let outcome: String = row.try_get(8).map_err(db)?;
            let robots: String = row.try_get(9).map_err(db)?;
            entries.push(TraceEntry {
                id,
                received_at: row.try_get(1).map_err(db)?,
                issue_id: row.try_get(2).map_err(db)?,
                short_id: row.try_get(3).map_err(db)?,
                resource: row.try_get(4).map_err(db)?,
                action: row.try_get(5).map_err(db)?,
                rule: row.try_get(6).map_err(db)?,
                request_id: row.try_get(7).map_err(db)?,
                outcome: WebhookOutcome::parse(&outcome).ok_or_else(|| StoreError::Corrupt {
                    id,
                    reason: format!("unknown webhook outcome `{outcome}`"),
                })?,
                robots: serde_json::from_str(&robots).map_err(|e| StoreError::Corrupt {
                    id,
                    reason: format!("webhook record robots: {e}"),
                })?,
                note: row.try_get(10).map_err(db)?,
                alerts: Vec::new(),
            });
        }
        let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
        let alerts = "SELECT a.webhook_id, a.id, a.robot, a.message_id, m.state, m.attempts,
                             m.sent_at, m.last_error, a.held_by
                      FROM alerts a LEFT JOIN messages m ON m.id = a.message_id
                      WHERE a.webhook_id = ANY($1::bigint[]) ORDER BY a.id";
        for row in conn.query(alerts, &[&ids]).await? {
            let webhook: i64 = row.try_get(0).map_err(db)?;
            let state: Option<String> = row.try_get(4).map_err(db)?;
            let last_error: Option<String> = row.try_get(7).map_err(db)?;
            let held_by: Option<String> = row.try_get(8).map_err(db)?;
            let state = state.as_deref().and_then(MessageState::parse);
            let alert = TraceAlert {
                alert_id: row.try_get(1).map_err(db)?,
                robot: row.try_get(2).map_err(db)?,
                fate: AlertFate::of(state, last_error.as_deref(), held_by.as_deref()),
                message_id: row.try_get(3).map_err(db)?,
                held_by,
                attempts: row.try_get::<_, Option<i64>>(5).map_err(db)?.unwrap_or(0),
                sent_at: row.try_get(6).map_err(db)?,
                last_error,
            };
            if let Some(entry) = entries.iter_mut().find(|e| e.id == webhook) {
                entry.alerts.push(alert);
            }
        }
        Ok(entries)
    }
}
