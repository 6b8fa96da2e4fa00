//! `/api/storms` behind `ADMIN_TOKEN`: the alert storms, newest first, and one storm with the
//! issues it held — what `/ui/storms` shows, for scripts. Times are milliseconds since the epoch.

use super::AppState;
use super::admin::{AdminId, AdminToken, store_unavailable};
use super::error::HttpError;
use super::gate::Passed;
use crate::domain::storm::{IssueTally, Storm};
use actix_web::{HttpResponse, web};
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

/// An issue a storm held, as the API and the storm pages show it (each adds its times).
pub(super) fn issue_json(i: &IssueTally) -> Value {
    let a = &i.latest;
    json!({"key": i.key, "title": a.title, "short_id": a.short_id, "link": a.link,
           "count": i.count, "level": i.level.as_str(), "project": a.project,
           "new": i.new, "regressed": i.regressed, "resolved": i.resolved,
           "trace": a.issue_id.clone().or_else(|| a.short_id.clone())})
}

/// `GET /api/storms`.
pub async fn list(
    _: Passed<AdminToken>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
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
    state: web::Data<AppState>,
    Passed(id): Passed<AdminId>,
) -> Result<HttpResponse, HttpError> {
    let storm = state
        .outbox
        .storm(id)
        .await
        .map_err(store_unavailable)?
        .ok_or_else(|| HttpError::NoSuch(format!("there is no storm #{id}")))?;
    let tally = crate::delivery::storm_tally(&state.outbox, &storm)
        .await
        .map_err(store_unavailable)?;
    let issues: Vec<_> = tally
        .issues
        .iter()
        .map(|i| {
            let mut v = issue_json(i);
            v["first_at"] = json!(i.first_at);
            v["last_at"] = json!(i.last_at);
            v
        })
        .collect();
    let mut json = storm_json(&storm);
    json["alerts"] = json!(tally.alerts);
    json["issues"] = json!(issues);
    Ok(HttpResponse::Ok().json(json))
}
