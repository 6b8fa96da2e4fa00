//! The storage port's part for the `/ui` status page: the chart's counts per robot, kind and
//! 10-minute bucket (`domain::tally`), added to by every replica, and which issues a message
//! carried (`sqlite/console.rs`, `postgres/console.rs`; the conformance suite runs both).
//!
//! Contract: `add_tallies` adds each count to its row atomically — replicas flushing at once
//! both count; `tallies` returns the rows of buckets at or after `since`.

use super::types::StoreError;
use crate::domain::tally::Tally;
use async_trait::async_trait;

/// An issue a message carried: what `/ui` shows beside a dead letter or a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageIssue {
    pub title: String,
    pub issue_id: Option<String>,
    pub short_id: Option<String>,
}

impl MessageIssue {
    /// What `/ui/trace?issue=` finds the issue by: its short id, else its id.
    pub fn trace_key(&self) -> Option<&str> {
        self.short_id.as_deref().or(self.issue_id.as_deref())
    }
}

#[async_trait]
pub trait ConsoleStore: Send + Sync + 'static {
    /// Adds each tally's `n` to its (robot, kind, bucket) row, in one transaction.
    async fn add_tallies(&self, tallies: &[Tally]) -> Result<(), StoreError>;

    /// Every row of a bucket at or after `since`, by robot, kind and bucket.
    async fn tallies(&self, since: i64) -> Result<Vec<Tally>, StoreError>;

    /// Forgets the rows of buckets before `before`; how many went.
    async fn prune_tallies(&self, before: i64) -> Result<u64, StoreError>;

    /// The issues of message `id`'s alerts, in the order they were queued, each once, at most
    /// `limit`; alerts that cannot be read are left out.
    async fn message_issues(&self, id: i64, limit: usize) -> Result<Vec<MessageIssue>, StoreError>;
}
