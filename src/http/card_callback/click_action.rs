//! What a card click does once it was answered: the silence, the change in Sentry or the claim,
//! the ladder's stop, and the card updated for everyone through the outbox. A click not done
//! (Sentry refused, no silence) is released, so the same click may be tried again.

use crate::action_links::{Action, CHAT_SILENCE_MS};
use crate::clock::now_ms;
use crate::dingtalk::card_callback::{CardAction, CardClick};
use crate::domain::oncall::Person;
use crate::domain::silence::Matchers;
use crate::outbox::{CardChange, CardRow, NewSilence, QueuedAlert, SharedOutbox, operation_body};
use crate::sentry::api::SentryApi;
use std::sync::Arc;
use tracing::{info, warn};

/// Does what the click asked for, then updates the card for everyone.
pub(super) async fn act(
    outbox: SharedOutbox,
    api: Option<Arc<SentryApi>>,
    card: CardRow,
    click: CardClick,
    key: String,
    tz: chrono_tz::Tz,
    claimer: Option<Person>,
) {
    let (status, mut claimed_by) = match click.action {
        CardAction::Claim => (
            "claimed",
            Some(
                claimer
                    .as_ref()
                    .map_or(click.user_id.clone(), |p| p.shown().to_owned()),
            ),
        ),
        CardAction::Resolve => ("resolved", None),
        CardAction::Ignore => ("ignored", None),
        CardAction::Silence => ("silenced", None),
    };
    // The alert the card tells: its issue, and the ladder a click stops.
    let alert = serde_json::from_str::<QueuedAlert>(&card.alert)
        .ok()
        .map(|q| q.alert);
    let issue = alert.as_ref().and_then(|a| a.issue_id.clone());
    if click.action == CardAction::Silence {
        match silence_issue(&outbox, &card, issue.clone(), &click, tz).await {
            // The card shows who silenced it, until when, where a claim shows the claimer.
            Ok(shown) => claimed_by = Some(shown),
            Err(why) => {
                warn!(out_track_id = %card.out_track_id, reason = %why, "card button: the issue could not be silenced");
                let _ = outbox.release_card_click(&key).await;
                return;
            }
        }
    }
    // A claim by someone of `[[people]]` with a Sentry account assigns the issue to them.
    let sentry_body = match click.action {
        CardAction::Resolve => Action::Resolve.api_body(),
        CardAction::Ignore => Action::Ignore.api_body(),
        CardAction::Claim => claimer
            .as_ref()
            .and_then(|p| p.sentry.as_ref())
            .map(|s| serde_json::json!({"assignedTo": s})),
        CardAction::Silence => None,
    };
    if let Some(sentry_body) = sentry_body {
        let done = match (&api, issue) {
            (None, _) => Err("SENTRY_API_TOKEN and SENTRY_ORG are needed".to_string()),
            (_, None) => Err("the card is not about a Sentry issue".to_string()),
            (Some(api), Some(issue)) => api
                .update_issue(&issue, &sentry_body)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        };
        if let Err(why) = done {
            warn!(out_track_id = %card.out_track_id, action = click.action.as_str(), reason = %why, "card button: the issue could not be changed in Sentry");
            // Not done: the same click may be tried again.
            let _ = outbox.release_card_click(&key).await;
            return;
        }
    }
    let ladder = alert
        .as_ref()
        .and_then(crate::domain::escalation::ladder_key);
    if let Some(issue) = ladder {
        let who = claimed_by.as_deref().unwrap_or(&click.user_id);
        let by = format!("{status} from a card ({who})");
        crate::http::ladder_stop::acted(&outbox, &issue, &by).await;
    }
    let body = operation_body(&card.out_track_id, &card.card_key);
    match outbox
        .card_clicked(
            CardChange {
                out_track_id: &card.out_track_id,
                status,
                claimed_by: claimed_by.as_deref(),
                body: &body,
            },
            now_ms(),
        )
        .await
    {
        Ok(_) => {
            info!(robot = %card.robot, out_track_id = %card.out_track_id, action = click.action.as_str(), user = %click.user_id, "card button done; the card is updated")
        }
        Err(e) => {
            warn!(out_track_id = %card.out_track_id, error = %e, "card button done, but the card could not be queued for an update")
        }
    }
}

/// Silences the card's issue for an hour, made by the clicking user; what the card shows:
/// `manager4321 · until 2026-12-04 15:00:00 (Asia/Shanghai)`.
async fn silence_issue(
    outbox: &SharedOutbox,
    card: &CardRow,
    issue: Option<String>,
    click: &CardClick,
    tz: chrono_tz::Tz,
) -> Result<String, String> {
    let issue = issue.ok_or("the card is not about a Sentry issue")?;
    let now = now_ms();
    let new = NewSilence {
        matchers: Matchers {
            issue: Some(issue),
            ..Default::default()
        },
        starts_at: now,
        ends_at: now + CHAT_SILENCE_MS,
        comment: "from the card".into(),
        created_by: click.user_id.clone(),
    };
    let silence = outbox.add_silence(new).await.map_err(|e| e.to_string())?;
    info!(silence = silence.id, out_track_id = %card.out_track_id, "issue silenced from the card");
    Ok(format!(
        "{} · until {}",
        click.user_id,
        crate::render::time::local_ms(silence.ends_at, tz)
    ))
}
