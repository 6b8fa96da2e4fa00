//! `POST /webhooks/sentry` and the legacy plugin endpoint: read raw bytes, verify, parse,
//! queue, answer. Nothing here talks to DingTalk: Sentry waits 1 s and never retries.

use super::AppState;
use super::admin::same_secret;
use super::error::HttpError;
use crate::intake::{self, Intake};
use crate::sentry::payload::{self, LinkBase, Parsed};
use crate::sentry::{HEADER_REQUEST_ID, HEADER_RESOURCE, HEADER_SIGNATURE, signature};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde_json::json;
use tracing::{info, warn};

pub async fn sentry(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let request_id = header(&req, HEADER_REQUEST_ID).unwrap_or_default();
    let resource = header(&req, HEADER_RESOURCE).unwrap_or_default();
    let runtime = state.live.get();
    let result = async {
        let body = read_limited(body, runtime.settings.body_limit).await?;
        let sig = header(&req, HEADER_SIGNATURE).ok_or(HttpError::MissingSignature)?;
        if !signature::verify(&body, &sig, &runtime.settings.client_secrets) {
            return Err(HttpError::BadSignature);
        }
        if resource.is_empty() {
            return Err(HttpError::MissingResource);
        }
        let value = payload::parse_json(&body).map_err(|e| HttpError::BadPayload(e.to_string()))?;
        Ok(payload::parse_integration(
            &resource,
            &value,
            &link_base(&runtime.settings),
        ))
    }
    .await;
    finish(result, &state, "/webhooks/sentry", &request_id, &resource).await
}

pub async fn legacy(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let request_id = header(&req, HEADER_REQUEST_ID).unwrap_or_default();
    let runtime = state.live.get();
    let result = async {
        let Some(expected) = &runtime.settings.legacy_token else {
            return Err(HttpError::NotFound);
        };
        if !same_secret(path.as_bytes(), expected.expose().as_bytes()) {
            return Err(HttpError::BadToken);
        }
        let body = read_limited(body, runtime.settings.body_limit).await?;
        let value = payload::parse_json(&body).map_err(|e| HttpError::BadPayload(e.to_string()))?;
        Ok(payload::parse_legacy(&value, &link_base(&runtime.settings)))
    }
    .await;
    // The token is a secret: the logged path never shows it.
    finish(
        result,
        &state,
        "/webhooks/sentry/legacy/***",
        &request_id,
        "legacy",
    )
    .await
}

async fn finish(
    parsed: Result<Parsed, HttpError>,
    state: &web::Data<AppState>,
    path: &str,
    request_id: &str,
    resource: &str,
) -> Result<HttpResponse, HttpError> {
    let outcome = match parsed {
        Ok(parsed) => {
            let (runtime, store, wakers) =
                (state.live.get(), state.store.clone(), state.wakers.clone());
            web::block(move || intake::accept(parsed, &runtime.settings, &store, &wakers))
                .await
                .map_err(|_| HttpError::Unavailable)
                .and_then(|r| {
                    r.map_err(|e| {
                        warn!(error = %e, "outbox write failed");
                        HttpError::Unavailable
                    })
                })
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(intake) => {
            let (result, body) = match &intake {
                Intake::Queued { robots } => {
                    ("accepted", json!({"status": "queued", "robots": robots}))
                }
                Intake::Duplicate => (
                    "duplicate",
                    json!({"status": "duplicate", "message": "already queued within 24 h"}),
                ),
                Intake::Suppressed => (
                    "suppressed",
                    json!({"status": "suppressed", "message": "a repeat of this issue within its route's repeat_interval"}),
                ),
                Intake::Dropped => (
                    "dropped",
                    json!({"status": "dropped", "message": "no route takes this alert"}),
                ),
                Intake::Ignored { resource, action } => (
                    "ignored",
                    json!({"status": "ignored", "message": format!("{resource}.{action} is not notified")}),
                ),
                Intake::Installation { action } => (
                    "installation",
                    json!({"status": "acknowledged", "installation": action}),
                ),
            };
            state
                .metrics
                .webhooks
                .with_label_values(&[resource_label(resource), result])
                .inc();
            info!(path, request_id, resource, result, "webhook");
            Ok(HttpResponse::Accepted().json(body))
        }
        Err(e) => {
            state
                .metrics
                .webhooks
                .with_label_values(&[resource_label(resource), e.result()])
                .inc();
            warn!(path, request_id, resource, result = e.result(), error = %e, "webhook rejected");
            Err(e)
        }
    }
}

/// Reads the body up to `limit` bytes; a longer one is refused without reading it all.
async fn read_limited(mut body: web::Payload, limit: usize) -> Result<web::Bytes, HttpError> {
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => HttpError::TooLarge { limit },
            other => HttpError::BodyRead(other.to_string()),
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(HttpError::TooLarge { limit });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Header values are not used as labels as they come: a client could mint endless series.
fn resource_label(resource: &str) -> &str {
    match resource {
        "issue" | "comment" | "event_alert" | "metric_alert" | "error" | "installation"
        | "legacy" | "seer" => resource,
        "" => "none",
        _ => "other",
    }
}

fn link_base(settings: &crate::config::Settings) -> LinkBase {
    LinkBase {
        sentry_url: settings.sentry_url.clone(),
        org: settings.sentry_org.clone(),
        learned_org: None,
    }
}
