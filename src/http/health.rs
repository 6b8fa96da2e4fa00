//! Liveness and readiness for orchestrators.

use super::AppState;
use actix_web::{HttpResponse, web};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (metrics, store) = (state.metrics.clone(), state.store.clone());
    let text = web::block(move || metrics.render(&store))
        .await
        .unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
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
