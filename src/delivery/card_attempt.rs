//! One card operation (create, or update in place) through the open API, and the record of
//! what DingTalk answered — retried, paused or dead like a message.

use super::card_digest::{DigestCard, is_digest_key};
use super::card_quota;
use super::card_summary::{is_summary_key, summary_params};
use super::send::{self, OutcomeTexts};
use super::step::{SenderCtx, SenderState, Turn};
use crate::config::card_robot::CardRobot;
use crate::dingtalk::SendOutcome;
use crate::dingtalk::openapi::{CallTally, CardOutcome, CardParams, NewCard};
use crate::domain::card_status::CardStatus;
use crate::domain::mention::Mentions;
use crate::domain::quota::QuotaLevel;
use crate::domain::tally::TallyKind;
use crate::outbox::{CardRow, MessageRow, QueuedAlert, StoreError, is_count_only, operation_card};
use crate::render::card::{CardFacts, card_params};
use crate::render::{Envelope, Renderer};
use std::collections::BTreeMap;
use tracing::{Instrument, error, info, info_span};

const TEXTS: OutcomeTexts = OutcomeTexts {
    expired: "giving up: card operation older than max_age",
    retry: "card operation failed; will retry",
    throttled: "DingTalk throttled the card operation; pausing the robot",
    refused: "DingTalk refused the card operation; it is dead (see `outbox list --state dead`)",
};

/// `2025-11-20 14:21:37 (Asia/Shanghai)` for an epoch-ms time.
fn local_ms(ms: i64, tz: chrono_tz::Tz) -> Option<String> {
    let t = chrono::DateTime::from_timestamp_millis(ms)?.with_timezone(&tz);
    Some(format!("{} ({})", t.format("%Y-%m-%d %H:%M:%S"), tz.name()))
}

/// The card's variables as they stand: the latest alert, with the relay's count, status,
/// times and claim.
pub fn params_for(
    card: &CardRow,
    alert: &crate::domain::alert::Alert,
    renderer: &Renderer,
) -> CardParams {
    let env = Envelope {
        at: Mentions::default(),
        keyword: None,
        msg_uuid: card.out_track_id.clone(),
        buttons: Vec::new(),
    };
    let markdown = match renderer.render_alert(alert, &env) {
        Ok(m) => m.markdown.text,
        Err(_) => {
            crate::render::plain_fallback(alert, &env, renderer.lang())
                .markdown
                .text
        }
    };
    let tz = renderer.timezone();
    let first_seen = alert
        .first_seen
        .as_deref()
        .and_then(|raw| crate::render::time::local(raw, tz))
        .or_else(|| local_ms(card.first_seen, tz));
    let last_seen = local_ms(card.last_seen, tz);
    let facts = CardFacts {
        count: u64::try_from(card.count).unwrap_or(0),
        status: CardStatus::parse(&card.status).unwrap_or(CardStatus::Firing),
        first_seen: first_seen.as_deref(),
        last_seen: last_seen.as_deref(),
        claimed_by: card.claimed_by.as_deref(),
        markdown: &markdown,
    };
    card_params(alert, &facts, renderer)
}

/// The variables of a digest card: the summary ("N new issues") and the issues it lists.
pub fn digest_params(card: &CardRow, renderer: &Renderer) -> CardParams {
    let lang = renderer.lang();
    let digest = DigestCard::parse(&card.alert, lang);
    let env = Envelope {
        at: Mentions::default(),
        keyword: None,
        msg_uuid: card.out_track_id.clone(),
        buttons: Vec::new(),
    };
    let markdown = digest.markdown(&env, renderer);
    let tz = renderer.timezone();
    let first_seen = local_ms(card.first_seen, tz);
    let last_seen = local_ms(card.last_seen, tz);
    let facts = CardFacts {
        count: digest.total as u64,
        status: CardStatus::parse(&card.status).unwrap_or(CardStatus::Firing),
        first_seen: first_seen.as_deref(),
        last_seen: last_seen.as_deref(),
        claimed_by: card.claimed_by.as_deref(),
        markdown: &markdown,
    };
    card_params(&digest.alert, &facts, renderer)
}

/// Whether sending `msg` would create its card (a new message in the chat: budget).
pub async fn card_needs_budget(ctx: &SenderCtx, msg: &MessageRow) -> Result<bool, StoreError> {
    let Some(id) = operation_card(&msg.body) else {
        return Ok(false);
    };
    Ok(ctx
        .deps
        .outbox
        .card_by_track_id(&id)
        .await?
        .is_some_and(|c| !c.created))
}

/// One card operation: its card read, the attempt prepared, the open-API call, the record.
pub async fn send_card_operation(
    ctx: &SenderCtx,
    state: &mut SenderState,
    turn: &mut Turn<'_>,
    msg: MessageRow,
    level: QuotaLevel,
) -> Result<(), StoreError> {
    let outbox = &ctx.deps.outbox;
    let card = match operation_card(&msg.body) {
        Some(id) => outbox.card_by_track_id(&id).await?,
        None => None,
    };
    let span = info_span!(
        "send",
        delivery_id = msg.id,
        issue = card.as_ref().map(|c| c.card_key.as_str())
    );
    let Some(card) = card else {
        span.in_scope(|| error!("card operation without its card; it is dead"));
        let why = "not a card operation, or its card was forgotten";
        outbox.mark_dead(turn.lease(), msg.id, why).await?;
        send::tally(ctx, TallyKind::Dead);
        return Ok(());
    };
    let queued: QueuedAlert = match serde_json::from_str(&card.alert) {
        Ok(q) => q,
        Err(e) => {
            let why = format!("the card's stored alert is not readable: {e}");
            outbox.mark_dead(turn.lease(), msg.id, &why).await?;
            send::tally(ctx, TallyKind::Dead);
            return Ok(());
        }
    };
    send_card(ctx, state, turn, &msg, (&card, &queued), level)
        .instrument(span)
        .await
}

async fn send_card(
    ctx: &SenderCtx,
    state: &mut SenderState,
    turn: &mut Turn<'_>,
    msg: &MessageRow,
    (card, queued): (&CardRow, &QueuedAlert),
    level: QuotaLevel,
) -> Result<(), StoreError> {
    let Some(card_robot) = &ctx.robot.card else {
        return Ok(());
    };
    if level != QuotaLevel::Normal && is_count_only(&msg.body, card) {
        return card_quota::skip(ctx, turn, msg).await;
    }
    if level == QuotaLevel::Spent {
        // Without a fallback robot the step holds the operations and never gets here.
        if let Some(fallback) = &card_robot.fallback {
            let op = (card, queued, params_of(ctx, card, queued));
            return card_quota::send_fallback(ctx, state, turn, msg, op, fallback).await;
        }
        return Ok(());
    }
    let create = !card.created;
    // A new card is a new message in the chat: it takes from the budget, counted before the
    // call like a message.
    let Some(prepared) = send::prepare(ctx, turn, msg, create).await? else {
        return Ok(());
    };
    let tally = CallTally::default();
    let outcome = call(ctx, card_robot, (card, queued), create, &tally).await;
    let label = outcome.label();
    let now = send::finish(ctx, state, turn, &prepared, label, true).await?;
    card_quota::count(ctx, &ctx.robot.name, &tally, now).await?;
    state.card_pace.called(now);
    info!(
        out_track_id = %card.out_track_id,
        operation = if create { "create" } else { "update" },
        attempt = prepared.attempt,
        outcome = label,
        elapsed_ms = now - prepared.started,
        "card operation"
    );
    let outcome = match outcome {
        CardOutcome::Sent => {
            if create {
                let lease = turn.lease();
                ctx.deps
                    .outbox
                    .mark_card_created(lease, &card.out_track_id)
                    .await?;
            }
            SendOutcome::Sent
        }
        CardOutcome::Retryable(reason) => SendOutcome::Retryable(reason),
        CardOutcome::Throttled(reason) => {
            send::tally(ctx, TallyKind::Throttled);
            return card_quota::refused_for_quota(ctx, turn, msg, &reason, now).await;
        }
        CardOutcome::Permanent(reason) | CardOutcome::AlreadyExists(reason) => {
            SendOutcome::Permanent(reason)
        }
    };
    send::record(ctx, state, turn, &prepared, outcome, now, &TEXTS).await
}

/// The card's variables as they stand: an issue's card, a digest or a summary.
fn params_of(ctx: &SenderCtx, card: &CardRow, queued: &QueuedAlert) -> CardParams {
    if is_digest_key(&card.card_key) {
        digest_params(card, &ctx.renderer)
    } else if is_summary_key(&card.card_key) {
        summary_params(card, &ctx.renderer)
    } else {
        params_for(card, &queued.alert, &ctx.renderer)
    }
}

/// The open-API call: create the card (the first time) or update it in place; `tally` counts
/// the requests it took.
async fn call(
    ctx: &SenderCtx,
    card_robot: &CardRobot,
    (card, queued): (&CardRow, &QueuedAlert),
    create: bool,
    tally: &CallTally,
) -> CardOutcome {
    let params = params_of(ctx, card, queued);
    let app = card_robot.app.clone();
    let api = &ctx.deps.open_api;
    if create {
        let new = NewCard {
            out_track_id: card.out_track_id.clone(),
            card_template_id: card_robot.card_template_id.clone(),
            open_conversation_id: card_robot.open_conversation_id.clone(),
            robot_code: card_robot.robot_code.clone(),
            params,
            callback_route_key: card_robot.callback_route_key.clone(),
            at_user_ids: card_mentions(&card.card_key, &queued.at),
        };
        api.create_or_update(&app, tally, &new).await
    } else {
        api.update(&app, tally, &card.out_track_id, &params).await
    }
}

/// Who a new card @-mentions: the user ids its routes name. DingTalk's card delivery takes
/// user ids only (a mobile would need the contacts API) and shows the map's value as the name,
/// which the relay does not know, so the id stands in. A digest card mentions nobody: it
/// gathers many issues, each with its own people.
fn card_mentions(
    card_key: &str,
    at: &crate::domain::mention::Mentions,
) -> BTreeMap<String, String> {
    if is_digest_key(card_key) || is_summary_key(card_key) {
        return BTreeMap::new();
    }
    at.user_ids
        .iter()
        .map(|id| (id.clone(), id.clone()))
        .collect()
}
