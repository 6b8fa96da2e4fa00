//! Choosing what the next message carries, rendering it and storing it.

use super::pick::pick_waiting;
use super::step::{SenderCtx, SenderState, Turn};
use crate::domain::mention::Mentions;
use crate::outbox::{MessageAsk, MessageRow, MessageState, NewMessage, QueuedAlert, StoreError};
use crate::render::Envelope;
use tracing::error;

/// At most this many waiting alerts are considered for one message: a batch line takes
/// 100–200 bytes, so no more than this fit under DingTalk's 20000.
const BATCH_LIMIT: usize = 300;

/// Chooses what the next message carries and stores it:
/// - alerts held by the group window go together (a batch when several);
/// - after a quiet spell the first alert goes alone, at once;
/// - when more wait than the budget allows now, everything waiting is folded.
///
/// Rows that cannot be read are set aside as dead first; `None` when nothing else waits.
pub async fn build_message(
    ctx: &SenderCtx,
    state: &mut SenderState,
    turn: &Turn<'_>,
) -> Result<Option<MessageRow>, StoreError> {
    let (outbox, now) = (&ctx.deps.outbox, turn.now);
    let name = ctx.robot.name.clone();
    let picked = pick_waiting(ctx, turn.lease(), BATCH_LIMIT, now).await?;
    let mut waiting = picked.alerts;
    if waiting.is_empty() {
        return Ok(None);
    }
    let test_only = waiting
        .iter()
        .any(|w| w.queued.alert.is_test_notification());
    if test_only {
        // A test goes at once and on its own, so nobody reads it as part of an incident.
        waiting.retain(|w| w.queued.alert.is_test_notification());
    }
    let window = ctx.robot.group_window.as_millis() as i64;
    let held = window > 0
        && state
            .last_message_at
            .is_some_and(|t| waiting.iter().any(|w| w.received_at < t + window));
    let over_budget = waiting.len() > state.limiter.remaining(now);
    if !held && !over_budget {
        // Severity order is for batches; a lone alert goes in arrival order.
        let oldest = waiting
            .iter()
            .enumerate()
            .min_by_key(|(_, w)| w.id)
            .map_or(0, |(i, _)| i);
        waiting = vec![waiting.swap_remove(oldest)];
    }
    let mut alerts: Vec<_> = waiting.iter().map(|w| w.queued.alert.clone()).collect();
    if let Some(api) = &ctx.deps.api {
        super::enrich::enrich_batch(api, &ctx.deps.metrics, &mut alerts).await;
    }
    let mut env = Envelope {
        at: merged_mentions(waiting.iter().map(|w| &w.queued)),
        keyword: ctx.robot.keyword.clone(),
        msg_uuid: uuid::Uuid::new_v4().to_string(),
        buttons: match (&ctx.deps.signer, alerts.as_slice()) {
            (Some(signer), [alert]) => {
                signer.buttons_for(alert, ctx.renderer.lang(), &ctx.robot.name)
            }
            _ => Vec::new(),
        },
    };
    let (message, taken) = match ctx.renderer.render_batch(&alerts, &env) {
        Ok(done) => done,
        Err(e) => {
            // A broken custom template must not lose alerts: say so and send the bare facts.
            error!(error = %e, "rendering failed; sending a plain fallback");
            env.at = Mentions::default();
            (
                crate::render::plain_fallback(&alerts[0], &env, ctx.renderer.lang()),
                1,
            )
        }
    };
    let ids: Vec<i64> = waiting.iter().take(taken).map(|w| w.id).collect();
    if !test_only {
        // Only a batch that could not take every alert it was given leaves leftovers, which
        // go without another window. Alerts waiting beside a lone alert came in a burst with
        // it: they wait for the window (they went at once, a batch per build, before). Alerts
        // the window holds were left out of a test on purpose and keep waiting too.
        let batch = held || over_budget;
        state.last_built_at = (batch && taken < waiting.len()).then_some(now);
    }
    let body = message.to_json();
    let id = outbox
        .create_message(MessageAsk {
            lease: turn.lease(),
            alert_ids: &ids,
            message: NewMessage {
                body: &body,
                msg_uuid: &message.msg_uuid,
                now,
            },
        })
        .await?;
    Ok(Some(MessageRow {
        id,
        robot: name,
        msg_uuid: message.msg_uuid,
        body,
        alert_count: ids.len() as i64,
        state: MessageState::Pending,
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        sent_at: None,
        last_error: None,
    }))
}

/// When several alerts share a message, everyone any of them mentions is mentioned once.
fn merged_mentions<'a>(queued: impl Iterator<Item = &'a QueuedAlert>) -> Mentions {
    let mut at = Mentions::default();
    for q in queued {
        crate::routing::merge(&mut at, &q.at);
    }
    at
}
