//! `POST /dingtalk/card-callback`: a click on a card robot's button.
//!
//! The click is checked first (`x-ddpaas-signature` with the card's robot's
//! `callback_secret`, the timestamp within 5 minutes, the signature not used before) and
//! answered at once; a wrong or reused signature gets 401 and changes nothing. Then, in the
//! background (`click_action`), the issue is resolved or ignored through the Sentry API, or the
//! claim recorded, and the card updated for everyone through the outbox. The same click (card,
//! action, user) within [`CLICK_WINDOW_MS`] acts once.

use super::AppState;
use super::body;
use super::webhook::header;
use crate::clock::now_ms;
use crate::dingtalk::card_callback::{
    MAX_SKEW_MS, SIGNATURE_HEADER, TIMESTAMP_HEADER, parse_click, verify,
};
use crate::outbox::Claim;
use actix_web::{HttpRequest, HttpResponse, web};
use click_action::act;
use serde_json::json;
use tracing::{info, warn};

mod click_action;

/// A second click on the same button of the same card by the same user within this long is
/// the same click.
pub const CLICK_WINDOW_MS: i64 = 60_000;

/// How long a used signature is remembered: a timestamp is accepted from [`MAX_SKEW_MS`] before
/// it to as long after, both ends included, so a signature first used at the earliest moment
/// stays good for twice that and one millisecond more (a claim is free again once it is
/// `window_ms` old).
const SIGNATURE_MEMORY_MS: i64 = 2 * MAX_SKEW_MS + 1;

pub async fn callback(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let now = now_ms();
    let (ts, sig) = (
        header(&req, TIMESTAMP_HEADER),
        header(&req, SIGNATURE_HEADER),
    );
    let settings = state.live.get().settings.clone();
    let card_secrets = |robot: Option<&str>| -> Vec<_> {
        settings
            .robots
            .iter()
            .filter(|r| robot.is_none_or(|name| r.name == name))
            .filter_map(|r| r.card.as_ref().map(|c| c.callback_secret.clone()))
            .collect()
    };
    // The signature is over the timestamp, not the body: a click no card robot signed is
    // refused before a byte of its body is read.
    if let Err(why) = signed_by_any(&card_secrets(None), ts.as_deref(), sig.as_deref(), now) {
        warn!(reason = %why, "card callback refused");
        return HttpResponse::Unauthorized().json(json!({"error": why}));
    }
    let limits = body::Limits::of(&settings, super::FORM_LIMIT);
    let body = match body::read(&req, body, &limits, &state.edge.bodies).await {
        Ok((body, _held)) => body,
        Err(e) => {
            warn!(error = %e, "card callback body not read");
            return actix_web::ResponseError::error_response(&e);
        }
    };
    // The card names its robot; a click on an unknown card is checked against every card
    // robot's secret, so a stranger learns nothing from the answer.
    let click = parse_click(&body);
    let card = match &click {
        Ok(c) => match state.outbox.card_by_track_id(&c.out_track_id).await {
            Ok(card) => card,
            Err(e) => {
                warn!(error = %e, "card callback: the outbox is unavailable");
                return HttpResponse::ServiceUnavailable().json(json!({"error": "try again"}));
            }
        },
        Err(_) => None,
    };
    let secrets = card_secrets(card.as_ref().map(|c| c.robot.as_str()));
    if let Err(why) = signed_by_any(&secrets, ts.as_deref(), sig.as_deref(), now) {
        warn!(reason = %why, "card callback refused");
        return HttpResponse::Unauthorized().json(json!({"error": why}));
    }
    // The signature covers the timestamp only, not the body: a signature works once, on any
    // replica, or a captured one could carry any click on this robot's cards for its window.
    let signature = sig.as_deref().map(str::trim).unwrap_or_default();
    match state
        .outbox
        .claim_callback_signature(Claim {
            key: signature,
            now,
            window_ms: SIGNATURE_MEMORY_MS,
        })
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            warn!("card callback refused: its signature was used already");
            return HttpResponse::Unauthorized()
                .json(json!({"error": "this signature was used already"}));
        }
        Err(e) => {
            warn!(error = %e, "card callback: the outbox is unavailable");
            return HttpResponse::ServiceUnavailable().json(json!({"error": "try again"}));
        }
    }
    let click = match click {
        Ok(click) => click,
        Err(e) => {
            warn!(error = %e, "card callback body not understood");
            return HttpResponse::BadRequest().json(json!({"error": e.to_string()}));
        }
    };
    let Some(card) = card else {
        warn!(out_track_id = %click.out_track_id, "card callback for a card this relay does not know");
        return HttpResponse::Ok().json(json!({}));
    };
    let key = format!(
        "{}:{}:{}",
        click.out_track_id,
        click.action.as_str(),
        click.user_id
    );
    match state
        .outbox
        .claim_card_click(Claim {
            key: &key,
            now,
            window_ms: CLICK_WINDOW_MS,
        })
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            info!(out_track_id = %click.out_track_id, action = click.action.as_str(), "the same card click again; done once already");
            return HttpResponse::Ok().json(json!({}));
        }
        Err(e) => {
            warn!(error = %e, "card callback: the outbox is unavailable");
            return HttpResponse::ServiceUnavailable().json(json!({"error": "try again"}));
        }
    }
    let tz = state.live.get().renderer.timezone();
    let claimer = settings
        .team
        .people
        .iter()
        .find(|p| p.dingtalk_user_id.as_deref() == Some(click.user_id.as_str()))
        .cloned();
    state.background.spawn(act(
        state.outbox.clone(),
        state.api.clone(),
        card,
        click,
        key,
        tz,
        claimer,
    ));
    // DingTalk wants the answer at once; a body with `cardData` would change the card for the
    // clicking user only, so the shared card is updated through the outbox instead.
    HttpResponse::Ok().json(json!({}))
}

/// Whether one of `secrets` signed the click's timestamp; else why not.
fn signed_by_any(
    secrets: &[crate::secret::Secret],
    ts: Option<&str>,
    sig: Option<&str>,
    now: i64,
) -> Result<(), String> {
    let mut refusal = None;
    for secret in secrets {
        match verify(secret, ts, sig, now) {
            Ok(()) => return Ok(()),
            Err(e) => {
                refusal.get_or_insert(e);
            }
        }
    }
    Err(refusal.map_or("no card robot is configured".to_string(), |e| e.to_string()))
}
