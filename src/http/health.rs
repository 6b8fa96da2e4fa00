//! Liveness and readiness for orchestrators, and the metrics scrape.

use super::AppState;
use crate::clock::now_ms;
use actix_web::{HttpResponse, web};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let counts = state.outbox.stats().await.ok();
    let mut text = state.metrics.render(counts.as_deref().map(|c| {
        c.iter()
            .map(|s| (s.state.as_str(), s.robot.as_str(), s.count))
            .collect::<Vec<_>>()
    }));
    // Kept by the edge itself (`http::body`), not in the registry: read at the moment of asking.
    text.push_str(&format!(
        "# HELP sentry_dingtalk_inflight_body_bytes Bytes of request bodies being received right now (capped by INFLIGHT_BODY_LIMIT_BYTES).
\
         # TYPE sentry_dingtalk_inflight_body_bytes gauge
\
         sentry_dingtalk_inflight_body_bytes {}
",
        state.edge.bodies.used()
    ));
    // Left out, like the outbox gauges, when the store cannot be read: not shown as zero.
    if let Ok(quotas) = super::quota_view::card_quotas(&state).await {
        text.push_str(&super::quota_view::exposition(&quotas));
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
}

/// Ready when a webhook would be stored right now: the outbox commits a real write
/// (templates are loaded before the server starts).
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.outbox.check_writable(now_ms()).await {
        Ok(()) => HttpResponse::Ok().json(
            serde_json::json!({"status": "ready", "outbox": "writable", "templates": "loaded"}),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the outbox does not take writes");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"status": "not ready", "outbox": "not writable"}))
        }
    }
}
