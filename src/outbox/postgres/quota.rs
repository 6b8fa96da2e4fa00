//! The open API's monthly call counts (`quota_port.rs`) in the shared database: every replica
//! adds to the same row.

use super::super::QuotaStore;
use super::super::quota_sql::{COUNT, READ, SPENT, month_calls_of};
use super::super::types::{CallCount, StoreError};
use super::PgOutbox;
use crate::domain::quota::MonthCalls;
use async_trait::async_trait;

#[async_trait]
impl QuotaStore for PgOutbox {
    async fn count_open_api_calls(&self, ask: CallCount<'_>) -> Result<MonthCalls, StoreError> {
        let (robot, month, calls, now) = (ask.robot, ask.month, ask.calls, ask.now);
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
            [&robot, &month, &calls, &now];
        let row = self.db().await?.query_one(COUNT, &params).await?;
        month_calls_of(&row)
    }

    async fn open_api_calls(&self, robot: &str, month: &str) -> Result<MonthCalls, StoreError> {
        let row = self.db().await?.query_opt(READ, &[&robot, &month]).await?;
        Ok(row
            .as_ref()
            .map(month_calls_of)
            .transpose()?
            .unwrap_or_default())
    }

    async fn open_api_spent(&self, robot: &str, month: &str, now: i64) -> Result<(), StoreError> {
        self.db()
            .await?
            .execute(SPENT, &[&robot, &month, &now])
            .await?;
        Ok(())
    }
}
