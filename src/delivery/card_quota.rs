//! A card robot's open-API quota in its sender (`api_calls_per_month`, `domain::quota`).
//!
//! Every request to the open API — card creates and updates, DINGs, access-token fetches — is
//! counted in the store, so all replicas add to one number per robot and month. Above 80 % an
//! update that would only raise a card's count is skipped (the count shows with the card's
//! next change); at 100 %, or while DingTalk answers `90020`, card operations go to the
//! robot's `fallback_webhook` as markdown (through its budget), or without one wait in the
//! store — each card's operations gathered into one — until the month or DingTalk allows again.
//! Nothing is dropped.

use super::card_digest::{DigestCard, is_digest_key};
use super::card_summary::{SummaryCard, is_summary_key};
use super::send::{self, OutcomeTexts};
use super::step::{SenderCtx, SenderState, Turn};
use crate::config::card_robot::Fallback;
use crate::dingtalk::Message;
use crate::dingtalk::openapi::{CallTally, CardParams};
use crate::domain::mention::Mentions;
use crate::domain::quota::{QuotaLevel, month_of};
use crate::outbox::{CallCount, CardRow, MessageRow, QueuedAlert, Retry, StoreError};
use crate::outbox::{count_only_body, operation_body};
use crate::render::Envelope;
use tracing::{info, warn};

const FALLBACK_TEXTS: OutcomeTexts = OutcomeTexts {
    expired: "giving up: fallback message older than max_age",
    retry: "fallback robot send failed; will retry",
    throttled: "the fallback robot was throttled; pausing the robot",
    refused: "the fallback robot refused the message; it is dead (see `outbox list --state dead`)",
};

/// The robot's level at `now`; a robot that is not a card robot never saves.
pub async fn level(ctx: &SenderCtx, now: i64) -> Result<QuotaLevel, StoreError> {
    let Some(card) = &ctx.robot.card else {
        return Ok(QuotaLevel::Normal);
    };
    let used = ctx
        .deps
        .outbox
        .open_api_calls(&ctx.robot.name, &month_of(now))
        .await?;
    let recheck = ctx.robot.throttle_pause.as_millis() as i64;
    Ok(QuotaLevel::of(used, card.api_calls_per_month, now, recheck))
}

/// The robot's level, and whether its operations are held: the quota is spent and there is no
/// fallback robot (looked at again at the idle poll).
pub async fn level_and_hold(ctx: &SenderCtx, now: i64) -> Result<(QuotaLevel, bool), StoreError> {
    let level = level(ctx, now).await?;
    let no_fallback = ctx
        .robot
        .card
        .as_ref()
        .is_some_and(|c| c.fallback.is_none());
    Ok((level, level == QuotaLevel::Spent && no_fallback))
}

/// Adds what `tally` counted to `robot`'s month.
pub async fn count(
    ctx: &SenderCtx,
    robot: &str,
    tally: &CallTally,
    now: i64,
) -> Result<(), StoreError> {
    if tally.calls() > 0 {
        let month = month_of(now);
        let outbox = &ctx.deps.outbox;
        outbox
            .count_open_api_calls(CallCount {
                robot,
                month: &month,
                calls: tally.calls(),
                now,
            })
            .await?;
    }
    Ok(())
}

/// DingTalk answered `90020`: the operation is due again at once, and the next step finds the
/// quota spent: it goes to the fallback robot or waits for the quota. Not `send::record`'s throttle pause, which would hold the fallback
/// too, nor its expiry: an operation held by the quota is never given up.
pub async fn refused_for_quota(
    ctx: &SenderCtx,
    turn: &Turn<'_>,
    msg: &MessageRow,
    reason: &str,
    now: i64,
) -> Result<(), StoreError> {
    let outbox = &ctx.deps.outbox;
    warn!(%reason, "DingTalk's open API quota is spent; card operations go to the fallback robot or wait");
    outbox
        .open_api_spent(&ctx.robot.name, &month_of(now), now)
        .await?;
    let retry = Retry {
        id: msg.id,
        next_attempt_at: now,
        error: reason,
    };
    send::retry_later(ctx, turn, retry).await
}

/// The body of the operation that shows alerts noted on `card` (`None`: a new card) with the
/// new `status`: same card, same status, and the update would only raise its count (and its
/// last seen), which above 80 % is skipped.
pub fn operation_body_for(
    card: Option<&CardRow>,
    status: Option<&str>,
    out_track_id: &str,
    key: &str,
) -> String {
    match card {
        Some(c) if status.is_none_or(|s| s == c.status) => {
            count_only_body(out_track_id, key, &c.status)
        }
        _ => operation_body(out_track_id, key),
    }
}

/// An update that would only raise the count, above 80 %: done without a call. The alerts are
/// on the card's count in the store, and its next change shows them.
pub async fn skip(ctx: &SenderCtx, turn: &Turn<'_>, msg: &MessageRow) -> Result<(), StoreError> {
    info!(
        alerts = msg.alert_count,
        "count-only card update skipped: the open API's quota is above 80 %"
    );
    let now = crate::clock::now_ms();
    ctx.deps.outbox.mark_sent(turn.lease(), msg.id, now).await
}

/// The quota is spent: the card operation (its card's variables `params`) goes to the
/// fallback robot as markdown, counted
/// against the robot's budget like any message.
pub async fn send_fallback(
    ctx: &SenderCtx,
    state: &mut SenderState,
    turn: &mut Turn<'_>,
    msg: &MessageRow,
    (card, queued, params): (&CardRow, &QueuedAlert, CardParams),
    fallback: &Fallback,
) -> Result<(), StoreError> {
    let Some(prepared) = send::prepare(ctx, turn, msg, true).await? else {
        return Ok(());
    };
    let body = fallback_message(ctx, msg, (card, queued), &params).to_json();
    let client = &ctx.deps.client;
    let outcome = client
        .send(&fallback.webhook, fallback.secret.as_ref(), &body)
        .await;
    let now = send::finish(ctx, state, turn, &prepared, outcome.label(), true).await?;
    info!(
        out_track_id = %card.out_track_id,
        attempt = prepared.attempt,
        outcome = outcome.label(),
        "card operation sent through the fallback robot: the open API's quota is spent"
    );
    send::record(ctx, state, turn, &prepared, outcome, now, &FALLBACK_TEXTS).await
}

/// What the fallback robot posts for a card operation: the card's markdown (the issue as a
/// custom robot shows it, or the digest or summary), its status and count below. Its `msgUuid`
/// is the operation's own: the card's id stays the same across its operations.
fn fallback_message(
    ctx: &SenderCtx,
    msg: &MessageRow,
    (card, queued): (&CardRow, &QueuedAlert),
    params: &CardParams,
) -> Message {
    let renderer = &ctx.renderer;
    let title = params.get("title").unwrap_or_default().to_owned();
    let issue_card = !is_digest_key(&card.card_key) && !is_summary_key(&card.card_key);
    let env = Envelope {
        // The first message of an issue mentions whom its routes name, as its card would.
        at: if issue_card && !card.created {
            queued.at.clone()
        } else {
            Mentions::default()
        },
        keyword: None,
        msg_uuid: format!("{}-{}", msg.msg_uuid, msg.id),
        buttons: Vec::new(),
    };
    let mut message = if is_digest_key(&card.card_key) {
        let digest = DigestCard::parse(&card.alert, renderer.lang());
        let text = digest.markdown(&env, renderer);
        Message::markdown(title, text, Mentions::default(), env.msg_uuid.clone())
    } else if is_summary_key(&card.card_key) {
        let stored: Option<SummaryCard> = serde_json::from_str(&card.alert).ok();
        let text = stored.map(|s| s.markdown).unwrap_or_else(|| title.clone());
        Message::markdown(title, text, Mentions::default(), env.msg_uuid.clone())
    } else {
        renderer
            .render_alert(&queued.alert, &env)
            .unwrap_or_else(|_| crate::render::plain_fallback(&queued.alert, &env, renderer.lang()))
    };
    let status = params.get("status").unwrap_or_default();
    let count = params.get("count").unwrap_or_default();
    message
        .markdown
        .text
        .push_str(&format!("\n\n> {status} · ×{count}"));
    message
}
