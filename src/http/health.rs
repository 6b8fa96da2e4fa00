//! Liveness and readiness for orchestrators, and the metrics scrape.

use super::AppState;
use crate::clock::now_ms;
use crate::metrics::StoreReadings;
use actix_web::{HttpResponse, web};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let counts = state.outbox.stats().await.ok();
    let oldest = oldest_waiting(&state).await;
    let ready = writable(&state).await.is_ok();
    let mut text = state.metrics.render(StoreReadings {
        counts: counts.as_deref().map(|c| {
            c.iter()
                .map(|s| (s.state.as_str(), s.robot.as_str(), s.count))
                .collect()
        }),
        oldest_waiting: oldest
            .as_deref()
            .map(|o| o.iter().map(|(r, s)| (r.as_str(), *s)).collect()),
        ready,
    });
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

/// Each configured robot's oldest undelivered alert's age in seconds (0 when none waits): one
/// indexed read per robot, so a scrape stays cheap with a large backlog. `None` when the
/// store cannot be read.
async fn oldest_waiting(state: &AppState) -> Option<Vec<(String, f64)>> {
    let now = now_ms();
    let robots: Vec<String> = state
        .live
        .get()
        .settings
        .robots
        .iter()
        .map(|r| r.name.clone())
        .collect();
    let mut out = Vec::with_capacity(robots.len());
    for robot in robots {
        let since = state.outbox.oldest_undelivered(&robot).await.ok()?;
        let age = since.map_or(0.0, |t| (now - t).max(0) as f64 / 1000.0);
        out.push((robot, age));
    }
    Some(out)
}

/// Whether the outbox commits a write now; asked while another asks, their answer
/// (`readiness`: a flood of probes puts one write in the store's queue, not one each).
async fn writable(state: &AppState) -> Result<(), String> {
    let outbox = &state.outbox;
    let check = || async {
        outbox
            .check_writable(now_ms())
            .await
            .map_err(|e| e.to_string())
    };
    state.edge.readiness.check(check).await
}

/// Ready when a webhook would be stored right now: the outbox commits a real write
/// (templates are loaded before the server starts).
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match writable(&state).await {
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
