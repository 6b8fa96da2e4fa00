//! `/api/oncall` behind `ADMIN_TOKEN`: `GET` who is on call in each rota now, `POST
//! /api/oncall/{rota}/overrides` puts someone else on call (201), `DELETE
//! /api/oncall/overrides/{id}` ends an override. Every answer and every error is JSON.

use super::AppState;
use super::admin::{AdminId, AdminToken, json_body, store_unavailable};
use super::error::HttpError;
use super::gate::Passed;
use crate::clock::now_ms;
use crate::oncall::{self, OverrideRequest};
use actix_web::{HttpRequest, HttpResponse, web};
use tracing::info;

pub async fn now(
    _: Passed<AdminToken>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let at = now_ms();
    let overrides = oncall::overrides(&state.outbox, at)
        .await
        .map_err(store_unavailable)?;
    let settings = &state.live.get().settings;
    let json: Vec<_> = oncall::now(settings, &overrides, at)
        .iter()
        .map(|(r, s)| oncall::to_json(r, s))
        .collect();
    Ok(HttpResponse::Ok().json(json))
}

/// The body is read once the token passed (`json_body`).
pub async fn add_override(
    req: HttpRequest,
    rota: web::Path<String>,
    _: Passed<AdminToken>,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let settings = state.live.get().settings.clone();
    if settings.rota(&rota).is_none() {
        let rotas: Vec<&str> = settings
            .team
            .rotas
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        return Err(HttpError::NoSuch(format!(
            "there is no rota \"{rota}\" (rotas: {})",
            rotas.join(", ")
        )));
    }
    let request: OverrideRequest = json_body(&req, body, &state).await?;
    let new = request
        .check(&settings, &rota, now_ms())
        .map_err(|e| HttpError::Invalid(e.to_string()))?;
    let stored = state
        .outbox
        .add_override(new)
        .await
        .map_err(store_unavailable)?;
    info!(rota = %stored.rota, person = %stored.person, id = stored.id, "on-call override made through the API");
    Ok(HttpResponse::Created().json(oncall::override_to_json(&stored, &settings)))
}

pub async fn end_override(
    state: web::Data<AppState>,
    Passed(id): Passed<AdminId>,
) -> Result<HttpResponse, HttpError> {
    match state
        .outbox
        .end_override(id, now_ms())
        .await
        .map_err(store_unavailable)?
    {
        Some(o) => {
            Ok(HttpResponse::Ok().json(oncall::override_to_json(&o, &state.live.get().settings)))
        }
        None => Err(HttpError::NoSuch(format!("there is no override #{id}"))),
    }
}
