//! The delivery engine: one sender per robot above the storage port. It holds the robot's
//! lease, folds waiting alerts into a message, keeps the rolling budget, the group window and
//! the throttle pause, sends, and records the outcome.
//!
//! Delivery is a loop of typed steps. The worker (`worker`) holds the lease, refreshes the
//! settings and dispatches to a sibling step — `markdown_step` (send the due message, build
//! the next batch, or wait) or `card_step` (one live card per issue) — each a function over
//! the shared [`step::SenderCtx`] and [`step::SenderState`] that returns a [`step::Step`].
//! A send is `send::prepare` (the attempt recorded and counted before the request goes out),
//! the step's call (an outcome), `send::finish` and `send::record` (outcome → sent, retry,
//! dead or pause), shared by both kinds of robot. Each sender logs inside a `sender{robot}`
//! span, each send inside a `send{delivery_id, issue}` span.

pub mod card_attempt;
pub mod card_digest;
mod card_quota;
pub mod card_step;
mod card_summary;
mod compose;
mod ding_step;
pub mod engine;
pub mod enrich;
mod escalate_reach;
mod escalate_step;
mod held_alerts;
pub mod housekeeping;
mod markdown_step;
mod pick;
mod quiet_step;
pub mod rate_limit;
pub mod retry;
mod send;
pub mod step;
mod storm_step;
pub mod tallies;
pub mod wakers;
pub mod worker;

pub use engine::Deps;
pub use storm_step::tally as storm_tally;
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
