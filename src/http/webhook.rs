//! `POST /webhooks/sentry` and the legacy plugin endpoint: read raw bytes, verify, parse,
//! queue, answer. Nothing here talks to DingTalk: Sentry waits 1 s and never retries.

use super::AppState;
use super::admin::same_secret;
use super::body;
use super::error::HttpError;
use crate::domain::tally::TallyKind;
use crate::intake::{self, Outcome};
use crate::outbox::Enqueued;
use crate::sentry::payload::{self, LinkBase, Parsed};
use crate::sentry::{HEADER_REQUEST_ID, HEADER_RESOURCE, HEADER_SIGNATURE, shape, signature};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use tracing::{Instrument, info, info_span, warn};

pub async fn sentry(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let request_id = logged_header(&req, HEADER_REQUEST_ID);
    let resource = logged_header(&req, HEADER_RESOURCE);
    let span = info_span!("webhook", request_id = ?request_id, resource = ?resource);
    let runtime = state.live.get();
    let result = async {
        // Before a byte of the body: without a signature it cannot be valid, so it is not read.
        let sig = header(&req, HEADER_SIGNATURE).ok_or(HttpError::MissingSignature)?;
        let (body, _held) = read_body(&req, body, &state).await?;
        if !signature::verify(&body, &sig, &runtime.settings.client_secrets) {
            return Err(HttpError::BadSignature);
        }
        if resource.is_empty() {
            return Err(HttpError::MissingResource);
        }
        let value = payload::parse_json(&body).map_err(|e| HttpError::BadPayload(e.to_string()))?;
        if let Some(shape) = shape::resource_mismatch(&resource, &value) {
            return Err(HttpError::BadPayload(format!(
                "the body is {shape}, not the {resource} that {HEADER_RESOURCE} names"
            )));
        }
        let base = learned_link_base(&state, &value).await;
        let parsed = payload::parse_integration(&resource, &value, &base);
        let issue = match parsed {
            Parsed::Ignored { .. } => issue_of(&value),
            _ => (None, None),
        };
        Ok(Verified {
            parsed,
            identity: intake::identity(&body, Some(&request_id)),
            issue,
        })
    }
    .instrument(span.clone())
    .await;
    finish(result, &state, "/webhooks/sentry", &request_id, &resource)
        .instrument(span)
        .await
}

pub async fn legacy(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let request_id = logged_header(&req, HEADER_REQUEST_ID);
    let span = info_span!("webhook", request_id = ?request_id, resource = "legacy");
    let runtime = state.live.get();
    let result = async {
        let Some(expected) = &runtime.settings.legacy_token else {
            return Err(HttpError::NotFound);
        };
        if !same_secret(path.as_bytes(), expected.expose().as_bytes()) {
            return Err(HttpError::BadToken);
        }
        let (body, _held) = read_body(&req, body, &state).await?;
        let value = payload::parse_json(&body).map_err(|e| HttpError::BadPayload(e.to_string()))?;
        let parsed = payload::parse_legacy(&value, &runtime.settings.link_base());
        let identity = intake::identity(&body, Some(&request_id));
        Ok(Verified {
            parsed,
            identity,
            issue: (None, None),
        })
    }
    .instrument(span.clone())
    .await;
    // The token is a secret: the logged path never shows it.
    finish(
        result,
        &state,
        "/webhooks/sentry/legacy/***",
        &request_id,
        "legacy",
    )
    .instrument(span)
    .await
}

/// The issue a body is about, as far as its usual places say: for the trace of a webhook
/// that is not parsed into an alert.
fn issue_of(v: &serde_json::Value) -> (Option<String>, Option<String>) {
    let data = &v["data"];
    let scalar = |x: &serde_json::Value| match x {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let id = [
        &data["issue"]["id"],
        &data["event"]["issue_id"],
        &data["issue_id"],
        &data["group_id"],
    ]
    .into_iter()
    .find_map(scalar);
    (id, scalar(&data["issue"]["shortId"]))
}

/// A verified webhook, ready for intake: what it says, its dedup identity, and the issue it is
/// about (id, short id) for its trace record.
struct Verified {
    parsed: Parsed,
    identity: Vec<String>,
    issue: (Option<String>, Option<String>),
}

async fn finish(
    verified: Result<Verified, HttpError>,
    state: &web::Data<AppState>,
    path: &str,
    request_id: &str,
    resource: &str,
) -> Result<HttpResponse, HttpError> {
    let outcome = match verified {
        Ok(Verified {
            parsed,
            identity,
            issue,
        }) => {
            let active = state.live.get();
            let received = intake::Received {
                resource: resource.to_owned(),
                request_id: Some(request_id.to_owned()).filter(|id| !id.is_empty()),
                issue,
            };
            intake::accept(parsed, identity, &received, &active.settings, &state.outbox)
                .await
                .map_err(|e| {
                    warn!(error = %e, "outbox write failed");
                    HttpError::Unavailable
                })
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(outcome) => {
            if let Outcome::Stored(Enqueued::Queued { robots }) = &outcome {
                for robot in robots {
                    state.metrics.tally(robot, TallyKind::In, 1);
                }
            }
            let (result, body) = describe(&outcome);
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

/// The metrics label and the 202 body for each outcome.
fn describe(outcome: &Outcome) -> (&'static str, serde_json::Value) {
    match outcome {
        Outcome::Stored(Enqueued::Queued { robots }) => {
            ("accepted", json!({"status": "queued", "robots": robots}))
        }
        Outcome::Stored(Enqueued::Duplicate) => (
            "duplicate",
            json!({"status": "duplicate", "message": "the same webhook (same body or Request-ID) was already queued within 24 h"}),
        ),
        Outcome::Stored(Enqueued::Suppressed) => (
            "suppressed",
            json!({"status": "suppressed", "message": "a repeat of this issue within its route's repeat_interval"}),
        ),
        Outcome::Dropped => (
            "dropped",
            json!({"status": "dropped", "message": "no route takes this alert"}),
        ),
        Outcome::Ignored { resource, action } => (
            "ignored",
            json!({"status": "ignored", "message": format!("{resource}.{action} is not notified")}),
        ),
        Outcome::Installation { action } => (
            "installation",
            json!({"status": "acknowledged", "installation": action}),
        ),
    }
}

/// The body under `BODY_LIMIT_BYTES`, the read deadline and the shared in-flight budget.
pub(super) async fn read_body(
    req: &HttpRequest,
    body: web::Payload,
    state: &AppState,
) -> Result<(web::Bytes, super::inflight::Held), HttpError> {
    let settings = &state.live.get().settings;
    let limits = body::Limits::of(settings, settings.body_limit);
    body::read(req, body, &limits, &state.edge.bodies).await
}

/// A header's value, trimmed; `None` when absent or blank. Bytes beyond ASCII (which HTTP
/// allows) are read as UTF-8, lossily: such a resource is an unknown one (202 ignored), such a
/// signature a wrong one (401), never a "missing" header.
pub(crate) fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// A header the log and the trace carry, sent before the signature is checked: cut to 128
/// characters (Sentry's `Request-ID` has 32), so a stranger's 60 KB header is no 60 KB line.
/// The spans quote it (`?`): a stranger's `}`, quotes or spaces stay inside its value instead
/// of forging the rest of a log line.
fn logged_header(req: &HttpRequest, name: &str) -> String {
    let value = header(req, name).unwrap_or_default();
    match value.char_indices().nth(128) {
        Some((at, _)) => value[..at].to_owned(),
        None => value,
    }
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

/// Links for payloads that carry none use `SENTRY_ORG`, else the organization learned for the
/// payload's installation (which this payload may itself teach).
async fn learned_link_base(state: &AppState, value: &serde_json::Value) -> LinkBase {
    let settings = &state.live.get().settings;
    let mut base = settings.link_base();
    state.orgs.learn_from(&state.outbox, value).await;
    if base.org.is_none()
        && let Some(installation) = super::installations::installation_of(value)
    {
        base.learned_org = state.orgs.org_of(&state.outbox, &installation).await;
    }
    base
}
