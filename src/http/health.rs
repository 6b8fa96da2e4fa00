//! Liveness and readiness for orchestrators.

use super::AppState;
use actix_web::{HttpResponse, web};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// Ready when the outbox takes writes (templates are loaded before the server starts).
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let store = state.store.clone();
    let writable = web::block(move || store.writable()).await.unwrap_or(false);
    if writable {
        HttpResponse::Ok().json(
            serde_json::json!({"status": "ready", "outbox": "writable", "templates": "loaded"}),
        )
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"status": "not ready", "outbox": "not writable"}))
    }
}
