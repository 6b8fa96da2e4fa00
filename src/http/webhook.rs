//! `POST /webhooks/sentry` and the legacy plugin endpoint: read raw bytes, verify, parse,
//! queue, answer. Nothing here talks to DingTalk: Sentry waits 1 s and never retries.

use super::AppState;
use super::error::WebhookError;
use crate::intake::{self, Intake};
use crate::sentry::payload::{self, LinkBase, Parsed};
use crate::sentry::{HEADER_REQUEST_ID, HEADER_RESOURCE, HEADER_SIGNATURE, signature};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tracing::{info, warn};

pub async fn sentry(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebhookError> {
    let request_id = header(&req, HEADER_REQUEST_ID).unwrap_or_default();
    let resource = header(&req, HEADER_RESOURCE).unwrap_or_default();
    let result = async {
        let body = read_limited(body, state.settings.body_limit).await?;
        let sig = header(&req, HEADER_SIGNATURE).ok_or(WebhookError::MissingSignature)?;
        if !signature::verify(&body, &sig, &state.settings.client_secrets) {
            return Err(WebhookError::BadSignature);
        }
        if resource.is_empty() {
            return Err(WebhookError::MissingResource);
        }
        let value =
            payload::parse_json(&body).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
        Ok(payload::parse_integration(
            &resource,
            &value,
            &link_base(&state),
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
) -> Result<HttpResponse, WebhookError> {
    let request_id = header(&req, HEADER_REQUEST_ID).unwrap_or_default();
    let result = async {
        let Some(expected) = &state.settings.legacy_token else {
            return Err(WebhookError::NotFound);
        };
        if !same_secret(path.as_bytes(), expected.expose().as_bytes()) {
            return Err(WebhookError::BadToken);
        }
        let body = read_limited(body, state.settings.body_limit).await?;
        let value =
            payload::parse_json(&body).map_err(|e| WebhookError::BadPayload(e.to_string()))?;
        Ok(payload::parse_legacy(&value, &link_base(&state)))
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
    parsed: Result<Parsed, WebhookError>,
    state: &web::Data<AppState>,
    path: &str,
    request_id: &str,
    resource: &str,
) -> Result<HttpResponse, WebhookError> {
    let outcome = match parsed {
        Ok(parsed) => {
            let (settings, store, wakers) = (
                state.settings.clone(),
                state.store.clone(),
                state.wakers.clone(),
            );
            web::block(move || intake::accept(parsed, &settings, &store, &wakers))
                .await
                .map_err(|_| WebhookError::Unavailable)
                .and_then(|r| {
                    r.map_err(|e| {
                        warn!(error = %e, "outbox write failed");
                        WebhookError::Unavailable
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
            info!(path, request_id, resource, result, "webhook");
            Ok(HttpResponse::Accepted().json(body))
        }
        Err(e) => {
            warn!(path, request_id, resource, result = e.result(), error = %e, "webhook rejected");
            Err(e)
        }
    }
}

/// Reads the body up to `limit` bytes; a longer one is refused without reading it all.
async fn read_limited(mut body: web::Payload, limit: usize) -> Result<web::Bytes, WebhookError> {
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => WebhookError::TooLarge { limit },
            other => WebhookError::BodyRead(other.to_string()),
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(WebhookError::TooLarge { limit });
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

/// Constant time whatever the lengths: both sides are hashed first.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    Sha256::digest(given)
        .ct_eq(&Sha256::digest(expected))
        .into()
}

fn link_base(state: &AppState) -> LinkBase {
    LinkBase {
        sentry_url: state.settings.sentry_url.clone(),
        org: state.settings.sentry_org.clone(),
    }
}
