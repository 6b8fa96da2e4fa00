//! The storage port's part for quiet on purpose: silences, and the alerts a silence or a mute
//! window holds back. Beside `port.rs`; every store implements it (`sqlite/quiet.rs`,
//! `postgres/quiet.rs`) and the conformance suite runs it on both.
//!
//! Contract:
//! - A silence is visible to every process on the store as soon as `add_silence` returns.
//! - A held alert has no message and is not waiting: the sender does not pick it. It keeps its
//!   hold until a message takes it — the end summary, made with `SenderStore::create_message`
//!   from `held_alerts`, in one transaction, so the summary comes once even across `kill -9`.

use super::types::{HeldPage, Lease, NewSilence, StoreError, WaitingAlerts};
use crate::domain::silence::Silence;
use async_trait::async_trait;

#[async_trait]
pub trait QuietStore: Send + Sync + 'static {
    /// Stores a silence; returns it with its id.
    async fn add_silence(&self, silence: NewSilence) -> Result<Silence, StoreError>;

    /// The silences that end at or after `ends_after` (so: active ones, and those ended
    /// since), newest first.
    async fn silences(&self, ends_after: i64) -> Result<Vec<Silence>, StoreError>;

    async fn silence(&self, id: i64) -> Result<Option<Silence>, StoreError>;

    /// Ends a silence at `now` (one that ended already keeps its end); `None` when no silence
    /// has that id.
    async fn end_silence(&self, id: i64, now: i64) -> Result<Option<Silence>, StoreError>;

    /// Holds waiting alerts of the lease's robot under `hold` (`Hold::key`), and counts them
    /// in the silence's `held` when the hold is a silence. Alerts no longer waiting are left
    /// as they are. Fenced by the lease.
    async fn hold_alerts(&self, lease: &Lease, hold: &str, ids: &[i64]) -> Result<(), StoreError>;

    /// The holds (`Hold::key`) that hold alerts of `robot` now.
    async fn holds(&self, robot: &str) -> Result<Vec<String>, StoreError>;

    /// Alerts of `page.robot` held by `page.hold`, oldest first, after alert id `page.after`,
    /// at most `page.limit`.
    async fn held_alerts(&self, page: HeldPage<'_>) -> Result<WaitingAlerts, StoreError>;
}
