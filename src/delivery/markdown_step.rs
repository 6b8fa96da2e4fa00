//! One decision of a markdown robot's sender (the lease is held and the robot not paused):
//! send the message that is due, build the next one from waiting alerts, or wait — for the
//! budget, the group window, a due retry or new alerts.

use super::compose::build_message;
use super::send::{self, OutcomeTexts};
use super::step::{SenderCtx, SenderState, Step, Turn};
use crate::dingtalk::SendOutcome;
use crate::outbox::{MessageRow, StoreError};
use tracing::{Instrument, info, info_span};

const TEXTS: OutcomeTexts = OutcomeTexts {
    expired: "giving up: message older than max_age",
    retry: "send failed; will retry",
    throttled: "DingTalk throttled the robot; pausing it",
    refused: "DingTalk refused the message; it is dead (see `outbox list --state dead`)",
};

pub async fn step(
    ctx: &SenderCtx,
    state: &mut SenderState,
    turn: &mut Turn<'_>,
) -> Result<Step, StoreError> {
    let (outbox, name, now) = (ctx.deps.outbox.clone(), ctx.robot.name.as_str(), turn.now);
    let free_at = state.limiter.next_free_at(now);
    if let Some(msg) = outbox.due_message(name, now).await? {
        if free_at > now {
            return Ok(turn.wait(free_at, false));
        }
        send_message(ctx, state, turn, msg).await?;
        return Ok(Step::Worked);
    }
    let Some(oldest) = outbox.oldest_waiting(name).await? else {
        return Ok(turn.idle(outbox.next_due_at(name).await?));
    };
    // Grouping: alerts arriving within the window after a message wait for its end; alerts
    // left over from a full batch do not.
    let window = ctx.robot.group_window.as_millis() as i64;
    let leftovers = state.last_built_at.is_some_and(|built| oldest < built);
    let open_until = state
        .last_message_at
        .map(|t| t + window)
        .filter(|end| *end > now);
    if let (false, Some(open_until)) = (leftovers, open_until)
        && !test_notification_waits(ctx).await?
    {
        return Ok(turn.wait(open_until, false));
    }
    if free_at > now {
        return Ok(turn.wait(free_at, false));
    }
    let Some(msg) = build_message(ctx, state, turn).await? else {
        return Ok(Step::Worked);
    };
    state.storms.batched(now, msg.alert_count);
    send_message(ctx, state, turn, msg).await?;
    Ok(Step::Worked)
}

/// Whether a "Send Test Notification" waits: it goes at once, never held by the window.
async fn test_notification_waits(ctx: &SenderCtx) -> Result<bool, StoreError> {
    let waiting = ctx.deps.outbox.waiting_alerts(&ctx.robot.name, 300).await?;
    Ok(waiting
        .alerts
        .iter()
        .any(|w| w.queued.alert.is_test_notification()))
}

/// One send of a stored message and the record of what DingTalk answered.
async fn send_message(
    ctx: &SenderCtx,
    state: &mut SenderState,
    turn: &mut Turn<'_>,
    msg: MessageRow,
) -> Result<(), StoreError> {
    let span = info_span!("send", delivery_id = msg.id);
    async {
        let Some(prepared) = send::prepare(ctx, turn, &msg, true).await? else {
            return Ok(());
        };
        let outcome = call(ctx, &msg).await;
        let timed = ctx.robot.webhook.is_some();
        let now = send::finish(ctx, state, turn, &prepared, outcome.label(), timed).await?;
        info!(
            attempt = prepared.attempt,
            alerts = msg.alert_count,
            outcome = outcome.label(),
            elapsed_ms = now - prepared.started,
            "delivery attempt"
        );
        send::record(ctx, state, turn, &prepared, outcome, now, &TEXTS).await
    }
    .instrument(span)
    .await
}

/// The HTTP send to the robot's webhook; without one, the message goes to the log.
async fn call(ctx: &SenderCtx, msg: &MessageRow) -> SendOutcome {
    match &ctx.robot.webhook {
        Some(webhook) => {
            ctx.deps
                .client
                .send(webhook, ctx.robot.secret.as_ref(), &msg.body)
                .await
        }
        None => {
            info!(message = %msg.body, "no DINGTALK_WEBHOOK set; message written to the log");
            SendOutcome::Sent
        }
    }
}
