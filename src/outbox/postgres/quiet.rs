//! Silences and held alerts (`quiet_port.rs`) in the shared database.

use super::super::QuietStore;
use super::super::quiet_sql::{
    COUNT_HELD, END_SILENCE, HELD_ALERTS, HOLDS, INSERT_SILENCE, SILENCE_BY_ID,
    SILENCES_ENDING_AFTER, matchers_text, silence_columns,
};
use super::super::types::{HeldPage, Lease, NewSilence, StoreError, WaitingAlerts};
use super::PgOutbox;
use super::error::db;
use super::lease::fenced;
use super::sender::alert_rows;
use crate::domain::silence::{Hold, Silence};
use async_trait::async_trait;

/// A row of the silence selects, its matchers read back.
fn silence_of(row: &tokio_postgres::Row) -> Result<Silence, StoreError> {
    silence_columns(row)?.into_silence()
}

#[async_trait]
impl QuietStore for PgOutbox {
    async fn add_silence(&self, silence: NewSilence) -> Result<Silence, StoreError> {
        let text = matchers_text(&silence.matchers)?;
        let conn = self.db().await?;
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] = [
            &text,
            &silence.starts_at,
            &silence.ends_at,
            &silence.comment,
            &silence.created_by,
        ];
        let id: i64 = conn
            .query_one(INSERT_SILENCE, &params)
            .await?
            .try_get(0)
            .map_err(db)?;
        let row = conn.query_one(SILENCE_BY_ID, &[&id]).await?;
        silence_columns(&row)?.into_silence()
    }

    async fn silences(&self, ends_after: i64) -> Result<Vec<Silence>, StoreError> {
        let conn = self.db().await?;
        conn.query_as(SILENCES_ENDING_AFTER, &[&ends_after], silence_of)
            .await
    }

    async fn silence(&self, id: i64) -> Result<Option<Silence>, StoreError> {
        let conn = self.db().await?;
        conn.query_opt_as(SILENCE_BY_ID, &[&id], silence_of).await
    }

    async fn end_silence(&self, id: i64, now: i64) -> Result<Option<Silence>, StoreError> {
        let conn = self.db().await?;
        conn.execute(END_SILENCE, &[&now, &id]).await?;
        conn.query_opt_as(SILENCE_BY_ID, &[&id], silence_of).await
    }

    async fn hold_alerts(&self, lease: &Lease, hold: &str, ids: &[i64]) -> Result<(), StoreError> {
        let mut conn = self.db().await?;
        let tx = fenced(&mut conn, lease).await?;
        let sql = "UPDATE alerts SET held_by = $1
                   WHERE id = ANY($2) AND robot = $3 AND message_id IS NULL AND held_by IS NULL";
        let held = tx.execute(sql, &[&hold, &ids, &lease.robot]).await?;
        if let Some(Hold::Silence(silence)) = Hold::parse(hold) {
            let held = i64::try_from(held).unwrap_or(i64::MAX);
            tx.execute(COUNT_HELD, &[&held, &silence]).await?;
        }
        tx.commit().await
    }

    async fn holds(&self, robot: &str) -> Result<Vec<String>, StoreError> {
        let rows = self.db().await?.query(HOLDS, &[&robot]).await?;
        rows.iter().map(|r| r.try_get(0).map_err(db)).collect()
    }

    async fn held_alerts(&self, page: HeldPage<'_>) -> Result<WaitingAlerts, StoreError> {
        let limit = i64::try_from(page.limit).unwrap_or(i64::MAX);
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
            [&page.robot, &page.hold, &page.after, &limit];
        let rows = self.db().await?.query(HELD_ALERTS, &params).await?;
        alert_rows(rows)
    }
}
