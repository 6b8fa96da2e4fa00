//! What became of a webhook: its record (written inside the enqueue's transaction, or alone
//! for a webhook that queued nothing) and the trace of an issue. Old records go in `prune`.

use super::{SqliteOutbox, sql_error};
use crate::outbox::port::TraceStore;
use crate::outbox::types::{
    AlertFate, MessageState, RobotDecision, StoreError, TraceAlert, TraceEntry, WebhookOutcome,
    WebhookRecord,
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
            record.issue_id,
            record.short_id,
            record.resource,
            record.action,
            record.rule,
            record.request_id,
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
            let mut stmt = c
                .prepare_cached(
                    "SELECT id, received_at, issue_id, short_id, resource, action, rule, request_id,
                            outcome, robots, note
                     FROM webhooks
                         WHERE issue_id = ?1 OR short_id IN (?1, upper(?1)) OR issue_id = (
                             SELECT issue_id FROM webhooks WHERE short_id IN (?1, upper(?1))
                             AND issue_id IS NOT NULL ORDER BY id DESC LIMIT 1)
                     ORDER BY id DESC LIMIT ?2",
                )
                .map_err(sql_error)?;
            let rows = stmt
                .query_map(params![issue, limit as i64], |r| {
                    Ok((
                        TraceEntry {
                            id: r.get(0)?,
                            received_at: r.get(1)?,
                            issue_id: r.get(2)?,
                            short_id: r.get(3)?,
                            resource: r.get(4)?,
                            action: r.get(5)?,
                            rule: r.get(6)?,
                            request_id: r.get(7)?,
                            outcome: WebhookOutcome::Routed,
                            robots: Vec::new(),
                            note: r.get(10)?,
                            alerts: Vec::new(),
                        },
                        r.get::<_, String>(8)?,
                        r.get::<_, String>(9)?,
                    ))
                })
                .map_err(sql_error)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(sql_error)?;
            let mut entries = Vec::with_capacity(rows.len());
            for (mut entry, outcome, robots) in rows.into_iter().rev() {
                entry.outcome = outcome_of(entry.id, &outcome)?;
                entry.robots = robots_of(entry.id, &robots)?;
                entry.alerts = alerts_of(c, entry.id).map_err(sql_error)?;
                entries.push(entry);
            }
            Ok(entries)
        })
        .await
    }
}

fn outcome_of(id: i64, s: &str) -> Result<WebhookOutcome, StoreError> {
    WebhookOutcome::parse(s).ok_or_else(|| StoreError::Corrupt {
        id,
        reason: format!("unknown webhook outcome `{s}`"),
    })
}

fn robots_of(id: i64, json: &str) -> Result<Vec<RobotDecision>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        id,
        reason: format!("webhook record robots: {e}"),
    })
}

fn alerts_of(c: &Connection, webhook_id: i64) -> rusqlite::Result<Vec<TraceAlert>> {
    let mut stmt = c.prepare_cached(
        "SELECT a.id, a.robot, a.message_id, m.state, m.attempts, m.sent_at, m.last_error,
                a.held_by
         FROM alerts a LEFT JOIN messages m ON m.id = a.message_id
         WHERE a.webhook_id = ?1 ORDER BY a.id",
    )?;
    let rows = stmt.query_map([webhook_id], |r| {
        let state: Option<String> = r.get(3)?;
        let last_error: Option<String> = r.get(6)?;
        let held_by: Option<String> = r.get(7)?;
        let state = state.as_deref().and_then(MessageState::parse);
        Ok(TraceAlert {
            alert_id: r.get(0)?,
            robot: r.get(1)?,
            fate: AlertFate::of(state, last_error.as_deref(), held_by.as_deref()),
            message_id: r.get(2)?,
            held_by,
            attempts: r.get::<_, Option<i64>>(4)?.unwrap_or(0),
            sent_at: r.get(5)?,
            last_error,
        })
    })?;
    rows.collect()
}
