//! The "Silence 1 h" chat link's action (`/actions/{token}`, action `silence`): the issue's
//! alerts are held for an hour by a silence made in the relay (Sentry is not asked), and the
//! group the link came from is told who silenced what until when. The confirmation page asks
//! for a name to show; without one the message says "someone from the chat".

use super::AppState;
use super::group_notice::tell;
use super::page::{html, page};
use crate::action_links::{CHAT_SILENCE_MS, Claim};
use crate::clock::now_ms;
use crate::domain::silence::Matchers;
use crate::outbox::NewSilence;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use std::collections::HashMap;
use tracing::{info, warn};

/// The confirmation form: a name to show, then the button.
pub fn form(claim: &Claim) -> String {
    format!(
        "<p>Silence the alerts of Sentry issue <b>{}</b> for 1 hour? They are kept, and summarized \
         in the group when the hour is over.</p>\
         <form method=\"post\"><p><label>Your name (shown in the group) \
         <input name=\"who\" maxlength=\"40\"></label></p>\
         <button type=\"submit\">Silence for 1 hour</button></form>",
        html(&claim.issue_id)
    )
}

/// The name from the form, plain and short; `None` when none was given.
fn who(form: &[u8]) -> Option<String> {
    let fields: HashMap<String, String> = serde_urlencoded::from_bytes(form).unwrap_or_default();
    let name: String = fields.get("who")?.trim().chars().take(40).collect();
    (!name.is_empty()).then_some(name)
}

/// Makes the silence (the link already claimed) and tells the robot's group.
pub async fn perform(claim: &Claim, form: &[u8], state: &AppState) -> HttpResponse {
    let now = now_ms();
    let who = who(form).unwrap_or_else(|| "someone from the chat".into());
    let new = NewSilence {
        matchers: Matchers {
            issue: Some(claim.issue_id.clone()),
            ..Default::default()
        },
        starts_at: now,
        ends_at: now + CHAT_SILENCE_MS,
        comment: "from the chat".into(),
        created_by: who.clone(),
    };
    let silence = match state.outbox.add_silence(new).await {
        Ok(s) => s,
        Err(e) => {
            warn!(error = %e, "silence from the chat not stored");
            let _ = state.outbox.release_action(&claim.nonce).await;
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "<p>The relay cannot store the silence right now; the link was not used.</p>",
            );
        }
    };
    info!(silence = silence.id, issue_id = %claim.issue_id, "issue silenced from the chat");
    let by = format!("silenced by #{} from the chat ({who})", silence.id);
    super::ladder_stop::acted(&state.outbox, &claim.issue_id, &by).await;
    if let Some(robot) = &claim.robot {
        let what = format!("issue {}", claim.issue_id);
        tell(state, robot, |r, env| {
            r.render_silence_notice(&who, &what, &silence, env)
        })
        .await;
    }
    let body = format!(
        "<p>Sentry issue <b>{}</b> is silenced for 1 hour (silence #{}). What arrives meanwhile \
         is summarized in the group when it ends.</p>",
        html(&claim.issue_id),
        silence.id
    );
    page(StatusCode::OK, "Silenced", &body)
}
