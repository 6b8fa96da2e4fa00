//! `/api/silences` behind `ADMIN_TOKEN` (`Authorization: Bearer …`; 404 when no token is set):
//! `POST` makes a silence (201), `GET` lists the active ones and those ended in the last day,
//! `DELETE /api/silences/{id}` ends one now. Every answer and every error is JSON.

use super::AppState;
use super::admin::{AdminId, AdminToken, json_body, store_unavailable};
use super::error::HttpError;
use super::gate::Passed;
use crate::clock::now_ms;
use crate::silences::{self, SilenceError, SilenceRequest};
use actix_web::{HttpRequest, HttpResponse, web};
use tracing::info;

/// The body is read once the token passed (`json_body`).
pub async fn create(
    req: HttpRequest,
    _: Passed<AdminToken>,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let request: SilenceRequest = json_body(&req, body, &state).await?;
    let now = now_ms();
    let robots = state.live.get().settings.robot_names();
    match silences::create(&state.outbox, request, Some(&robots), now).await {
        Ok(s) => {
            info!(silence = s.id, matchers = %s.matchers.describe(), "silence made through the API");
            Ok(HttpResponse::Created().json(silences::to_json(&s, now)))
        }
        Err(SilenceError::Invalid(e)) => Err(HttpError::Invalid(e.to_string())),
        Err(SilenceError::Store(e)) => Err(store_unavailable(e)),
    }
}

pub async fn list(
    _: Passed<AdminToken>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let now = now_ms();
    let all = silences::list(&state.outbox, now)
        .await
        .map_err(store_unavailable)?;
    let json: Vec<_> = all.iter().map(|s| silences::to_json(s, now)).collect();
    Ok(HttpResponse::Ok().json(json))
}

pub async fn end(
    state: web::Data<AppState>,
    Passed(id): Passed<AdminId>,
) -> Result<HttpResponse, HttpError> {
    let now = now_ms();
    match state
        .outbox
        .end_silence(id, now)
        .await
        .map_err(store_unavailable)?
    {
        Some(s) => {
            info!(silence = s.id, "silence ended through the API");
            Ok(HttpResponse::Ok().json(silences::to_json(&s, now)))
        }
        None => Err(HttpError::NoSuch(format!("there is no silence #{id}"))),
    }
}
