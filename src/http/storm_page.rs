//! A storm's page: every issue of the storm with its alert count, level, project, first and
//! last time, Sentry link and trace link. Read-only, at `/storms/{id}` with the signed,
//! expiring link its summaries carry (no login, like the action links; a link changed in any
//! way is refused with 403), and at `/ui/storms/{id}` and `/ui/storms` behind the admin gate.

use super::AppState;
use super::gate::Passed;
use super::ui::{UiAccess, render};
use crate::action_links::TokenError;
use crate::clock::now_ms;
use crate::domain::storm::Storm;
use crate::render::time::{default_zone, local_ms};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use tera::Context;

#[derive(Deserialize)]
pub struct LinkQuery {
    exp: Option<i64>,
    sig: Option<String>,
}

fn plain(status: StatusCode, text: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(text.to_owned())
}

/// `GET /storms/{id}?exp=…&sig=…`: the page for whoever has a summary's link.
pub async fn public(
    id: web::Path<i64>,
    query: web::Query<LinkQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(signer) = &state.signer else {
        return plain(StatusCode::NOT_FOUND, "storm pages need PUBLIC_URL");
    };
    let (Some(exp), Some(sig)) = (query.exp, query.sig.as_deref()) else {
        return plain(StatusCode::FORBIDDEN, "this link is not signed");
    };
    match signer.verify_storm(*id, exp, sig, now_ms()) {
        Ok(()) => page(&state, *id, false).await,
        Err(TokenError::Expired) => plain(StatusCode::FORBIDDEN, "this link has expired"),
        Err(_) => plain(StatusCode::FORBIDDEN, "this link is not valid"),
    }
}

/// `/ui/storms/{id}`: the same page, behind the admin gate.
pub async fn ui_one(
    id: web::Path<i64>,
    state: web::Data<AppState>,
    _: Passed<UiAccess>,
) -> HttpResponse {
    page(&state, *id, true).await
}

/// `/ui/storms`: the storms, newest first.
pub async fn ui_list(state: web::Data<AppState>, _: Passed<UiAccess>) -> HttpResponse {
    let Ok(storms) = state.outbox.storms(100).await else {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "the outbox cannot be read right now",
        );
    };
    let at = clock(&state);
    let rows: Vec<_> = storms
        .iter()
        .map(|s| {
            json!({"id": s.id, "robot": s.robot, "since": at(s.started_at),
                   "until": s.ended_at.map(&at), "messages": s.messages})
        })
        .collect();
    let mut ctx = Context::new();
    ctx.insert("storms", &rows);
    render(&state, StatusCode::OK, "storms.html.tera", ctx, true)
}

fn clock(state: &AppState) -> impl Fn(i64) -> String + use<> {
    let settings = &state.live.get().settings;
    let tz = settings.timezone.unwrap_or(default_zone(settings.lang));
    move |ms| local_ms(ms, tz)
}

async fn page(state: &AppState, id: i64, authed: bool) -> HttpResponse {
    let storm: Storm = match state.outbox.storm(id).await {
        Ok(Some(s)) => s,
        Ok(None) => return plain(StatusCode::NOT_FOUND, "no such storm"),
        Err(_) => {
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the outbox cannot be read right now",
            );
        }
    };
    let Ok(tally) = crate::delivery::storm_tally(&state.outbox, &storm).await else {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "the outbox cannot be read right now",
        );
    };
    let at = clock(state);
    let issues: Vec<_> = tally
        .issues
        .iter()
        .map(|i| {
            let mut v = super::storms_api::issue_json(i);
            v["first"] = json!(at(i.first_at));
            v["last"] = json!(at(i.last_at));
            // A query value: an `&` or `#` in an issue id must not end it.
            if let Some(trace) = v["trace"].as_str() {
                let query: String =
                    url::form_urlencoded::byte_serialize(trace.as_bytes()).collect();
                v["trace_query"] = json!(query);
            }
            v
        })
        .collect();
    let until = storm.ended_at.or(tally.last_at).unwrap_or(storm.started_at);
    let mut ctx = Context::new();
    ctx.insert(
        "storm",
        &json!({"id": storm.id, "robot": storm.robot, "since": at(storm.started_at),
                "until": at(until), "ongoing": storm.ended_at.is_none()}),
    );
    ctx.insert("total", &tally.alerts);
    ctx.insert("issues", &issues);
    render(state, StatusCode::OK, "storm.html.tera", ctx, authed)
}
