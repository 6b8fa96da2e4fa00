//! What became of a webhook: its record (inside the enqueue's transaction, in the same
//! statement as the alert rows where there are any), the trace of an issue, and forgetting
//! old records.

use super::super::types::{
    AlertFate, MessageState, RobotDecision, StoreError, TraceAlert, TraceEntry, WebhookOutcome,
    WebhookRecord,
};
use super::{PgOutbox, db};
use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

const COLUMNS: &str = "received_at, issue_id, short_id, resource, action, rule, request_id, \
                       outcome, robots, note";

/// The record's ten column values, in `COLUMNS` order.
struct Values {
    robots: String,
    outcome: &'static str,
}

fn values(outcome: WebhookOutcome, robots: &[RobotDecision]) -> Result<Values, StoreError> {
    let robots = serde_json::to_string(robots).map_err(|e| StoreError::Corrupt {
        id: 0,
        reason: e.to_string(),
    })?;
    Ok(Values {
        robots,
        outcome: outcome.as_str(),
    })
}

/// Inserts one record on its own (a duplicate, a suppressed or a dropped webhook).
pub(super) async fn insert_record(
    c: &impl GenericClient,
    record: &WebhookRecord,
    outcome: WebhookOutcome,
    robots: &[RobotDecision],
    now: i64,
) -> Result<(), StoreError> {
    let v = values(outcome, robots)?;
    let sql = format!(
        "INSERT INTO webhooks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    );
    let stmt = c.prepare_cached(&sql).await.map_err(db)?;
    let params: [&(dyn ToSql + Sync); 10] = [
        &now,
        &record.issue_id,
        &record.short_id,
        &record.resource,
        &record.action,
        &record.rule,
        &record.request_id,
        &v.outcome,
        &v.robots,
        &record.note,
    ];
    c.execute(&stmt, &params).await.map_err(db)?;
    Ok(())
}

/// The record and the alert rows (robots, payloads, levels) that link to it, in one statement.
pub(super) async fn insert_with_alerts(
    c: &impl GenericClient,
    record: &WebhookRecord,
    outcome: WebhookOutcome,
    robots: &[RobotDecision],
    alerts: (&Vec<String>, &Vec<String>, &Vec<i32>),
    now: i64,
) -> Result<(), StoreError> {
    let v = values(outcome, robots)?;
    let sql = format!(
        "WITH w AS (
             INSERT INTO webhooks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             RETURNING id
         )
         INSERT INTO alerts (robot, payload, level, received_at, webhook_id)
         SELECT t.robot, t.payload, t.level, $1, (SELECT id FROM w)
         FROM unnest($11::text[], $12::text[], $13::int4[]) AS t(robot, payload, level)"
    );
    let stmt = c.prepare_cached(&sql).await.map_err(db)?;
    let params: [&(dyn ToSql + Sync); 13] = [
        &now,
        &record.issue_id,
        &record.short_id,
        &record.resource,
        &record.action,
        &record.rule,
        &record.request_id,
        &v.outcome,
        &v.robots,
        &record.note,
        alerts.0,
        alerts.1,
        alerts.2,
    ];
    c.execute(&stmt, &params).await.map_err(db)?;
    Ok(())
}

impl PgOutbox {
    pub(super) async fn record_alone(
        &self,
        record: &WebhookRecord,
        outcome: WebhookOutcome,
        now: i64,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        insert_record(&client, record, outcome, &[], now).await
    }

    pub(super) async fn trace_of(
        &self,
        issue: &str,
        limit: usize,
    ) -> Result<Vec<TraceEntry>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT id, received_at, issue_id, short_id, resource, action, rule, request_id,
                        outcome, robots, note
                 FROM webhooks
                 WHERE issue_id = $1 OR short_id IN ($1, upper($1)) OR issue_id = (
                     SELECT issue_id FROM webhooks WHERE short_id IN ($1, upper($1))
                     AND issue_id IS NOT NULL ORDER BY id DESC LIMIT 1)
                 ORDER BY id DESC LIMIT $2",
            )
            .await
            .map_err(db)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client.query(&stmt, &[&issue, &limit]).await.map_err(db)?;
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
        let stmt = client
            .prepare_cached(
                "SELECT a.webhook_id, a.id, a.robot, a.message_id, m.state, m.attempts, m.sent_at,
                        m.last_error
                 FROM alerts a LEFT JOIN messages m ON m.id = a.message_id
                 WHERE a.webhook_id = ANY($1::bigint[]) ORDER BY a.id",
            )
            .await
            .map_err(db)?;
        for row in client.query(&stmt, &[&ids]).await.map_err(db)? {
            let webhook: i64 = row.try_get(0).map_err(db)?;
            let state: Option<String> = row.try_get(4).map_err(db)?;
            let last_error: Option<String> = row.try_get(7).map_err(db)?;
            let state = state.as_deref().and_then(MessageState::parse);
            let alert = TraceAlert {
                alert_id: row.try_get(1).map_err(db)?,
                robot: row.try_get(2).map_err(db)?,
                fate: AlertFate::of(state, last_error.as_deref()),
                message_id: row.try_get(3).map_err(db)?,
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

    /// Forgets records older than `old` that no alert row links to any more (`prune` deletes
    /// the alerts of old sent messages first; waiting, pending and dead ones keep theirs).
    pub(super) async fn prune_records(&self, old: i64) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM webhooks w WHERE w.received_at < $1
                 AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.webhook_id = w.id)",
                &[&old],
            )
            .await
            .map_err(db)?;
        Ok(())
    }
}
