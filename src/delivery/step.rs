//! What every delivery step shares: what a step returns ([`Step`]), the robot's settings and
//! dependencies ([`SenderCtx`]), what the sender has learned ([`SenderState`]), and the turn a
//! step runs in ([`Turn`]: the held lease and the time, which bounds every wait).
//!
//! A step (`markdown_step`, `card_step`) is a function over these; the worker only holds the
//! lease, refreshes the settings and dispatches.

use super::rate_limit::RateLimiter;
use super::{Deps, LEASE_RENEW};
use crate::config::{RetryConfig, RobotConfig};
use crate::live::{ActiveConfig, Live};
use crate::outbox::Lease;
use crate::render::Renderer;
use std::sync::Arc;

/// Idle senders look at the store this often even without a wake-up (another process, such as
/// `outbox retry`, may have changed it).
pub const IDLE_POLL_MS: i64 = 2_000;

/// Open-API calls (creates and updates) per second and robot, at most.
pub const CARD_CALLS_PER_SECOND: i64 = 5;

/// When the next open-API call of a card robot may go.
#[derive(Debug, Default, Clone, Copy)]
pub struct CardPace {
    pub next_call_at: i64,
}

impl CardPace {
    pub fn called(&mut self, now: i64) {
        self.next_call_at = now + 1000 / CARD_CALLS_PER_SECOND;
    }
}

/// What the loop does next.
pub enum Step {
    Worked,
    WaitUntil { at: i64, wake_early: bool },
}

/// The robot's settings and what every sender shares, refreshed from `live` before each step.
pub struct SenderCtx {
    pub robot: RobotConfig,
    /// All the settings in force (routes, mute windows), refreshed with `robot`.
    pub active: Arc<ActiveConfig>,
    /// Where `active` comes from: read again where a reload during the step must count (the
    /// mute windows that hold picked alerts).
    pub live: Arc<Live>,
    /// The robot's open storm at this step (`storm_step::current`).
    pub storm: Option<crate::domain::storm::Storm>,
    pub deps: Deps,
    pub renderer: Arc<Renderer>,
    pub retry: RetryConfig,
}

/// What the sender has learned; reloaded from the store when it takes the lease.
pub struct SenderState {
    pub limiter: RateLimiter,
    /// When DingTalk last accepted a message: the group window runs from here.
    pub last_message_at: Option<i64>,
    /// When the last batch that could not take every alert it was given was built: alerts
    /// older than this that still wait did not fit in it, and are not held by the window.
    /// `None` after a message that left nothing behind.
    pub last_built_at: Option<i64>,
    /// Card robots: when the next open-API call may go.
    pub card_pace: CardPace,
    /// When holds (silences, mute windows) were last looked at for an end.
    pub quiet: Lookout,
    /// When due ladders were last looked for.
    pub ladders: Lookout,
    /// When the storm was last looked at.
    pub storms: StormState,
}

/// When the sender last looked at its storm, and the alerts its last minute's batches took:
/// with those still waiting, what arrived in about a minute (`storm_step::tell`).
#[derive(Default)]
pub struct StormState {
    pub looked: Lookout,
    batched: std::collections::VecDeque<(i64, i64)>,
}

impl StormState {
    /// A batch of `alerts` was built at `now`.
    pub fn batched(&mut self, now: i64, alerts: i64) {
        self.batched.push_back((now, alerts));
    }

    /// Alerts batched within the minute before `now`.
    pub fn batched_in_last_minute(&mut self, now: i64) -> i64 {
        while self
            .batched
            .front()
            .is_some_and(|(at, _)| now - at > 60_000)
        {
            self.batched.pop_front();
        }
        self.batched.iter().map(|(_, n)| n).sum()
    }
}

/// When the sender last looked for something it looks for now and then rather than at every
/// step: holds that ended, due escalation ladders, its storm's next summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct Lookout {
    looked_at: Option<i64>,
}

impl Lookout {
    /// Whether to look at `now`: not within `every_ms` of the last look. A look is noted.
    pub fn due(&mut self, now: i64, every_ms: i64) -> bool {
        if self.looked_at.is_some_and(|t| now - t < every_ms) {
            return false;
        }
        self.looked_at = Some(now);
        true
    }
}

/// The robot's lease while this process is its sender, and when it was last renewed.
#[derive(Clone)]
pub struct HeldLease {
    pub lease: Lease,
    pub renewed_at: i64,
}

/// One step's turn: the lease it writes under and the time it decides at.
pub struct Turn<'a> {
    pub held: &'a mut HeldLease,
    pub now: i64,
}

impl Turn<'_> {
    pub fn lease(&self) -> &Lease {
        &self.held.lease
    }

    /// Waits until `at`, never past the lease's renewal: a sender that waits keeps its robot.
    pub fn wait(&self, at: i64, wake_early: bool) -> Step {
        Step::WaitUntil {
            at: at.min(self.now + LEASE_RENEW.as_millis() as i64),
            wake_early,
        }
    }

    /// Nothing to do: wait for a wake-up, the next due retry or the idle poll.
    pub fn idle(&self, next_due: Option<i64>) -> Step {
        let next_due = next_due.unwrap_or(i64::MAX);
        self.wait(next_due.min(self.now + IDLE_POLL_MS), true)
    }
}
