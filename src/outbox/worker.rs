//! One worker per robot: fold waiting alerts into a message, respect the budget, send, record.

use super::rate_limit::{RateLimiter, WINDOW_MS};
use super::store::MessageRow;
use super::{QueuedAlert, Store, StoreError, now_ms, retry};
use crate::actions::ActionSigner;
use crate::config::{RetryConfig, RobotConfig};
use crate::dingtalk::{At, DingTalkClient, SendOutcome};
use crate::live::Live;
use crate::metrics::Metrics;
use crate::render::{Envelope, Renderer};
use crate::sentry::api::SentryApi;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

/// At most this many waiting alerts are considered for one message: a digest line takes
/// 100–200 bytes, so no more than this fit under DingTalk's 20000.
const BATCH_LIMIT: usize = 300;
/// Idle workers look at the store this often even without a wake-up (another process,
/// such as `outbox retry`, may have changed it).
const IDLE_POLL_MS: i64 = 2_000;

pub struct RobotWorker {
    live: Arc<Live>,
    /// This robot's settings and the templates, refreshed from `live` before every step.
    robot: RobotConfig,
    store: Store,
    renderer: Arc<Renderer>,
    client: DingTalkClient,
    retry: RetryConfig,
    limiter: RateLimiter,
    /// When DingTalk last accepted a message: the group window runs from here.
    last_message_at: Option<i64>,
    /// When the last message's alerts were chosen: alerts older than this that still wait
    /// did not fit in it, and are not held by the window.
    last_built_at: Option<i64>,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    api: Option<Arc<SentryApi>>,
    signer: Option<Arc<ActionSigner>>,
}

/// What every robot's worker shares.
#[derive(Clone)]
pub struct Deps {
    pub store: Store,
    pub client: DingTalkClient,
    pub metrics: Arc<Metrics>,
    /// Set when `SENTRY_API_TOKEN` and `SENTRY_ORG` are: issue and comment alerts are enriched.
    pub api: Option<Arc<SentryApi>>,
    /// Set when `PUBLIC_URL` is too: issue messages carry Resolve / Ignore actions.
    pub signer: Option<Arc<ActionSigner>>,
}

/// What the loop does next.
enum Step {
    Worked,
    WaitUntil { at: i64, wake_early: bool },
}

impl RobotWorker {
    /// `None` when `live` has no robot of that name.
    pub fn new(
        name: &str,
        live: Arc<Live>,
        deps: &Deps,
        wake: Arc<Notify>,
    ) -> Result<Option<Self>, StoreError> {
        let Deps {
            store,
            client,
            metrics,
            api,
            signer,
        } = deps.clone();
        let runtime = live.get();
        let Some(robot) = runtime.settings.robot(name).cloned() else {
            return Ok(None);
        };
        let (renderer, retry) = (runtime.renderer.clone(), runtime.settings.retry.clone());
        let now = now_ms();
        let limiter = RateLimiter::new(
            robot.rate_per_minute,
            store.attempts_since(&robot.name, now - WINDOW_MS)?,
        );
        let last_message_at = store.last_sent_at(&robot.name)?;
        let last_built_at = store.last_created_at(&robot.name)?;
        Ok(Some(Self {
            live,
            robot,
            store,
            renderer,
            client,
            retry,
            limiter,
            last_message_at,
            last_built_at,
            wake,
            metrics,
            api,
            signer,
        }))
    }

    pub fn name(&self) -> &str {
        &self.robot.name
    }

    /// Picks up a reload; false when the robot is no longer configured.
    fn refresh(&mut self) -> bool {
        let runtime = self.live.get();
        let Some(robot) = runtime.settings.robot(&self.robot.name) else {
            return false;
        };
        self.limiter.set_per_minute(robot.rate_per_minute);
        self.robot = robot.clone();
        self.renderer = runtime.renderer.clone();
        self.retry = runtime.settings.retry.clone();
        true
    }

    /// Runs until `shutdown`; a send in flight is finished, never cut off.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut last_prune = 0;
        while !shutdown.is_cancelled() {
            let now = now_ms();
            if now - last_prune > 3_600_000 {
                last_prune = now;
                if let Err(e) = self.store.prune(now, 7 * 24 * 3_600_000) {
                    warn!(robot = %self.robot.name, error = %e, "pruning the outbox failed");
                }
            }
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
                Err(e) => {
                    error!(robot = %self.robot.name, error = %e, "outbox unavailable; retrying in 1 s");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = shutdown.cancelled() => {}
                    }
                }
            }
        }
    }

    /// Sends until nothing is due or waiting (for `replay` and tests); waits on the budget and
    /// group window like the server does. Returns the number of messages attempted.
    pub async fn drain(&mut self, deadline: Duration) -> Result<usize, StoreError> {
        let end = now_ms() + deadline.as_millis() as i64;
        let mut attempted = 0;
        loop {
            let now = now_ms();
            if now >= end {
                return Ok(attempted);
            }
            match self.step(now).await? {
                Step::Worked => attempted += 1,
                Step::WaitUntil { at, wake_early } => {
                    let idle = wake_early
                        && self.store.waiting_count(&self.robot.name)? == 0
                        && self.store.next_due_at(&self.robot.name)?.is_none();
                    if idle {
                        return Ok(attempted);
                    }
                    tokio::time::sleep(Duration::from_millis((at.min(end) - now).max(1) as u64))
                        .await;
                }
            }
        }
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
        let name = self.robot.name.clone();
        if let Some(until) = self.store.paused_until(&name)?.filter(|u| *u > now) {
            return Ok(Step::WaitUntil {
                at: until,
                wake_early: false,
            });
        }
        let free_at = self.limiter.next_free_at(now);
        if let Some(msg) = self.store.due_message(&name, now)? {
            if free_at > now {
                return Ok(Step::WaitUntil {
                    at: free_at,
                    wake_early: false,
                });
            }
            self.attempt(msg).await?;
            return Ok(Step::Worked);
        }
        if let Some(oldest) = self.store.oldest_waiting(&name)? {
            // Grouping: alerts arriving within the window after a message wait for its end;
            // alerts left over from a full digest do not.
            let window = self.robot.group_window.as_millis() as i64;
            let leftovers = self.last_built_at.is_some_and(|built| oldest < built);
            let open_until = self
                .last_message_at
                .map(|t| t + window)
                .filter(|end| *end > now);
            if let (false, Some(open_until)) = (leftovers, open_until) {
                return Ok(Step::WaitUntil {
                    at: open_until,
                    wake_early: false,
                });
            }
            if free_at > now {
                return Ok(Step::WaitUntil {
                    at: free_at,
                    wake_early: false,
                });
            }
            let msg = self.build_message(now).await?;
            self.attempt(msg).await?;
            return Ok(Step::Worked);
        }
        let next_due = self.store.next_due_at(&name)?.unwrap_or(i64::MAX);
        Ok(Step::WaitUntil {
            at: next_due.min(now + IDLE_POLL_MS),
            wake_early: true,
        })
    }

    /// Chooses what the next message carries and stores it:
    /// - alerts held by the group window go together (a digest when several);
    /// - after a quiet spell the first alert goes alone, at once;
    /// - when more wait than the budget allows now, everything waiting is folded.
    async fn build_message(&mut self, now: i64) -> Result<MessageRow, StoreError> {
        let mut waiting = self.store.waiting_alerts(&self.robot.name, BATCH_LIMIT)?;
        let window = self.robot.group_window.as_millis() as i64;
        let held = window > 0
            && self
                .last_message_at
                .is_some_and(|t| waiting.iter().any(|w| w.received_at < t + window));
        let over_budget = waiting.len() > self.limiter.remaining(now);
        if !held && !over_budget {
            // Severity order is for digests; a lone alert goes in arrival order.
            let oldest = waiting
                .iter()
                .enumerate()
                .min_by_key(|(_, w)| w.id)
                .map_or(0, |(i, _)| i);
            waiting = vec![waiting.swap_remove(oldest)];
        }
        let mut alerts: Vec<_> = waiting.iter().map(|w| w.queued.alert.clone()).collect();
        if let Some(api) = &self.api {
            super::enrich::enrich_batch(api, &self.metrics, &mut alerts).await;
        }
        let mut env = Envelope {
            at: merged_mentions(waiting.iter().map(|w| &w.queued)),
            keyword: self.robot.keyword.clone(),
            msg_uuid: uuid::Uuid::new_v4().to_string(),
            buttons: match (&self.signer, alerts.as_slice()) {
                (Some(signer), [alert]) => signer.buttons_for(alert, self.renderer.lang()),
                _ => Vec::new(),
            },
        };
        let (message, taken) = match self.renderer.render_batch(&alerts, &env) {
            Ok(done) => done,
            Err(e) => {
                // A broken custom template must not lose alerts: say so and send the bare facts.
                error!(robot = %self.robot.name, error = %e, "rendering failed; sending a plain fallback");
                env.at = At::default();
                (
                    crate::render::plain_fallback(&alerts[0], &env, self.renderer.lang()),
                    1,
                )
            }
        };
        let ids: Vec<i64> = waiting.iter().take(taken).map(|w| w.id).collect();
        self.last_built_at = Some(now);
        let body = message.to_json();
        let id =
            self.store
                .create_message(&self.robot.name, &ids, &body, &message.msg_uuid, now)?;
        Ok(MessageRow {
            id,
            robot: self.robot.name.clone(),
            msg_uuid: message.msg_uuid,
            body,
            alert_count: ids.len() as i64,
            state: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            sent_at: None,
            last_error: None,
        })
    }

    async fn attempt(&mut self, msg: MessageRow) -> Result<(), StoreError> {
        let started = now_ms();
        self.store.record_attempt(msg.id, started)?;
        let attempt = msg.attempts + 1;
        let outcome = match &self.robot.webhook {
            Some(webhook) => {
                self.client
                    .send(webhook, self.robot.secret.as_ref(), &msg.body)
                    .await
            }
            None => {
                info!(robot = %self.robot.name, delivery_id = msg.id, message = %msg.body, "no DINGTALK_WEBHOOK set; message written to the log");
                SendOutcome::Sent
            }
        };
        let now = now_ms();
        // DingTalk counts a message when it receives it, somewhere between `started` and now;
        // counting it at the later end keeps every rolling minute of DingTalk's within budget.
        self.limiter.record(now);
        self.store.record_attempt_end(msg.id, now)?;
        let elapsed_ms = now - started;
        let labels = [self.robot.name.as_str(), outcome.label()];
        self.metrics.deliveries.with_label_values(&labels).inc();
        if self.robot.webhook.is_some() {
            let seconds = elapsed_ms as f64 / 1000.0;
            self.metrics
                .request_duration
                .with_label_values(&[self.robot.name.as_str()])
                .observe(seconds);
        }
        let robot = self.robot.name.as_str();
        info!(
            robot,
            delivery_id = msg.id,
            attempt,
            alerts = msg.alert_count,
            outcome = outcome.label(),
            elapsed_ms,
            "delivery attempt"
        );
        match outcome {
            SendOutcome::Sent => {
                self.store.mark_sent(msg.id, now)?;
                self.last_message_at = Some(now);
            }
            SendOutcome::Retryable(reason) if retry::expired(&self.retry, msg.created_at, now) => {
                error!(robot, delivery_id = msg.id, attempt, %reason, "giving up: message older than max_age");
                self.store.mark_dead(
                    msg.id,
                    &format!("expired after {attempt} attempts: {reason}"),
                )?;
            }
            SendOutcome::Retryable(reason) => {
                let next = now + retry::backoff_ms(&self.retry, attempt);
                warn!(robot, delivery_id = msg.id, attempt, %reason, retry_in_ms = next - now, "send failed; will retry");
                self.store.mark_retry(msg.id, next, &reason)?;
            }
            SendOutcome::Throttled(reason) => {
                self.metrics
                    .throttle_pauses
                    .with_label_values(&[robot])
                    .inc();
                let until = now + self.robot.throttle_pause.as_millis() as i64;
                warn!(robot, delivery_id = msg.id, %reason, pause_ms = until - now, "DingTalk throttled the robot; pausing it");
                self.store.set_paused_until(robot, until)?;
                self.store.mark_retry(msg.id, until, &reason)?;
            }
            SendOutcome::Permanent(reason) => {
                error!(robot, delivery_id = msg.id, attempt, %reason, "DingTalk refused the message; it is dead (see `outbox list --state dead`)");
                self.store.mark_dead(msg.id, &reason)?;
            }
        }
        Ok(())
    }
}

/// When several alerts share a message, everyone any of them mentions is mentioned once.
fn merged_mentions<'a>(queued: impl Iterator<Item = &'a QueuedAlert>) -> At {
    let mut at = At::default();
    for q in queued {
        crate::routing::merge(&mut at, &q.at);
    }
    at
}
