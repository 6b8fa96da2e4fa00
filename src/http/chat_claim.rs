//! The "Claim" chat link's action (`/actions/{token}`, action `claim`): the confirmation page
//! lists the configured people; POSTing one assigns the issue to them in Sentry (`assignedTo`
//! = their `sentry` value) and tells the group who claimed it.

use super::AppState;
use super::group_notice::tell;
use super::page::{html, page};
use crate::action_links::Claim;
use crate::config::Settings;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use std::collections::HashMap;
use tracing::{info, warn};

/// The confirmation form: who takes it.
pub fn form(claim: &Claim, settings: &Settings) -> String {
    let options: String = settings
        .team
        .people
        .iter()
        .filter(|p| p.sentry.is_some())
        .map(|p| {
            format!(
                "<option value=\"{}\">{}</option>",
                html(&p.name),
                html(p.shown())
            )
        })
        .collect();
    format!(
        "<p>Who takes Sentry issue <b>{}</b>? It is assigned to them in Sentry, and the group \
         is told.</p><form method=\"post\"><p><select name=\"person\">{options}</select></p>\
         <button type=\"submit\">Claim</button></form>",
        html(&claim.issue_id)
    )
}

/// Assigns the issue (the link already claimed; given back when nothing was done).
pub async fn perform(claim: &Claim, form: &[u8], state: &AppState) -> HttpResponse {
    let settings = state.live.get().settings.clone();
    let fields: HashMap<String, String> = serde_urlencoded::from_bytes(form).unwrap_or_default();
    let person = fields
        .get("person")
        .and_then(|name| settings.person(name))
        .filter(|p| p.sentry.is_some())
        .cloned();
    let (Some(person), Some(api)) = (person, state.api.clone()) else {
        let _ = state.outbox.release_action(&claim.nonce).await;
        return page(
            StatusCode::BAD_REQUEST,
            "Choose someone",
            "<p>Choose one of the people listed; the link was not used.</p>",
        );
    };
    let issue = claim.issue_id.clone();
    let body = serde_json::json!({"assignedTo": person.sentry});
    let answer = state
        .background
        .run(async move { api.update_issue(&issue, &body).await })
        .await;
    match answer {
        Some(Ok(_)) => {
            info!(issue_id = %claim.issue_id, person = %person.name, "issue claimed from the chat");
            let by = format!("claimed by {} from the chat", person.shown());
            super::ladder_stop::acted(&state.outbox, &claim.issue_id, &by).await;
            if let Some(robot) = &claim.robot {
                let what = format!("issue {}", claim.issue_id);
                tell(state, robot, |r, env| {
                    r.render_claim_notice(person.shown(), &what, env)
                })
                .await;
            }
            let body = format!(
                "<p>Sentry issue <b>{}</b> is assigned to <b>{}</b>.</p>",
                html(&claim.issue_id),
                html(person.shown())
            );
            page(StatusCode::OK, "Claimed", &body)
        }
        other => {
            let why = match other {
                Some(Err(e)) => e.to_string(),
                _ => "the relay is shutting down".into(),
            };
            warn!(issue_id = %claim.issue_id, error = %why, "claim failed at Sentry");
            let _ = state.outbox.release_action(&claim.nonce).await;
            page(
                StatusCode::BAD_GATEWAY,
                "Sentry refused",
                &format!(
                    "<p>Sentry did not accept the assignment: {}</p>",
                    html(&why)
                ),
            )
        }
    }
}
