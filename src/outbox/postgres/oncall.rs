//! On-call overrides (`oncall_port.rs`) in the shared database.

use super::super::OncallStore;
use super::super::oncall_sql::{
    END_OVERRIDE, INSERT_OVERRIDE, OVERRIDE_BY_ID, OVERRIDES_ENDING_AFTER, override_of,
};
use super::super::types::StoreError;
use super::PgOutbox;
use super::error::db;
use crate::domain::oncall::Override;
use async_trait::async_trait;

#[async_trait]
impl OncallStore for PgOutbox {
    async fn add_override(&self, o: Override) -> Result<Override, StoreError> {
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
            [&o.rota, &o.person, &o.starts_at, &o.ends_at, &o.created_by];
        let inserted = self.db().await?.query_one(INSERT_OVERRIDE, &params).await?;
        let id: i64 = inserted.try_get(0).map_err(db)?;
        Ok(Override { id, ..o })
    }

    async fn overrides(&self, ends_after: i64) -> Result<Vec<Override>, StoreError> {
        let conn = self.db().await?;
        conn.query_as(OVERRIDES_ENDING_AFTER, &[&ends_after], override_of)
            .await
    }

    async fn end_override(&self, id: i64, now: i64) -> Result<Option<Override>, StoreError> {
        let conn = self.db().await?;
        conn.execute(END_OVERRIDE, &[&now, &id]).await?;
        conn.query_opt_as(OVERRIDE_BY_ID, &[&id], override_of).await
    }
}
