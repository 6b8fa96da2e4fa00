//! Sentry payload shapes → [`Alert`]: integration-platform bodies (by `Sentry-Hook-Resource`),
//! the legacy WebHooks plugin body, and bare events (for `replay`).

use super::event::{fill_from_event, http_link};
use super::installation::org_from_urls;
use super::json::{first_text, text};
use super::metric::metric_alert;
use crate::domain::alert::{Alert, AlertKind, Comment, Exception, Level};
use serde_json::Value;

/// What a webhook turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Alert(Box<Alert>),
    /// `installation` created/deleted: acknowledged, logged, no message.
    Installation {
        action: String,
    },
    /// A resource or action we deliberately do not notify about (seer, activity_alert, …).
    Ignored {
        resource: String,
        action: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("body is not valid JSON: {0}")]
    Json(String),
    #[error("body is a JSON {0}, not an object")]
    NotObject(&'static str),
}

/// Where links that a payload lacks are built from.
#[derive(Debug, Clone, Default)]
pub struct LinkBase {
    pub sentry_url: String,
    /// `SENTRY_ORG`: wins over everything the payloads say.
    pub org: Option<String>,
    /// The org this installation's earlier payloads named (see
    /// [`super::installation::installation_org`]); used when this payload names none.
    pub learned_org: Option<String>,
}

/// The shape of a body, for `replay` which has no resource header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    Integration { resource: String },
    Legacy,
    BareEvent,
}

pub fn parse_json(body: &[u8]) -> Result<Value, PayloadError> {
    let mut v: Value =
        serde_json::from_slice(body).map_err(|e| PayloadError::Json(e.to_string()))?;
    without_nul(&mut v);
    match v {
        Value::Object(_) => Ok(v),
        Value::Array(_) => Err(PayloadError::NotObject("array")),
        _ => Err(PayloadError::NotObject("scalar")),
    }
}

/// Every string in `v` without NUL characters (`\u0000` in the JSON). PostgreSQL's text
/// cannot hold one: a webhook whose short id carried it was answered 503 and lost, as Sentry
/// does not send it again. Nothing shows a NUL anyway.
fn without_nul(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('\0') => s.retain(|c| c != '\0'),
        Value::Array(items) => items.iter_mut().for_each(without_nul),
        Value::Object(map) => {
            if map.keys().any(|k| k.contains('\0')) {
                let entries = std::mem::take(map);
                map.extend(entries.into_iter().map(|(k, v)| (k.replace('\0', ""), v)));
            }
            map.values_mut().for_each(without_nul);
        }
        _ => {}
    }
}

pub fn detect_shape(v: &Value) -> Shape {
    let data = v.get("data");
    if v.get("event").is_some() && (v.get("triggering_rules").is_some() || v.get("url").is_some()) {
        return Shape::Legacy;
    }
    let Some(data) = data else {
        return Shape::BareEvent;
    };
    let resource = if data.get("metric_alert").is_some() {
        "metric_alert"
    } else if data.get("comment").is_some() || data.get("comment_id").is_some() {
        "comment"
    } else if data.get("issue").is_some() {
        "issue"
    } else if data.get("event").is_some() {
        "event_alert"
    } else if data.get("error").is_some() {
        "error"
    } else if data.get("installation").is_some() {
        "installation"
    } else {
        "unknown"
    };
    Shape::Integration {
        resource: resource.into(),
    }
}

/// Every action the relay reads, of any resource, as `parse_integration` below takes them: a
/// route's `actions` must name one of them (a typo would match nothing, without a word).
pub const ACTIONS: &[&str] = &[
    "created",
    "resolved",
    "assigned",
    "ignored",
    "archived",
    "unresolved",
    "updated",
    "deleted",
    "triggered",
    "critical",
    "warning",
    "open",
];

/// An integration-platform body, dispatched on the resource header and `action`.
pub fn parse_integration(resource: &str, v: &Value, base: &LinkBase) -> Parsed {
    let action = text(v, &["action"]).unwrap_or_default();
    let data = v.get("data").unwrap_or(&Value::Null);
    let ignored = || Parsed::Ignored {
        resource: resource.to_string(),
        action: action.clone(),
    };
    let mut alert = match (resource, action.as_str()) {
        ("installation", "created" | "deleted") => return Parsed::Installation { action },
        ("issue", "created" | "resolved" | "assigned" | "ignored" | "archived" | "unresolved") => {
            issue(data, &action)
        }
        ("comment", "created" | "updated" | "deleted") => comment(data, &action),
        ("event_alert", "triggered") => event_alert(data),
        ("metric_alert", "critical" | "warning" | "resolved" | "open") => {
            metric_alert(data, &action)
        }
        ("error", "created") => {
            let mut a = Alert::new(AlertKind::Error, "created");
            let ev = data.get("error").unwrap_or(&Value::Null);
            fill_from_event(&mut a, ev);
            a.link = http_link(text(ev, &["web_url"]));
            a.project = project_from_api_url(text(ev, &["url"]));
            a.level = text(ev, &["level"])
                .and_then(|l| Level::parse(&l))
                .unwrap_or(Level::Error);
            a
        }
        _ => return ignored(),
    };
    alert.actor = text(v, &["actor", "name"]);
    finish(&mut alert, v, base);
    Parsed::Alert(Box::new(alert))
}

/// The legacy WebHooks plugin body: unsigned, no resource header, shaped around `event`.
pub fn parse_legacy(v: &Value, base: &LinkBase) -> Parsed {
    let mut a = Alert::new(AlertKind::EventAlert, "triggered");
    a.title = first_text(v, &[&["event", "title"], &["message"], &["culprit"]]).unwrap_or_default();
    fill_from_event(&mut a, v.get("event").unwrap_or(&Value::Null));
    a.issue_id = text(v, &["id"]);
    a.project = first_text(v, &[&["project_slug"], &["project"]]);
    a.project_name = text(v, &["project_name"]);
    a.culprit = a.culprit.take().or_else(|| text(v, &["culprit"]));
    if let Some(level) = text(v, &["level"]).and_then(|l| Level::parse(&l)) {
        a.level = level;
    }
    a.link = http_link(text(v, &["url"]));
    a.triggered_rule = v
        .get("triggering_rules")
        .and_then(Value::as_array)
        .map(|rules| {
            rules
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|s| !s.is_empty());
    finish(&mut a, v, base);
    Parsed::Alert(Box::new(a))
}

/// A bare Sentry event (what an SDK sends, or an event JSON saved from the UI).
pub fn parse_bare_event(v: &Value, base: &LinkBase) -> Parsed {
    let mut a = Alert::new(AlertKind::Error, "created");
    fill_from_event(&mut a, v);
    a.link = http_link(text(v, &["web_url"]));
    finish(&mut a, v, base);
    Parsed::Alert(Box::new(a))
}

fn issue(data: &Value, action: &str) -> Alert {
    let mut a = Alert::new(AlertKind::Issue, action);
    let i = data.get("issue").unwrap_or(&Value::Null);
    a.title = first_text(i, &[&["title"], &["metadata", "title"]]).unwrap_or_default();
    a.culprit = text(i, &["culprit"]);
    a.level = text(i, &["level"])
        .and_then(|l| Level::parse(&l))
        .unwrap_or(Level::Error);
    a.issue_id = text(i, &["id"]);
    a.short_id = text(i, &["shortId"]);
    a.project = text(i, &["project", "slug"]);
    a.project_name = text(i, &["project", "name"]);
    a.platform = text(i, &["platform"]);
    a.status = text(i, &["status"]);
    a.substatus = text(i, &["substatus"]);
    a.count = text(i, &["count"]);
    a.user_count = i.get("userCount").and_then(Value::as_u64);
    a.first_seen = text(i, &["firstSeen"]);
    a.last_seen = text(i, &["lastSeen"]);
    a.link = http_link(
        first_text(i, &[&["web_url"], &["permalink"]]).or_else(|| text(data, &["web_url"])),
    );
    let meta_type = text(i, &["metadata", "type"]);
    if meta_type.is_some() {
        a.exception = Some(Exception {
            ty: meta_type,
            value: text(i, &["metadata", "value"]),
            ..Default::default()
        });
    }
    a.assignee = first_text(data, &[&["assignee", "name"], &["assignee", "email"]])
        .or_else(|| first_text(i, &[&["assignedTo", "name"], &["assignedTo", "email"]]));
    a
}

fn comment(data: &Value, action: &str) -> Alert {
    let mut a = Alert::new(AlertKind::Comment, action);
    a.issue_id = text(data, &["issue_id"]);
    a.project = text(data, &["project_slug"]);
    a.comment = Some(Comment {
        text: text(data, &["comment"]),
        author: None,
        id: text(data, &["comment_id"]),
    });
    a.last_seen = text(data, &["timestamp"]);
    a
}

fn event_alert(data: &Value) -> Alert {
    let mut a = Alert::new(AlertKind::EventAlert, "triggered");
    let ev = data.get("event").unwrap_or(&Value::Null);
    fill_from_event(&mut a, ev);
    a.link = http_link(text(ev, &["web_url"]));
    a.project = project_from_api_url(text(ev, &["url"]));
    a.triggered_rule = first_text(data, &[&["triggered_rule"], &["issue_alert", "title"]]);
    a.rule_choice = super::alert_rule_action::from_issue_alert(data.get("issue_alert"));
    a
}

/// `https://sentry.io/api/0/projects/{org}/{project}/events/{id}/` names the project slug,
/// which event bodies otherwise carry only as a numeric id.
fn project_from_api_url(url: Option<String>) -> Option<String> {
    let url = url::Url::parse(&url?).ok()?;
    let segs: Vec<&str> = url.path_segments()?.collect();
    let at = segs.iter().position(|s| *s == "projects")?;
    segs.get(at + 2)
        .filter(|s| !s.is_empty())
        .map(|s| s.to_string())
}

/// What every kind shares: names and identifiers no longer than Sentry makes them (`bounds`),
/// a title when the payload had none, and a link built from the org.
fn finish(a: &mut Alert, v: &Value, base: &LinkBase) {
    super::bounds::bound(a);
    if a.title.trim().is_empty() {
        a.title = a
            .exception
            .as_ref()
            .and_then(|e| match (&e.ty, &e.value) {
                (Some(t), Some(v)) => Some(format!("{t}: {v}")),
                (t, v) => t.clone().or_else(|| v.clone()),
            })
            .or_else(|| a.culprit.clone())
            .unwrap_or_default();
    }
    if a.link.is_some() {
        return;
    }
    let Some(org) = base
        .org
        .clone()
        .or_else(|| org_from_urls(v))
        .or_else(|| base.learned_org.clone())
    else {
        return;
    };
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let org = enc(&org);
    let rule = a
        .metric
        .as_ref()
        .and_then(|m| Some((m.rule_id.as_deref()?, m)));
    let path = match (a.kind, rule, &a.issue_id) {
        (AlertKind::MetricAlert, Some((rule_id, m)), _) => {
            let incident = m
                .identifier
                .as_deref()
                .map(|i| format!("?alert={}", enc(i)))
                .unwrap_or_default();
            format!("alerts/rules/details/{}/{incident}", enc(rule_id))
        }
        (AlertKind::MetricAlert, None, _) | (_, _, None) => return,
        (_, _, Some(id)) => format!("issues/{}/", enc(id)),
    };
    a.link = http_link(Some(format!(
        "{}/organizations/{org}/{path}",
        base.sentry_url
    )));
}

#[cfg(test)]
mod tests;
