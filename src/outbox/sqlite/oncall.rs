//! On-call overrides (`oncall_port.rs`) in the SQLite file.

use super::{SqliteOutbox, optional_row};
use crate::domain::oncall::Override;
use crate::outbox::OncallStore;
use crate::outbox::oncall_sql::{
    END_OVERRIDE, INSERT_OVERRIDE, OVERRIDE_BY_ID, OVERRIDES_ENDING_AFTER, override_of,
};
use crate::outbox::types::StoreError;
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl OncallStore for SqliteOutbox {
    async fn add_override(&self, o: Override) -> Result<Override, StoreError> {
        self.write_sql(move |c| {
            let values = params![o.rota, o.person, o.starts_at, o.ends_at, o.created_by];
            let id: i64 = c.query_row(INSERT_OVERRIDE, values, |r| r.get(0))?;
            Ok(Override { id, ..o })
        })
        .await
    }

    async fn overrides(&self, ends_after: i64) -> Result<Vec<Override>, StoreError> {
        self.read_sql(move |c| {
            let mut stmt = c.prepare_cached(OVERRIDES_ENDING_AFTER)?;
            let rows = stmt.query_map([ends_after], |r| override_of(r))?;
            rows.collect()
        })
        .await
    }

    async fn end_override(&self, id: i64, now: i64) -> Result<Option<Override>, StoreError> {
        self.write_sql(move |c| {
            c.execute(END_OVERRIDE, params![now, id])?;
            optional_row(c, OVERRIDE_BY_ID, [id], |r| override_of(r))
        })
        .await
    }
}
