//! The storage port's part for the open API's monthly quota (`domain::quota`): a card robot's
//! calls per month, counted in the store so that every replica adds to and reads one number
//! (`sqlite/quota.rs`, `postgres/quota.rs`; the conformance suite runs both).
//!
//! Contract: `count_open_api_calls` is one atomic add — two replicas counting at once both
//! count, and each gets the total after its own add.

use super::types::{CallCount, StoreError};
use crate::domain::quota::MonthCalls;
use async_trait::async_trait;

#[async_trait]
pub trait QuotaStore: Send + Sync + 'static {
    /// Adds `calls` to `robot`'s count of `month` (`domain::quota::month_of`); returns the
    /// month's count after the add.
    async fn count_open_api_calls(&self, ask: CallCount<'_>) -> Result<MonthCalls, StoreError>;

    /// `robot`'s count of `month` (zero when it made no call).
    async fn open_api_calls(&self, robot: &str, month: &str) -> Result<MonthCalls, StoreError>;

    /// DingTalk answered `90020` (quota spent) for `robot` in `month` at `now`.
    async fn open_api_spent(&self, robot: &str, month: &str, now: i64) -> Result<(), StoreError>;
}
