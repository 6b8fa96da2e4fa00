//! `check --online`: asks Sentry what the API credentials may do and which of the relay's
//! features will therefore work, naming any missing scope. The credentials never appear in the
//! report or the log: the API client's errors carry only statuses.

use crate::config::Settings;
use crate::sentry::api::{ApiAuth, ApiError, SentryApi};
use serde_json::Value;
use std::fmt::Write;
use std::time::Duration;

/// A feature, and the scope it needs (a `write`/`admin` scope of the same resource also does).
const FEATURES: &[(&str, &str)] = &[
    (
        "enrichment (stack, user and link for issue and comment alerts)",
        "event:read",
    ),
    (
        "resolve / ignore from the chat (PUBLIC_URL actions)",
        "event:write",
    ),
    ("open-issue digest", "org:read"),
];

/// The report, and whether the card robots got their tokens and the Sentry API was usable at
/// all (the exit code follows it).
pub async fn run(settings: &Settings) -> anyhow::Result<(String, bool)> {
    let (mut out, cards_ok) = super::check_cards::run(settings).await?;
    let (sentry, sentry_ok) = sentry_api(settings).await?;
    out.push_str(&sentry);
    Ok((out, cards_ok && sentry_ok))
}

async fn sentry_api(settings: &Settings) -> anyhow::Result<(String, bool)> {
    let mut out = String::new();
    let Some(auth) = settings.sentry_auth() else {
        writeln!(
            out,
            "Sentry API: no SENTRY_API_TOKEN or SENTRY_API_KEY; enrichment, chat actions and the digest are off"
        )?;
        return Ok((out, false));
    };
    let kind = match auth {
        ApiAuth::Bearer(_) => "SENTRY_API_TOKEN (Bearer)",
        ApiAuth::Basic(_) => "SENTRY_API_KEY (HTTP Basic)",
    };
    let org = settings.sentry_org.clone().unwrap_or_default();
    let api = SentryApi::new(&settings.sentry_url, &org, auth, Duration::from_secs(10));
    let base = format!("{}/api/0/", settings.sentry_url);
    let root = match api.root().await {
        Ok(v) => v,
        Err(e) => {
            writeln!(out, "Sentry API {base}: {kind} not usable: {}", explain(&e))?;
            return Ok((out, false));
        }
    };
    let scopes = scopes_of(&root);
    match &scopes {
        Some(s) => writeln!(
            out,
            "Sentry API {base}: {kind} accepted; scopes: {}",
            if s.is_empty() {
                "none".into()
            } else {
                s.join(", ")
            }
        )?,
        None => writeln!(
            out,
            "Sentry API {base}: {kind} accepted; Sentry did not say which scopes it has"
        )?,
    }
    let mut usable = true;
    if org.is_empty() {
        writeln!(
            out,
            "organization: SENTRY_ORG is not set; the API features need it"
        )?;
        usable = false;
    } else {
        match api.organization().await {
            Ok(v) => {
                let name = v.get("name").and_then(Value::as_str).unwrap_or(&org);
                writeln!(out, "organization {org}: reachable ({name})")?;
            }
            Err(e) => {
                writeln!(out, "organization {org}: not reachable: {}", explain(&e))?;
                usable = false;
            }
        }
    }
    for (feature, scope) in FEATURES {
        let verdict = match &scopes {
            None => format!("unknown (needs {scope})"),
            Some(s) if grants(s, scope) && usable => format!("works ({scope})"),
            Some(s) if grants(s, scope) => {
                format!("has {scope}, but the organization is not reachable")
            }
            Some(_) => format!("does not work: missing scope {scope}"),
        };
        writeln!(out, "{feature}: {verdict}")?;
    }
    Ok((out, usable))
}

/// `auth.scopes` of `GET /api/0/` (older versions: a top-level `scopes`).
fn scopes_of(root: &Value) -> Option<Vec<String>> {
    let list = root
        .pointer("/auth/scopes")
        .or_else(|| root.get("scopes"))?
        .as_array()?;
    Some(
        list.iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    )
}

/// `event:read` is granted by `event:read`, `event:write` or `event:admin`; a write scope by
/// itself or admin, as Sentry's endpoint permissions accept them.
fn grants(scopes: &[String], needed: &str) -> bool {
    let Some((resource, access)) = needed.split_once(':') else {
        return false;
    };
    let enough: &[&str] = match access {
        "read" => &["read", "write", "admin"],
        "write" => &["write", "admin"],
        _ => &["admin"],
    };
    scopes
        .iter()
        .any(|s| enough.iter().any(|a| *s == format!("{resource}:{a}")))
}

fn explain(e: &ApiError) -> String {
    match e {
        ApiError::Unauthorized(401) => {
            "refused (HTTP 401): the credentials are wrong or revoked".into()
        }
        ApiError::Unauthorized(s) => {
            format!("refused (HTTP {s}): the credentials lack a scope for it")
        }
        ApiError::Status(404) => "not found (HTTP 404): check SENTRY_URL and SENTRY_ORG".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scopes_and_what_they_grant() {
        let s =
            scopes_of(&json!({"version": "0", "auth": {"scopes": ["event:admin", "org:read"]}}))
                .expect("scopes");
        assert!(grants(&s, "event:read") && grants(&s, "event:write") && grants(&s, "org:read"));
        assert!(!grants(&s, "org:write") && !grants(&s, "project:read"));
        assert_eq!(scopes_of(&json!({"auth": null})), None);
        assert_eq!(
            scopes_of(&json!({"scopes": ["a"]})),
            Some(vec!["a".to_string()])
        );
    }
}
