//! `/api/storms` behind `ADMIN_TOKEN`: the alert storms, newest first, and one storm with the
//! issues it held — what `/ui/storms` shows, for scripts. Times are milliseconds since the epoch.

use super::AppState;
use super::admin::{authorize, authorize_id, store_unavailable};
use super::error::HttpError;
use crate::domain::storm::Storm;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// The storms listed: as many as `/ui/storms` shows.
const LISTED: usize = 100;

fn storm_json(s: &Storm) -> Value {
    json!({
        "id": s.id,
        "robot": s.robot,
        "started_at": s.started_at,
        "ended_at": s.ended_at,
        "last_message_at": s.last_message_at,
        "messages": s.messages,
    })
}

/// `GET /api/storms`.
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, HttpError> {
    authorize(&req, &state).await?;
    let storms = state
        .outbox
        .storms(LISTED)
        .await
        .map_err(store_unavailable)?;
    let json: Vec<_> = storms.iter().map(storm_json).collect();
    Ok(HttpResponse::Ok().json(json))
}

/// `GET /api/storms/{id}`: the storm, its alert count and each issue it held.
pub async fn one(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let id = authorize_id(&req, &state, &id).await?;
    let storm = state
        .outbox
        .storm(id)
        .await
        .map_err(store_unavailable)?
        .ok_or(HttpError::NotFound)?;
    let tally = crate::delivery::storm_tally(&state.outbox, &storm)
        .await
        .map_err(store_unavailable)?;
    let issues: Vec<_> = tally
        .issues
        .iter()
        .map(|i| {
            let a = &i.latest;
            json!({"key": i.key, "title": a.title, "short_id": a.short_id, "link": a.link,
                   "count": i.count, "level": i.level.as_str(), "project": a.project,
                   "first_at": i.first_at, "last_at": i.last_at, "new": i.new,
                   "regressed": i.regressed, "resolved": i.resolved})
        })
        .collect();
    let mut json = storm_json(&storm);
    json["alerts"] = json!(tally.alerts);
    json["issues"] = json!(issues);
    Ok(HttpResponse::Ok().json(json))
}
