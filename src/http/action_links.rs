//! `GET /actions/{token}` shows what the link will do (no side effect); `POST` does it through
//! the Sentry API. Tokens are signed, expire, and work once: reused → 410, expired or
//! tampered → 403, each with a small HTML page.

use super::AppState;
use super::page::{html, page};
use crate::action_links::{Action, Claim, TokenError};
use crate::clock::now_ms;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use tracing::{info, warn};

pub async fn show(token: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    let claim = match check(&token, &state).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let form = match claim.action {
        Action::Silence => Some(super::chat_silence::form(&claim)),
        Action::Claim => Some(super::chat_claim::form(&claim, &state.live.get().settings)),
        Action::Resolve | Action::Ignore => None,
    };
    if let Some(form) = form {
        let body = format!(
            "{form}<p class=\"small\">This link works once and expires {}.</p>",
            expiry(claim.expires)
        );
        return page(StatusCode::OK, "Confirm", &body);
    }
    let what = describe(claim.action);
    let body = format!(
        "<p>{what} Sentry issue <b>{}</b>?</p>\
         <form method=\"post\"><button type=\"submit\">{what}</button></form>\
         <p class=\"small\">This link works once and expires {}.</p>",
        html(&claim.issue_id),
        expiry(claim.expires)
    );
    page(StatusCode::OK, "Confirm", &body)
}

/// The form is read only once the token is good, under the same limits as every body
/// (`http::body`): a stranger's slow upload holds nothing.
pub async fn perform(
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let claim = match check(&token, &state).await {
        Ok(c) => c,
        Err(page) => return page,
    };
    let form = match super::ui::form_body(&req, &state, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let sentry_body = claim.action.api_body();
    let api = state.api.clone();
    if (sentry_body.is_some() || claim.action == Action::Claim) && api.is_none() {
        return page(
            StatusCode::NOT_FOUND,
            "Not available",
            "<p>Actions are not configured on this relay.</p>",
        );
    }
    match state.outbox.claim_action(&claim.nonce, now_ms()).await {
        Ok(true) => {}
        Ok(false) => return used(),
        _ => {
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "<p>The relay cannot record the action right now.</p>",
            );
        }
    }
    if claim.action == Action::Claim {
        return super::chat_claim::perform(&claim, &form, &state).await;
    }
    let (Some(body), Some(api)) = (sentry_body, api) else {
        return super::chat_silence::perform(&claim, &form, &state).await;
    };
    let issue_id = claim.issue_id.clone();
    let answer = state
        .background
        .run(async move { api.update_issue(&issue_id, &body).await })
        .await;
    let Some(answer) = answer else {
        let _ = state.outbox.release_action(&claim.nonce).await;
        return page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Try again",
            "<p>The relay is shutting down; the link was not used.</p>",
        );
    };
    match answer {
        Ok(_) => {
            info!(issue_id = %claim.issue_id, action = claim.action.as_str(), "issue action done from the chat");
            let by = format!("{} from the chat", claim.action.done());
            super::ladder_stop::acted(&state.outbox, &claim.issue_id, &by).await;
            let body = format!(
                "<p>Issue <b>{}</b>: {} done.</p>",
                html(&claim.issue_id),
                claim.action.as_str()
            );
            page(StatusCode::OK, "Done", &body)
        }
        Err(e) => {
            warn!(issue_id = %claim.issue_id, action = claim.action.as_str(), error = %e, "issue action failed at Sentry");
            // The link was not spent: the user can try again.
            let _ = state.outbox.release_action(&claim.nonce).await;
            page(
                StatusCode::BAD_GATEWAY,
                "Sentry refused",
                &format!(
                    "<p>Sentry did not accept the change: {}</p>",
                    html(&e.to_string())
                ),
            )
        }
    }
}

/// Signature, expiry and single use, each with its own page.
async fn check(token: &str, state: &AppState) -> Result<Claim, HttpResponse> {
    let Some(signer) = &state.signer else {
        return Err(page(
            StatusCode::NOT_FOUND,
            "Not available",
            "<p>Actions are not configured on this relay.</p>",
        ));
    };
    let claim = signer.verify(token, now_ms() / 1000).map_err(|e| {
        let title = if e == TokenError::Expired {
            "Link expired"
        } else {
            "Invalid link"
        };
        page(
            StatusCode::FORBIDDEN,
            title,
            &format!("<p>{}.</p>", html(&e.to_string())),
        )
    })?;
    match state.outbox.action_used(&claim.nonce).await {
        Ok(false) => Ok(claim),
        Ok(true) => Err(used()),
        _ => Err(page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Try again",
            "<p>The relay cannot check the link right now.</p>",
        )),
    }
}

fn used() -> HttpResponse {
    page(
        StatusCode::GONE,
        "Already used",
        // Said for every action: a used Silence link's silence is not changed in Sentry.
        "<p>This link was already used: what it does was done once. To change the issue again, open it in Sentry; silences are ended with <code>sentry-dingtalk silence expire</code> or on the relay's console (/ui/silences).</p>",
    )
}

fn describe(action: Action) -> &'static str {
    match action {
        Action::Resolve => "Resolve",
        Action::Ignore => "Ignore for 1 hour",
        Action::Silence => "Silence for 1 hour",
        Action::Claim => "Claim",
    }
}

fn expiry(epoch: i64) -> String {
    let left = epoch - now_ms() / 1000;
    format!("in {} h {} min", left / 3600, (left % 3600) / 60)
}
