//! The storage port's part for storms (`domain::storm`): at most one open storm per robot,
//! its summaries, and its alerts — held under `storm:ID` until a summary takes them, and
//! found again, in a message or not, for the tally and the storm page. Every store implements
//! it (`sqlite/storm.rs`, `postgres/storm.rs`); the conformance suite runs it on both.
//!
//! Contract:
//! - `open_storm` and `storm_message` are fenced by the robot's lease.
//! - A summary is ONE transaction: the message, the alerts it takes, the storm's
//!   `last_message_at` (and its end): across `kill -9` or a hand-over, each summary — the end
//!   above all — is made once.

use super::types::{HeldPage, Lease, StoreError, StormMessage, WaitingAlerts};
use crate::domain::storm::Storm;
use async_trait::async_trait;

#[async_trait]
pub trait StormStore: Send + Sync + 'static {
    /// The lease robot's open storm, or a new one starting at `now`.
    async fn open_storm(&self, lease: &Lease, now: i64) -> Result<Storm, StoreError>;

    /// The open storm of `robot`, if it is in one.
    async fn current_storm(&self, robot: &str) -> Result<Option<Storm>, StoreError>;

    async fn storm(&self, id: i64) -> Result<Option<Storm>, StoreError>;

    /// The newest storms first, at most `limit`.
    async fn storms(&self, limit: usize) -> Result<Vec<Storm>, StoreError>;

    /// Makes a summary of the lease robot's storm: the message takes `alert_ids`; the storm
    /// notes when, what was on top, and ends when `end`. Returns the message's id (0 without
    /// a message: a card robot's storm card took the alerts).
    async fn storm_message(&self, lease: &Lease, m: StormMessage<'_>) -> Result<i64, StoreError>;

    /// When the newest alert held by `hold` arrived (the storm's last alert), if any.
    async fn storm_newest(&self, hold: &str) -> Result<Option<i64>, StoreError>;

    /// All alerts ever held by `page.hold` (in a message or not), oldest first, after alert
    /// id `page.after`, at most `page.limit`; `page.robot` is not used.
    async fn storm_alerts(&self, page: HeldPage<'_>) -> Result<WaitingAlerts, StoreError>;
}
