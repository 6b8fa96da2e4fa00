//! Payload files of any shape — integration body, legacy plugin body, bare event — as the
//! resource they would be sent as, and what they parse to. For `replay`, `check` and the
//! playground, which take a payload without Sentry's headers.

use super::payload::{self, LinkBase, Parsed, Shape};
use serde_json::Value;

/// The resource a sample is sent as, and what it parses to.
pub fn interpret(
    value: &Value,
    resource: Option<&str>,
    action: Option<&str>,
    base: &LinkBase,
) -> (String, Parsed) {
    let mut value = value.clone();
    if let (Some(action), Some(obj)) = (action, value.as_object_mut()) {
        obj.insert("action".into(), Value::String(action.into()));
    }
    let shape = payload::detect_shape(&value);
    match (resource, shape) {
        (None, Shape::Legacy) => ("legacy".into(), payload::parse_legacy(&value, base)),
        (None, Shape::BareEvent) => ("error".into(), payload::parse_bare_event(&value, base)),
        (Some(r), Shape::BareEvent) => (
            r.into(),
            payload::parse_integration(r, &wrap_event(r, value), base),
        ),
        (Some(r), _) => (r.into(), payload::parse_integration(r, &value, base)),
        (None, Shape::Integration { resource }) => {
            let parsed = payload::parse_integration(&resource, &value, base);
            (resource, parsed)
        }
    }
}

pub fn inferred(v: &Value) -> String {
    match payload::detect_shape(v) {
        Shape::Integration { resource } => resource,
        Shape::Legacy => "legacy".into(),
        Shape::BareEvent => "error".into(),
    }
}

/// A bare event sent as an integration resource: `{"action", "data": {"event"|"error": …}}`.
pub fn wrap_event(resource: &str, event: Value) -> Value {
    let (key, action) = if resource == "event_alert" {
        ("event", "triggered")
    } else {
        ("error", "created")
    };
    serde_json::json!({ "action": action, "data": { key: event } })
}
