//! Liveness and readiness for orchestrators.

use super::AppState;
use actix_web::{HttpResponse, web};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (metrics, store) = (state.metrics.clone(), state.store.clone());
    let mut text = web::block(move || metrics.render(&store))
        .await
        .unwrap_or_default();
    // Kept by the edge itself (`http::body`), not in the registry: read at the moment of asking.
    text.push_str(&format!(
        "# HELP sentry_dingtalk_inflight_body_bytes Bytes of request bodies being received right now (capped by INFLIGHT_BODY_LIMIT_BYTES).\n\
         # TYPE sentry_dingtalk_inflight_body_bytes gauge\n\
         sentry_dingtalk_inflight_body_bytes {}\n",
        state.edge.bodies.used()
    ));
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
