//! Sending a stored message, in three typed parts shared by the markdown and card steps:
//! [`prepare`] records the attempt durably (counted against the budget and committed before
//! the request goes out), the step's own call gives a [`SendOutcome`], [`finish`] notes when it
//! ended and [`record`] turns the outcome into the message's next state.

use super::retry;
use super::step::{SenderCtx, SenderState, Turn};
use crate::clock::now_ms;
use crate::dingtalk::SendOutcome;
use crate::domain::tally::TallyKind;
use crate::outbox::{Lease, MessageRow, Retry, StoreError};
use tracing::{error, info, warn};

/// An attempt that is on record and may go out.
pub struct PreparedSend {
    pub msg_id: i64,
    /// This attempt's number (1 for the first).
    pub attempt: i64,
    pub created_at: i64,
    pub started: i64,
    /// Whether it takes from the budget: a new message in the chat.
    pub counted: bool,
}

/// What the log says about each outcome of one kind of send.
pub struct OutcomeTexts {
    pub expired: &'static str,
    pub retry: &'static str,
    pub throttled: &'static str,
    pub refused: &'static str,
}

/// Records the attempt; when it takes from the budget, renews the lease and counts it first.
/// `None`: the message was withdrawn since it was read (an act on its issue ended the ladder
/// that queued it) and must not go.
pub async fn prepare(
    ctx: &SenderCtx,
    turn: &mut Turn<'_>,
    msg: &MessageRow,
    counted: bool,
) -> Result<Option<PreparedSend>, StoreError> {
    let outbox = &ctx.deps.outbox;
    let started = now_ms();
    if !outbox.record_attempt(turn.lease(), msg.id, started).await? {
        info!("withdrawn before its send: not sent");
        return Ok(None);
    }
    if counted {
        renew_before_send(ctx, turn).await?;
        // Counted, committed, before the request goes out: an attempt cut off by `kill -9` or
        // a lost lease may well have reached DingTalk, and the next sender's budget must see it.
        outbox.count_attempt(turn.lease(), msg.id, started).await?;
    }
    Ok(Some(PreparedSend {
        msg_id: msg.id,
        attempt: msg.attempts + 1,
        created_at: msg.created_at,
        started,
        counted,
    }))
}

/// Renews the lease just before a counted send. A send takes up to the request timeout
/// (10 s); started on a lease last renewed up to `LEASE_RENEW` earlier, it could outlive the
/// lease (12 s), and another replica would take the robot over and send while this send is
/// still in flight, unseen by the new sender's budget. Renewed here, the lease outlasts it.
async fn renew_before_send(ctx: &SenderCtx, turn: &mut Turn<'_>) -> Result<(), StoreError> {
    let now = now_ms();
    let ttl = super::LEASE_TTL.as_millis() as i64;
    let lease: &Lease = turn.lease();
    if ctx.deps.outbox.renew_lease(lease, now, ttl).await? {
        turn.held.renewed_at = now;
        return Ok(());
    }
    Err(StoreError::LeaseLost {
        robot: lease.robot.clone(),
    })
}

/// Notes when the call ended (the budget, the attempt's end, the metrics); returns that time.
/// DingTalk counts a message when it receives it, somewhere between `started` and now;
/// counting it at the later end keeps every rolling minute of DingTalk's within budget.
pub async fn finish(
    ctx: &SenderCtx,
    state: &mut SenderState,
    turn: &Turn<'_>,
    sent: &PreparedSend,
    label: &str,
    timed: bool,
) -> Result<i64, StoreError> {
    let now = now_ms();
    if sent.counted {
        state.limiter.record(now);
    }
    ctx.deps
        .outbox
        .record_attempt_end(turn.lease(), sent.msg_id, now)
        .await?;
    let robot = ctx.robot.name.as_str();
    let metrics = &ctx.deps.metrics;
    metrics.deliveries.with_label_values(&[robot, label]).inc();
    if timed {
        metrics
            .request_duration
            .with_label_values(&[robot])
            .observe((now - sent.started) as f64 / 1000.0);
    }
    Ok(now)
}

/// The message's next state after `outcome`: sent, retried with backoff, paused with the robot
/// when DingTalk throttles it, or dead when retrying cannot help or it is older than max_age.
pub async fn record(
    ctx: &SenderCtx,
    state: &mut SenderState,
    turn: &Turn<'_>,
    sent: &PreparedSend,
    outcome: SendOutcome,
    now: i64,
    texts: &OutcomeTexts,
) -> Result<(), StoreError> {
    let outbox = &ctx.deps.outbox;
    let (lease, id, attempt) = (turn.lease(), sent.msg_id, sent.attempt);
    // A retried or throttled message is tried again at this time, for this reason.
    let retry_at = match outcome {
        SendOutcome::Sent => {
            outbox.mark_sent(lease, id, now).await?;
            tally(ctx, TallyKind::Out);
            if sent.counted {
                state.last_message_at = Some(now);
            }
            None
        }
        SendOutcome::Retryable(reason) if retry::expired(&ctx.retry, sent.created_at, now) => {
            error!(attempt, %reason, "{}", texts.expired);
            let why = format!("expired after {attempt} attempts: {reason}");
            outbox.mark_dead(lease, id, &why).await?;
            tally(ctx, TallyKind::Dead);
            None
        }
        SendOutcome::Retryable(reason) => {
            let next = now + retry::backoff_ms(&ctx.retry, attempt);
            warn!(attempt, %reason, retry_in_ms = next - now, "{}", texts.retry);
            Some((next, reason))
        }
        SendOutcome::Throttled(reason) => {
            let robot = ctx.robot.name.as_str();
            ctx.deps
                .metrics
                .throttle_pauses
                .with_label_values(&[robot])
                .inc();
            tally(ctx, TallyKind::Throttled);
            let until = now + ctx.robot.throttle_pause.as_millis() as i64;
            warn!(%reason, pause_ms = until - now, "{}", texts.throttled);
            outbox.set_paused_until(lease, until).await?;
            Some((until, reason))
        }
        SendOutcome::Permanent(reason) | SendOutcome::AlreadyExists(reason) => {
            error!(attempt, %reason, "{}", texts.refused);
            outbox.mark_dead(lease, id, &reason).await?;
            tally(ctx, TallyKind::Dead);
            None
        }
    };
    if let Some((next_attempt_at, reason)) = retry_at {
        let retry = Retry {
            id,
            next_attempt_at,
            error: &reason,
        };
        retry_later(ctx, turn, retry).await?;
    }
    Ok(())
}

/// Sets the message's next attempt, unless it is withdrawn instead (a ladder's follow-up
/// whose ladder an act ended while it was in flight: "nobody acted" must not go out now).
pub async fn retry_later(
    ctx: &SenderCtx,
    turn: &Turn<'_>,
    retry: Retry<'_>,
) -> Result<(), StoreError> {
    if !ctx.deps.outbox.mark_retry(turn.lease(), retry).await? {
        info!("withdrawn after its failed send: someone acted on its issue meanwhile");
    }
    Ok(())
}

/// One more of `kind` on the status page's chart, for this robot.
pub fn tally(ctx: &SenderCtx, kind: TallyKind) {
    ctx.deps.metrics.tally(&ctx.robot.name, kind, 1);
}
