//! One sender per robot: the loop, the robot's lease and the settings refreshed before every
//! step. What a step does lives in its own module (`markdown_step`, `card_step`); the worker
//! dispatches to it inside a span naming the robot.

use super::rate_limit::{RateLimiter, WINDOW_MS};
use super::step::{HeldLease, IDLE_POLL_MS, SenderCtx, SenderState, Step, Turn};
use super::{
    Deps, LEASE_POLL, LEASE_RENEW, LEASE_TTL, card_step, escalate_step, markdown_step, quiet_step,
    storm_step,
};
use crate::clock::now_ms;
use crate::live::Live;
use crate::outbox::{Lease, LeaseAsk, LeaseTerm, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, Span, error, info, info_span, warn};

pub struct RobotWorker {
    /// This robot's settings and the templates, refreshed from `ctx.live` before every step.
    ctx: SenderCtx,
    state: SenderState,
    wake: Arc<Notify>,
    /// The robot's lease while this process is its sender.
    held: Option<HeldLease>,
    /// The span every line of this sender is logged in: it names the robot.
    span: Span,
}

impl RobotWorker {
    /// `None` when `live` has no robot of that name.
    pub fn new(name: &str, live: Arc<Live>, deps: &Deps, wake: Arc<Notify>) -> Option<Self> {
        let active = live.get();
        let robot = active.settings.robot(name).cloned()?;
        let (renderer, retry) = (active.renderer.clone(), active.settings.retry.clone());
        let active_config = active.clone();
        let limiter = RateLimiter::new(robot.rate_per_minute, []);
        let span = info_span!("sender", robot = %robot.name);
        Some(Self {
            ctx: SenderCtx {
                robot,
                active: active_config,
                live,
                storm: None,
                deps: deps.clone(),
                renderer,
                retry,
            },
            state: SenderState {
                limiter,
                last_message_at: None,
                last_built_at: None,
                card_pace: Default::default(),
                quiet: Default::default(),
                ladders: Default::default(),
                storms: Default::default(),
            },
            wake,
            held: None,
            span,
        })
    }

    /// Picks up a reload; false when the robot is no longer configured.
    fn refresh(&mut self) -> bool {
        let active = self.ctx.live.get();
        let Some(robot) = active.settings.robot(&self.ctx.robot.name) else {
            return false;
        };
        self.state.limiter.set_per_minute(robot.rate_per_minute);
        self.ctx.robot = robot.clone();
        self.ctx.renderer = active.renderer.clone();
        self.ctx.retry = active.settings.retry.clone();
        self.ctx.active = active.clone();
        true
    }

    /// Runs until `shutdown`; a send in flight is finished, never cut off. Then the robot's
    /// lease is given up, so another replica takes the robot over at once.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let span = self.span.clone();
        async move {
            while !shutdown.is_cancelled() {
                let now = now_ms();
                match self.step(now).await {
                    Ok(Step::Worked) => {}
                    Ok(Step::WaitUntil { at, wake_early }) => {
                        let ms = (at - now).max(1) as u64;
                        let sleep = tokio::time::sleep(Duration::from_millis(ms));
                        tokio::select! {
                            _ = sleep => {}
                            _ = self.wake.notified(), if wake_early => {}
                            _ = shutdown.cancelled() => {}
                        }
                    }
                    Err(StoreError::LeaseLost { .. }) => {
                        warn!("another replica took this robot over; standing by");
                        self.held = None;
                    }
                    Err(e) => {
                        error!(error = %e, "outbox unavailable; retrying in 1 s");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = shutdown.cancelled() => {}
                        }
                    }
                }
            }
            if let Some(held) = self.held.take()
                && let Err(e) = self.ctx.deps.outbox.release_lease(&held.lease).await
            {
                warn!(error = %e, "could not release the robot's lease; it expires by itself");
            }
        }
        .instrument(span)
        .await
    }

    /// Sends until nothing is due or waiting (for `replay` and tests); waits on the budget and
    /// group window like the server does. Returns the number of messages attempted.
    pub async fn drain(&mut self, deadline: Duration) -> Result<usize, StoreError> {
        let span = self.span.clone();
        self.drain_in_span(deadline).instrument(span).await
    }

    async fn drain_in_span(&mut self, deadline: Duration) -> Result<usize, StoreError> {
        let end = now_ms() + deadline.as_millis() as i64;
        let mut attempted = 0;
        let outbox = self.ctx.deps.outbox.clone();
        let name = self.ctx.robot.name.clone();
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
                        && outbox.waiting_count(&name).await? == 0
                        && outbox.next_due_at(&name).await?.is_none();
                    if idle {
                        break Ok(attempted);
                    }
                    tokio::time::sleep(Duration::from_millis((at.min(end) - now).max(1) as u64))
                        .await;
                }
            }
        };
        if let Some(held) = self.held.take() {
            let _ = outbox.release_lease(&held.lease).await;
        }
        result
    }

    /// The robot's lease, renewed when due; `None` while another replica sends for it. A new
    /// lease reloads what the previous sender knew: budget history, group window.
    async fn lease(&mut self, now: i64) -> Result<Option<Lease>, StoreError> {
        let outbox = self.ctx.deps.outbox.clone();
        let ttl = LEASE_TTL.as_millis() as i64;
        if let Some(held) = self.held.as_mut() {
            if now - held.renewed_at < LEASE_RENEW.as_millis() as i64 {
                return Ok(Some(held.lease.clone()));
            }
            if outbox.renew_lease(&held.lease, now, ttl).await? {
                held.renewed_at = now;
                return Ok(Some(held.lease.clone()));
            }
            warn!("lost the robot's lease");
            self.held = None;
        }
        let name = self.ctx.robot.name.clone();
        let Some(lease) = outbox
            .acquire_lease(LeaseAsk {
                robot: &name,
                owner: &self.ctx.deps.owner,
                term: LeaseTerm { now, ttl_ms: ttl },
            })
            .await?
        else {
            return Ok(None);
        };
        self.state.limiter = RateLimiter::new(
            self.ctx.robot.rate_per_minute,
            outbox.attempts_since(&name, now - WINDOW_MS).await?,
        );
        self.state.last_message_at = outbox.last_sent_at(&name).await?;
        self.state.last_built_at = outbox.last_created_at(&name).await?;
        info!(fence = lease.fence, "sending for this robot");
        self.held = Some(HeldLease {
            lease: lease.clone(),
            renewed_at: now,
        });
        Ok(Some(lease))
    }

    /// One decision: what to send now, or until when to wait.
    async fn step(&mut self, now: i64) -> Result<Step, StoreError> {
        if !self.refresh() {
            // Removed by a reload: what is queued for it waits until it comes back.
            return Ok(Step::WaitUntil {
                at: now + IDLE_POLL_MS,
                wake_early: false,
            });
        }
        if self.lease(now).await?.is_none() {
            // Woken early by the holder's release (SIGTERM) or by new alerts: another replica
            // takes the robot over at once rather than at its next poll.
            return Ok(Step::WaitUntil {
                at: now + LEASE_POLL.as_millis() as i64,
                wake_early: true,
            });
        }
        let Some(held) = self.held.as_mut() else {
            return Ok(Step::Worked);
        };
        self.ctx.storm = storm_step::current(&self.ctx).await?;
        let mut turn = Turn { held, now };
        let (ctx, state) = (&self.ctx, &mut self.state);
        // Ended holds and due ladders are looked for now and then, not at every step.
        if state.quiet.due(now, quiet_step::SUMMARY_CHECK_MS)
            && quiet_step::summarize_one_ended(ctx, &turn).await?
        {
            return Ok(Step::Worked);
        }
        if state.ladders.due(now, escalate_step::LADDER_CHECK_MS)
            && escalate_step::climb(ctx, &turn).await?
        {
            return Ok(Step::Worked);
        }
        if storm_step::tell(ctx, &mut state.storms, &turn).await? {
            return Ok(Step::Worked);
        }
        if let Some(until) = ctx
            .deps
            .outbox
            .paused_until(&ctx.robot.name)
            .await?
            .filter(|u| *u > now)
        {
            return Ok(turn.wait(until, false));
        }
        if ctx.robot.card.is_some() {
            // A card robot: one live card per issue.
            card_step::step(ctx, state, &mut turn).await
        } else {
            markdown_step::step(ctx, state, &mut turn).await
        }
    }
}
