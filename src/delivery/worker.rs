//! One sender per robot: hold the robot's lease, fold waiting alerts into a message, respect
//! the budget and the group window, send, record.

use super::rate_limit::{RateLimiter, WINDOW_MS};
use super::{Deps, LEASE_POLL, LEASE_RENEW, LEASE_TTL};
use crate::clock::now_ms;
use crate::config::{RetryConfig, RobotConfig};
use crate::live::Live;
use crate::outbox::{Lease, LeaseTerm, StoreError};
use crate::render::Renderer;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

/// Idle senders look at the store this often even without a wake-up (another process, such as
/// `outbox retry`, may have changed it).
const IDLE_POLL_MS: i64 = 2_000;

pub struct RobotWorker {
    pub(super) live: Arc<Live>,
    /// This robot's settings and the templates, refreshed from `live` before every step.
    pub(super) robot: RobotConfig,
    pub(super) deps: Deps,
    pub(super) renderer: Arc<Renderer>,
    pub(super) retry: RetryConfig,
    pub(super) limiter: RateLimiter,
    /// When DingTalk last accepted a message: the group window runs from here.
    pub(super) last_message_at: Option<i64>,
    /// When the last message's alerts were chosen: alerts older than this that still wait
    /// did not fit in it, and are not held by the window.
    pub(super) last_built_at: Option<i64>,
    wake: Arc<Notify>,
    /// The robot's lease while this process is its sender, and when it was last renewed.
    pub(super) lease: Option<(Lease, i64)>,
    /// Card robots: when the next open-API call may go.
    pub(super) card_pace: super::card_step::CardPace,
}

/// What the loop does next.
pub(super) enum Step {
    Worked,
    WaitUntil { at: i64, wake_early: bool },
}

impl RobotWorker {
    /// `None` when `live` has no robot of that name.
    pub fn new(name: &str, live: Arc<Live>, deps: &Deps, wake: Arc<Notify>) -> Option<Self> {
        let active = live.get();
        let robot = active.settings.robot(name).cloned()?;
        let (renderer, retry) = (active.renderer.clone(), active.settings.retry.clone());
        let limiter = RateLimiter::new(robot.rate_per_minute, []);
        Some(Self {
            live,
            robot,
            deps: deps.clone(),
            renderer,
            retry,
            limiter,
            last_message_at: None,
            last_built_at: None,
            wake,
            lease: None,
            card_pace: Default::default(),
        })
    }

    pub fn name(&self) -> &str {
        &self.robot.name
    }

    /// Picks up a reload; false when the robot is no longer configured.
    fn refresh(&mut self) -> bool {
        let active = self.live.get();
        let Some(robot) = active.settings.robot(&self.robot.name) else {
            return false;
        };
        self.limiter.set_per_minute(robot.rate_per_minute);
        self.robot = robot.clone();
        self.renderer = active.renderer.clone();
        self.retry = active.settings.retry.clone();
        true
    }

    /// Runs until `shutdown`; a send in flight is finished, never cut off. Then the robot's
    /// lease is given up, so another replica takes the robot over at once.
    pub async fn run(mut self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            let now = now_ms();
            match self.step(now).await {
                Ok(Step::Worked) => {}
                Ok(Step::WaitUntil { at, wake_early }) => {
                    let sleep = tokio::time::sleep(Duration::from_millis((at - now).max(1) as u64));
                    tokio::select! {
                        _ = sleep => {}
                        _ = self.wake.notified(), if wake_early => {}
                        _ = shutdown.cancelled() => {}
                    }
                }
                Err(StoreError::LeaseLost { .. }) => {
                    warn!(robot = %self.robot.name, "another replica took this robot over; standing by");
                    self.lease = None;
                }
                Err(e) => {
                    error!(robot = %self.robot.name, error = %e, "outbox unavailable; retrying in 1 s");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = shutdown.cancelled() => {}
                    }
                }
            }
        }
        if let Some((lease, _)) = self.lease.take()
            && let Err(e) = self.deps.outbox.release_lease(&lease).await
        {
            warn!(robot = %self.robot.name, error = %e, "could not release the robot's lease; it expires by itself");
        }
    }

    /// Sends until nothing is due or waiting (for `replay` and tests); waits on the budget and
    /// group window like the server does. Returns the number of messages attempted.
    pub async fn drain(&mut self, deadline: Duration) -> Result<usize, StoreError> {
        let end = now_ms() + deadline.as_millis() as i64;
        let mut attempted = 0;
        let outbox = self.deps.outbox.clone();
        let result = loop {
            let now = now_ms();
            if now >= end {
                break Ok(attempted);
            }
            match self.step(now).await {
                Err(e) => break Err(e),
                Ok(Step::Worked) => attempted += 1,
                Ok(Step::WaitUntil { at, wake_early }) => {
                    let idle = wake_early
                        && outbox.waiting_count(&self.robot.name).await? == 0
                        && outbox.next_due_at(&self.robot.name).await?.is_none();
                    if idle {
                        break Ok(attempted);
                    }
                    tokio::time::sleep(Duration::from_millis((at.min(end) - now).max(1) as u64))
                        .await;
                }
            }
        };
        if let Some((lease, _)) = self.lease.take() {
            let _ = outbox.release_lease(&lease).await;
        }
        result
    }

    /// The robot's lease, renewed when due; `None` while another replica sends for it. A new
    /// lease reloads what the previous sender knew: budget history, group window.
    async fn lease(&mut self, now: i64) -> Result<Option<Lease>, StoreError> {
        let outbox = self.deps.outbox.clone();
        let ttl = LEASE_TTL.as_millis() as i64;
        if let Some((lease, renewed)) = self.lease.clone() {
            if now - renewed < LEASE_RENEW.as_millis() as i64 {
                return Ok(Some(lease));
            }
            if outbox.renew_lease(&lease, now, ttl).await? {
                self.lease = Some((lease.clone(), now));
                return Ok(Some(lease));
            }
            warn!(robot = %self.robot.name, "lost the robot's lease");
            self.lease = None;
        }
        let name = self.robot.name.clone();
        let Some(lease) = outbox
            .acquire_lease(&name, &self.deps.owner, LeaseTerm { now, ttl_ms: ttl })
            .await?
        else {
            return Ok(None);
        };
        self.limiter = RateLimiter::new(
            self.robot.rate_per_minute,
            outbox.attempts_since(&name, now - WINDOW_MS).await?,
        );
        self.last_message_at = outbox.last_sent_at(&name).await?;
        self.last_built_at = outbox.last_created_at(&name).await?;
        info!(robot = %name, fence = lease.fence, "sending for this robot");
        self.lease = Some((lease.clone(), now));
        Ok(Some(lease))
    }

    /// Renews the lease just before a send. A send takes up to the request timeout (10 s);
    /// started on a lease last renewed up to `LEASE_RENEW` earlier, it could outlive the lease
    /// (12 s), and another replica would take the robot over and send while this send is still
    /// in flight, unseen by the new sender's budget. Renewed here, the lease outlasts the send.
    pub(super) async fn renew_before_send(&mut self, lease: &Lease) -> Result<(), StoreError> {
        let now = now_ms();
        let ttl = LEASE_TTL.as_millis() as i64;
        if self.deps.outbox.renew_lease(lease, now, ttl).await? {
            self.lease = Some((lease.clone(), now));
            return Ok(());
        }
        Err(StoreError::LeaseLost {
            robot: lease.robot.clone(),
        })
    }

    /// Whether a "Send Test Notification" waits: it goes at once, never held by the window.
    async fn test_notification_waits(&self, robot: &str) -> Result<bool, StoreError> {
        let waiting = self.deps.outbox.waiting_alerts(robot, 300).await?;
        Ok(waiting
            .alerts
            .iter()
            .any(|w| w.queued.alert.is_test_notification()))
    }

    /// One decision: what to send now, or until when to wait.
    pub(super) async fn step(&mut self, now: i64) -> Result<Step, StoreError> {
        if !self.refresh() {
            // Removed by a reload: what is queued for it waits until it comes back.
            return Ok(Step::WaitUntil {
                at: now + IDLE_POLL_MS,
                wake_early: false,
            });
        }
        let Some(lease) = self.lease(now).await? else {
            // Woken early by the holder's release (SIGTERM) or by new alerts: another replica
            // takes the robot over at once rather than at its next poll.
            return Ok(Step::WaitUntil {
                at: now + LEASE_POLL.as_millis() as i64,
                wake_early: true,
            });
        };
        // Never sleep past the lease's renewal: a sender that waits keeps its robot.
        let renew_by = now + LEASE_RENEW.as_millis() as i64;
        let wait = |at: i64, wake_early: bool| Step::WaitUntil {
            at: at.min(renew_by),
            wake_early,
        };
        let outbox = self.deps.outbox.clone();
        let name = self.robot.name.clone();
        if let Some(until) = outbox.paused_until(&name).await?.filter(|u| *u > now) {
            return Ok(wait(until, false));
        }
        if self.robot.card.is_some() {
            // A card robot: one live card per issue (`card_step.rs`).
            return self.card_step(&lease, now).await;
        }
        let free_at = self.limiter.next_free_at(now);
        if let Some(msg) = outbox.due_message(&name, now).await? {
            if free_at > now {
                return Ok(wait(free_at, false));
            }
            self.attempt(&lease, msg).await?;
            return Ok(Step::Worked);
        }
        if let Some(oldest) = outbox.oldest_waiting(&name).await? {
            // Grouping: alerts arriving within the window after a message wait for its end;
            // alerts left over from a full batch do not.
            let window = self.robot.group_window.as_millis() as i64;
            let leftovers = self.last_built_at.is_some_and(|built| oldest < built);
            let open_until = self
                .last_message_at
                .map(|t| t + window)
                .filter(|end| *end > now);
            if let (false, Some(open_until)) = (leftovers, open_until)
                && !self.test_notification_waits(&name).await?
            {
                return Ok(wait(open_until, false));
            }
            if free_at > now {
                return Ok(wait(free_at, false));
            }
            let Some(msg) = self.build_message(&lease, now).await? else {
                return Ok(Step::Worked);
            };
            self.attempt(&lease, msg).await?;
            return Ok(Step::Worked);
        }
        let next_due = outbox.next_due_at(&name).await?.unwrap_or(i64::MAX);
        Ok(wait(next_due.min(now + IDLE_POLL_MS), true))
    }
}
