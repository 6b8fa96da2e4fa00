//! The storage port's part for escalation ladders: one per (route, issue), started in the
//! enqueue's transaction (`Delivery::escalate`), climbed by the sender of the route's runner
//! robot, stopped by whoever acts. Every store implements it (`sqlite/escalation.rs`,
//! `postgres/escalation.rs`); the conformance suite runs it on both.
//!
//! Contract:
//! - A step is taken once: `move_ladder` is fenced by the runner's lease and moves the ladder
//!   only from the step the sender read, in the transaction that queues the step's message and
//!   writes its note. A crash before the commit leaves the step due; after it, taken.
//! - `act_on_issue` ends every open ladder of the issue at once; a step already due but not
//!   yet taken then finds the ladder ended and does nothing.

use super::types::{DueLadders, LadderLine, LadderNote, LadderRow, LadderStep, StoreError};
use async_trait::async_trait;

#[async_trait]
pub trait EscalationStore: Send + Sync + 'static {
    /// Someone acted on `issue` (`by` says how, for the trace): its open ladders end. Returns
    /// how many did.
    async fn act_on_issue(&self, issue: &str, by: &str, now: i64) -> Result<usize, StoreError>;

    /// Open ladders of `robot` whose next step is due at `now`, earliest first, at most `limit`.
    async fn due_ladders(&self, ask: DueLadders<'_>) -> Result<Vec<LadderRow>, StoreError>;

    /// Every open ladder, the next due first (`/ui/escalations`).
    async fn open_ladders(&self) -> Result<Vec<LadderRow>, StoreError>;

    /// Moves `ladder` as read (its step) under the runner's lease; false when it moved on or
    /// ended meanwhile, and then nothing is written.
    async fn move_ladder(&self, step: LadderStep<'_>) -> Result<bool, StoreError>;

    /// Adds a line to the ladder's story (what a DING got back).
    async fn note_ladder(&self, line: LadderLine<'_>) -> Result<(), StoreError>;

    /// The story of `issue`'s ladders (its id, or its short id in any case), oldest first.
    async fn ladder_notes(&self, issue: &str) -> Result<Vec<LadderNote>, StoreError>;
}
