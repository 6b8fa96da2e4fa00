//! The delivery engine: one sender per robot above the storage port. It holds the robot's
//! lease, folds waiting alerts into a message, keeps the rolling budget, the group window and
//! the throttle pause, sends, and records the outcome.

mod attempt;
pub mod card_attempt;
pub mod card_digest;
pub mod card_step;
mod compose;
pub mod engine;
pub mod enrich;
pub mod housekeeping;
pub mod rate_limit;
pub mod retry;
pub mod wakers;
pub mod worker;

pub use engine::Deps;
pub use wakers::Wakers;
pub use worker::RobotWorker;

use std::time::Duration;

/// How long a sender's lease lasts without renewal: a replica that died silently loses its
/// robots this long after its last renewal (takeover within 20 s with the poll below).
pub const LEASE_TTL: Duration = Duration::from_secs(12);
/// A sender renews its lease when this much has passed since it last did.
pub const LEASE_RENEW: Duration = Duration::from_secs(4);
/// A replica without the lease asks again this often.
pub const LEASE_POLL: Duration = Duration::from_secs(3);
