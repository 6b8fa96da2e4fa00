//! The open API's monthly call counts (`quota_port.rs`) in the SQLite file.

use super::{SqliteOutbox, optional_row};
use crate::domain::quota::MonthCalls;
use crate::outbox::QuotaStore;
use crate::outbox::quota_sql::{COUNT, READ, SPENT, month_calls_of};
use crate::outbox::types::{CallCount, StoreError};
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl QuotaStore for SqliteOutbox {
    async fn count_open_api_calls(&self, ask: CallCount<'_>) -> Result<MonthCalls, StoreError> {
        let (robot, month, calls, now) = (ask.robot, ask.month, ask.calls, ask.now);
        let (robot, month) = (robot.to_owned(), month.to_owned());
        self.write_sql(move |c| {
            c.query_row(COUNT, params![robot, month, calls, now], |r| {
                month_calls_of(r)
            })
        })
        .await
    }

    async fn open_api_calls(&self, robot: &str, month: &str) -> Result<MonthCalls, StoreError> {
        let (robot, month) = (robot.to_owned(), month.to_owned());
        self.read_sql(move |c| {
            let found = optional_row(c, READ, params![robot, month], |r| month_calls_of(r))?;
            Ok(found.unwrap_or_default())
        })
        .await
    }

    async fn open_api_spent(&self, robot: &str, month: &str, now: i64) -> Result<(), StoreError> {
        let (robot, month) = (robot.to_owned(), month.to_owned());
        self.write_sql(move |c| c.execute(SPENT, params![robot, month, now]))
            .await?;
        Ok(())
    }
}
