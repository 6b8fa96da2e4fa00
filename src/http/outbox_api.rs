//! `/api/messages` and `/api/trace` behind `ADMIN_TOKEN`: the outbox's messages (dead letters
//! among them), re-sending one, and what became of every webhook of an issue — what `/ui` and
//! `outbox list|retry|trace` show, for scripts. Times are milliseconds since the epoch.

use super::AppState;
use super::admin::{AdminId, AdminToken, store_unavailable};
use super::error::HttpError;
use super::gate::Passed;
use super::trace_view::fates;
use super::ui_trace::TraceQuery;
use crate::clock::now_ms;
use crate::intake::TRACE_LIMIT;
use crate::outbox::{MessageState, RetryOutcome};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

/// At most this many messages in one answer.
const MAX_LIMIT: usize = 1000;

/// Fields read as text and checked here, so a wrong value is a 400 naming it.
#[derive(Deserialize)]
pub struct MessagesQuery {
    state: Option<String>,
    limit: Option<String>,
}

/// `GET /api/messages?state=dead&limit=50`: newest first.
pub async fn list(
    query: web::Query<MessagesQuery>,
    _: Passed<AdminToken>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let wanted = match query.state.as_deref() {
        None => None,
        Some(s) => Some(MessageState::parse(s).ok_or_else(|| {
            HttpError::Invalid(format!("state: `{s}` is not pending, sent or dead"))
        })?),
    };
    let limit = match query.limit.as_deref() {
        None => 100,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                HttpError::Invalid(format!(
                    "limit: `{l}` is not a number from 1 to {MAX_LIMIT}"
                ))
            })?,
    };
    let rows = state
        .outbox
        .list_messages(wanted, limit)
        .await
        .map_err(store_unavailable)?;
    Ok(HttpResponse::Ok().json(rows))
}

/// `POST /api/messages/{id}/retry`: a dead message's alerts are queued again (rendered with
/// today's templates), a pending one is made due now; a sent one is refused (409).
pub async fn retry(
    state: web::Data<AppState>,
    Passed(id): Passed<AdminId>,
) -> Result<HttpResponse, HttpError> {
    let outbox = &state.outbox;
    let outcome = outbox.retry_message(id, now_ms()).await;
    match outcome.map_err(store_unavailable)? {
        RetryOutcome::Queued => {
            tracing::info!(delivery_id = id, "re-sent through the API");
            state.wakers.wake_all();
            Ok(HttpResponse::Ok().json(json!({
                "id": id,
                "status": "queued",
                "message": format!("message {id} is queued to be sent again"),
            })))
        }
        RetryOutcome::AlreadySent => Err(HttpError::Conflict(format!(
            "message {id} was sent already: nothing to re-send"
        ))),
        RetryOutcome::NoSuchMessage => Err(HttpError::NoSuch(format!("there is no message #{id}"))),
    }
}

/// `GET /api/trace?issue=…`: every webhook received for the issue (its id or short id), oldest
/// first, each with its fate in words, and the issue's escalation notes.
pub async fn trace(
    query: web::Query<TraceQuery>,
    _: Passed<AdminToken>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let issue = query
        .issue()
        .ok_or_else(|| HttpError::Invalid("issue: an issue id or short id is needed".into()))?;
    let issue = issue.as_str();
    let found = state
        .outbox
        .trace(issue, TRACE_LIMIT)
        .await
        .map_err(store_unavailable)?;
    let notes = state
        .outbox
        .ladder_notes(issue)
        .await
        .map_err(store_unavailable)?;
    let utc = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_else(|| ms.to_string())
    };
    let webhooks: Vec<_> = found
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or_default();
            v["fates"] = json!(fates(e, &utc));
            v
        })
        .collect();
    let escalation: Vec<_> = notes
        .iter()
        .map(|n| json!({"at": n.at, "route": n.route, "note": n.note}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "issue": issue,
        "webhooks": webhooks,
        "escalation": escalation,
    })))
}
