//! `/ui/trace?issue=…`: what became of every webhook received for an issue (its id or short
//! id), oldest first — the page answer to "the test works but my alert never arrived". Behind
//! the `/ui` gate; every value is escaped by the template (autoescape).

use super::AppState;
use super::gate::Passed;
use super::trace_view::fates;
use super::ui::{UiAccess, render};
use crate::intake::TRACE_LIMIT;
use crate::render::time::{default_zone, local_ms};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use tera::Context;

#[derive(Deserialize)]
pub struct TraceQuery {
    issue: Option<String>,
}

impl TraceQuery {
    /// The issue asked for, trimmed; `None` when blank. Without NUL characters: no stored
    /// issue has one (webhooks lose theirs), and PostgreSQL refuses a query that holds one.
    pub(super) fn issue(&self) -> Option<String> {
        let issue = self.issue.as_deref()?.replace('\0', "");
        let issue = issue.trim();
        (!issue.is_empty()).then(|| issue.to_owned())
    }
}

pub async fn trace(
    query: web::Query<TraceQuery>,
    state: web::Data<AppState>,
    _: Passed<UiAccess>,
) -> HttpResponse {
    let issue = query.issue();
    let settings = &state.live.get().settings;
    let tz = settings.timezone.unwrap_or(default_zone(settings.lang));
    let at = |ms: i64| local_ms(ms, tz);
    let mut entries = Vec::new();
    let mut ladder_notes = Vec::new();
    if let Some(issue) = &issue {
        let Ok(notes) = state.outbox.ladder_notes(issue).await else {
            return HttpResponse::ServiceUnavailable().body("the outbox cannot be read right now");
        };
        ladder_notes = notes
            .iter()
            .map(|n| json!({"at": at(n.at), "route": n.route, "note": n.note}))
            .collect();
        let Ok(found) = state.outbox.trace(issue, TRACE_LIMIT).await else {
            return HttpResponse::ServiceUnavailable().body("the outbox cannot be read right now");
        };
        entries = found
            .iter()
            .map(|e| {
                let w = &e.webhook;
                json!({
                    "id": e.id,
                    "received": at(e.received_at),
                    "issue_id": w.issue_id,
                    "short_id": w.short_id,
                    "what": format!("{}.{}", w.resource, w.action),
                    "rule": w.rule,
                    "request_id": w.request_id,
                    "outcome": e.outcome,
                    "fates": fates(e, &at),
                })
            })
            .collect();
    }
    let mut ctx = Context::new();
    ctx.insert("issue", &issue);
    ctx.insert("entries", &entries);
    ctx.insert("ladder_notes", &ladder_notes);
    render(&state, StatusCode::OK, "trace.html.tera", ctx, true)
}
