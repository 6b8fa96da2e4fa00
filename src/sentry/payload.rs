//! Sentry payload shapes → [`Alert`]: integration-platform bodies (by `Sentry-Hook-Resource`),
//! the legacy WebHooks plugin body, and bare events (for `replay`).

use super::event::{fill_from_event, first_text, http_link, text};
use crate::domain::alert::{Alert, AlertKind, Comment, Exception, Level, Metric};
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
    pub org: Option<String>,
}

/// The shape of a body, for `replay` which has no resource header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    Integration { resource: String },
    Legacy,
    BareEvent,
}

pub fn parse_json(body: &[u8]) -> Result<Value, PayloadError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| PayloadError::Json(e.to_string()))?;
    match v {
        Value::Object(_) => Ok(v),
        Value::Array(_) => Err(PayloadError::NotObject("array")),
        _ => Err(PayloadError::NotObject("scalar")),
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

fn metric_alert(data: &Value, action: &str) -> Alert {
    let mut a = Alert::new(AlertKind::MetricAlert, action);
    let m = data.get("metric_alert").unwrap_or(&Value::Null);
    a.level = match action {
        "critical" => Level::Error,
        "warning" => Level::Warning,
        _ => Level::Info,
    };
    let description = text(data, &["description_text"]).map(|d| d.replace("\\n", "\n"));
    a.metric = Some(Metric {
        title: text(data, &["description_title"]),
        description,
        rule: text(m, &["alert_rule", "name"]),
        incident_id: first_text(m, &[&["id"], &["identifier"]]),
    });
    a.title = first_text(data, &[&["description_title"]])
        .or_else(|| text(m, &["title"]))
        .unwrap_or_default();
    a.project = m
        .pointer("/projects/0")
        .and_then(Value::as_str)
        .map(str::to_string);
    a.environment = text(m, &["alert_rule", "environment"]);
    a.first_seen = text(m, &["date_started"]);
    a.link = http_link(text(data, &["web_url"]));
    a.rule_choice = super::alert_rule_action::from_metric_alert(m, action);
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

/// The org slug from any Sentry web or API URL in the payload.
fn org_from_urls(v: &Value) -> Option<String> {
    let candidates = [
        "/data/issue/web_url",
        "/data/issue/url",
        "/data/event/web_url",
        "/data/error/web_url",
        "/data/web_url",
        "/url",
        "/event/url",
    ];
    candidates
        .iter()
        .filter_map(|p| v.pointer(p).and_then(Value::as_str))
        .find_map(|raw| {
            let url = url::Url::parse(raw).ok()?;
            let segs: Vec<&str> = url.path_segments()?.collect();
            let at = segs
                .iter()
                .position(|s| *s == "organizations" || *s == "projects")?;
            segs.get(at + 1)
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string())
        })
}

/// What every kind shares: a title when the payload had none, and a link built from the org.
fn finish(a: &mut Alert, v: &Value, base: &LinkBase) {
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
    if let (Some(org), Some(id)) = (base.org.clone().or_else(|| org_from_urls(v)), &a.issue_id) {
        let org = url::form_urlencoded::byte_serialize(org.as_bytes()).collect::<String>();
        let id = url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>();
        a.link = http_link(Some(format!(
            "{}/organizations/{org}/issues/{id}/",
            base.sentry_url
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> LinkBase {
        LinkBase {
            sentry_url: "https://sentry.io".into(),
            org: Some("acme".into()),
        }
    }

    #[test]
    fn issue_without_web_url_gets_a_built_link() {
        let v = json!({"action": "resolved", "data": {"issue": {"id": "42", "title": "Boom", "level": "fatal"}}});
        let Parsed::Alert(a) = parse_integration("issue", &v, &base()) else {
            panic!("not an alert")
        };
        assert_eq!(
            a.link.as_deref(),
            Some("https://sentry.io/organizations/acme/issues/42/")
        );
        assert_eq!((a.level, a.title.as_str()), (Level::Fatal, "Boom"));
    }

    #[test]
    fn unknown_resources_and_actions_are_ignored_and_installation_acknowledged() {
        let v = json!({"action": "root_cause_completed", "data": {}});
        assert!(matches!(
            parse_integration("seer", &v, &base()),
            Parsed::Ignored { .. }
        ));
        let v = json!({"action": "frobbed", "data": {"issue": {}}});
        assert!(matches!(
            parse_integration("issue", &v, &base()),
            Parsed::Ignored { .. }
        ));
        let v = json!({"action": "created", "data": {"installation": {}}});
        assert!(matches!(
            parse_integration("installation", &v, &base()),
            Parsed::Installation { .. }
        ));
    }

    #[test]
    fn empty_payload_still_makes_an_alert() {
        for resource in ["issue", "event_alert", "error"] {
            let action = if resource == "event_alert" {
                "triggered"
            } else {
                "created"
            };
            let v = json!({ "action": action });
            assert!(matches!(
                parse_integration(resource, &v, &LinkBase::default()),
                Parsed::Alert(_)
            ));
        }
    }

    #[test]
    fn shapes_are_told_apart() {
        assert_eq!(
            detect_shape(&json!({"event": {}, "url": "x", "triggering_rules": []})),
            Shape::Legacy
        );
        assert_eq!(detect_shape(&json!({"event_id": "x"})), Shape::BareEvent);
        let s = detect_shape(&json!({"action": "triggered", "data": {"event": {}}}));
        assert_eq!(
            s,
            Shape::Integration {
                resource: "event_alert".into()
            }
        );
        assert!(parse_json(b"[1]").is_err() && parse_json(b"{").is_err());
    }

    #[test]
    fn project_and_org_come_from_api_urls() {
        let url = "https://sentry.io/api/0/projects/acme/payments-api/events/abc/";
        assert_eq!(
            project_from_api_url(Some(url.into())).as_deref(),
            Some("payments-api")
        );
        let v = json!({"data": {"event": {"web_url": "https://sentry.io/organizations/zed/issues/1/events/2/"}}});
        assert_eq!(org_from_urls(&v).as_deref(), Some("zed"));
    }
}
