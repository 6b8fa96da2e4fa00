//! The requests Sentry's alert-rule editor makes to the relay: the robot select's options, and
//! the check when a rule is saved. Both are signed with `Sentry-App-Signature` (HMAC-SHA256 of
//! the body, the empty string for a GET, keyed by the client secret).

use super::AppState;
use super::error::HttpError;
use super::webhook::{header, read_body};
use crate::sentry::alert_rule_action::{self, settings_pairs};
use crate::sentry::{HEADER_APP_SIGNATURE, signature};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use tracing::{info, warn};

/// The query Sentry sends; every parameter is optional.
#[derive(Debug, Deserialize)]
pub struct OptionsQuery {
    #[serde(rename = "installationId")]
    installation_id: Option<String>,
    #[serde(rename = "projectSlug")]
    project_slug: Option<String>,
    query: Option<String>,
}

/// `GET /sentry/alert-rule/robots` → `[{"label", "value"}]`, filtered by what was typed.
pub async fn robot_options(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let runtime = state.live.get();
    let settings = &runtime.settings;
    verified(&req, b"", settings).inspect_err(|e| refused(alert_rule_action::OPTIONS_PATH, e))?;
    // Read once the signature passed: a stranger's bad query gets 401 like any other request.
    let query = web::Query::<OptionsQuery>::from_query(req.query_string())
        .map_err(|e| HttpError::BadPayload(e.to_string()))?;
    let typed = query
        .query
        .as_deref()
        .map(|q| q.trim().to_lowercase())
        .unwrap_or_default();
    let options: Vec<Value> = settings
        .robots
        .iter()
        .map(|r| {
            let label = match &r.description {
                Some(d) => format!("{} · {d}", r.name),
                None => r.name.clone(),
            };
            (label, r.name.clone())
        })
        .filter(|(label, _)| typed.is_empty() || label.to_lowercase().contains(&typed))
        .map(|(label, value)| json!({"label": label, "value": value}))
        .collect();
    info!(
        path = alert_rule_action::OPTIONS_PATH,
        installation = query.installation_id.as_deref().unwrap_or("-"),
        project = query.project_slug.as_deref().unwrap_or("-"),
        options = options.len(),
        "robot options for Sentry"
    );
    Ok(HttpResponse::Ok().json(options))
}

/// `POST /sentry/alert-rule/validate` with `{"fields": [{"name", "value"}…], "installationId"}`:
/// 200 saves the rule; a 400's `message` is what Sentry shows the person saving it.
pub async fn validate_rule(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let runtime = state.live.get();
    let settings = &runtime.settings;
    let path = alert_rule_action::VALIDATE_PATH;
    // Unsigned requests are refused before a byte of the body is read; signed ones are read
    // under the same deadline and shared budget as webhooks.
    header(&req, HEADER_APP_SIGNATURE)
        .ok_or(HttpError::MissingAppSignature)
        .inspect_err(|e| refused(path, e))?;
    let (body, _held) = read_body(&req, body, &state).await?;
    verified(&req, &body, settings).inspect_err(|e| refused(path, e))?;
    let value = crate::sentry::payload::parse_json(&body)
        .map_err(|e| HttpError::BadPayload(e.to_string()))?;
    let fields: Vec<(String, String)> = settings_pairs(value.get("fields")).collect();
    let installation = value
        .get("installationId")
        .and_then(Value::as_str)
        .unwrap_or("-");
    let known = alert_rule_action::Known {
        robots: &names(&settings.robots, |r| &r.name),
        people: &names(&settings.team.people, |p| &p.name),
        rotas: &names(&settings.team.rotas, |r| &r.name),
    };
    match alert_rule_action::validate(&fields, known) {
        Ok(()) => {
            info!(path, installation, result = "valid", "alert rule checked");
            Ok(HttpResponse::Ok().json(json!({"message": "DingTalk settings are valid"})))
        }
        Err(problem) => {
            info!(
                path,
                installation,
                result = "invalid",
                problem,
                "alert rule refused"
            );
            Ok(HttpResponse::BadRequest()
                .json(json!({"error": "invalid_settings", "message": problem})))
        }
    }
}

fn verified(
    req: &HttpRequest,
    body: &[u8],
    settings: &crate::config::Settings,
) -> Result<(), HttpError> {
    let sig = header(req, HEADER_APP_SIGNATURE).ok_or(HttpError::MissingAppSignature)?;
    if !signature::verify(body, &sig, &settings.client_secrets) {
        return Err(HttpError::BadSignature);
    }
    Ok(())
}

/// The names the config gives things of one kind (robots, people, rotas), as a rule may name them.
fn names<T>(things: &[T], name: impl Fn(&T) -> &String) -> Vec<&str> {
    things.iter().map(|t| name(t).as_str()).collect()
}

fn refused(path: &str, e: &HttpError) {
    warn!(path, result = e.result(), error = %e, "Sentry UI request rejected");
}
