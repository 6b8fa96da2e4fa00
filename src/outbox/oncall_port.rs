//! The storage port's part for on-call overrides: someone else on call for a while, seen by
//! every replica as soon as it is stored (`sqlite/oncall.rs`, `postgres/oncall.rs`).

use super::types::StoreError;
use crate::domain::oncall::Override;
use async_trait::async_trait;

#[async_trait]
pub trait OncallStore: Send + Sync + 'static {
    /// Stores an override (its `id` is ignored); returns it with its id.
    async fn add_override(&self, o: Override) -> Result<Override, StoreError>;

    /// The overrides that end after `ends_after`, oldest first.
    async fn overrides(&self, ends_after: i64) -> Result<Vec<Override>, StoreError>;

    /// Ends an override at `now` (one that ended already keeps its end); `None` when no
    /// override has that id.
    async fn end_override(&self, id: i64, now: i64) -> Result<Option<Override>, StoreError>;
}
