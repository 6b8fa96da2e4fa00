//! Storms (`storm_port.rs`) in the shared database.

use super::super::StormStore;
use super::super::storm_sql::{
    ALERTS, NEWEST, NOTE_MESSAGE, OPEN, by_id_sql, current_sql, newest_sql, storm_of, top_text,
};
use super::super::types::{HeldPage, Lease, StoreError, StormMessage, WaitingAlerts};
use super::PgOutbox;
use super::connection::Params;
use super::lease::fenced;
use super::sender::{alert_rows, insert_message};
use crate::domain::storm::Storm;
use async_trait::async_trait;

#[async_trait]
impl StormStore for PgOutbox {
    async fn open_storm(&self, lease: &Lease, now: i64) -> Result<Storm, StoreError> {
        let mut conn = self.db().await?;
        let tx = fenced(&mut conn, lease).await?;
        tx.execute(OPEN, &[&lease.robot, &now]).await?;
        let row = tx.query_one(&current_sql(), &[&lease.robot]).await?;
        let storm = storm_of(&row)?;
        tx.commit().await?;
        Ok(storm)
    }

    async fn current_storm(&self, robot: &str) -> Result<Option<Storm>, StoreError> {
        let conn = self.db().await?;
        conn.query_opt_as(&current_sql(), &[&robot], storm_of).await
    }

    async fn storm(&self, id: i64) -> Result<Option<Storm>, StoreError> {
        self.db()
            .await?
            .query_opt_as(&by_id_sql(), &[&id], storm_of)
            .await
    }

    async fn storms(&self, limit: usize) -> Result<Vec<Storm>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db()
            .await?
            .query_as(&newest_sql(), &[&limit], storm_of)
            .await
    }

    async fn storm_message(&self, lease: &Lease, m: StormMessage<'_>) -> Result<i64, StoreError> {
        let mut conn = self.db().await?;
        let tx = fenced(&mut conn, lease).await?;
        let id = match m.message {
            Some(message) => insert_message(&tx, &lease.robot, m.alert_ids, message).await?,
            None => 0,
        };
        let (now, top) = (m.now, top_text(m.top));
        let ended_at = m.end.then_some(now);
        let params: Params = &[&now, &top, &ended_at, &m.storm, &lease.robot];
        tx.execute(NOTE_MESSAGE, params).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn storm_newest(&self, hold: &str) -> Result<Option<i64>, StoreError> {
        let row = self.db().await?.query_opt(NEWEST, &[&hold]).await?;
        row.map(|r| r.try_get(0).map_err(super::error::db))
            .transpose()
    }

    async fn storm_alerts(&self, page: HeldPage<'_>) -> Result<WaitingAlerts, StoreError> {
        let limit = i64::try_from(page.limit).unwrap_or(i64::MAX);
        let params: Params = &[&page.hold, &page.after, &limit];
        let rows = self.db().await?.query(ALERTS, params).await?;
        alert_rows(rows)
    }
}
