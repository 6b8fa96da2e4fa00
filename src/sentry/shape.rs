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

/// The resources whose bodies the relay reads into alerts (or an installation).
pub const READ_RESOURCES: &[&str] = &[
    "issue",
    "comment",
    "event_alert",
    "metric_alert",
    "error",
    "installation",
];

/// Sentry signs the body, not the `Sentry-Hook-Resource` header: a captured body re-sent under
/// another resource would be read as that resource. For a resource the relay reads, the body's
/// own shape must say the same; `Some(shape)` names what the body is when it does not.
/// Resources the relay does not read are ignored whatever their body, so they pass.
pub fn resource_mismatch(header: &str, v: &Value) -> Option<String> {
    if !READ_RESOURCES.contains(&header) {
        return None;
    }
    // A body with none of the resources' keys is read as the header says (a sparse payload
    // still makes a message); sent again under another header it is a duplicate (the dedup
    // key is the body alone).
    let shape = inferred(v);
    (shape != header && shape != "unknown").then_some(shape)
}

#[cfg(test)]
mod tests {
    use super::resource_mismatch;
    use serde_json::json;

    #[test]
    fn a_body_matches_only_the_resource_it_is_shaped_as() {
        let issue = json!({"action": "created", "data": {"issue": {"id": "1"}}});
        let error = json!({"action": "created", "data": {"error": {"title": "x"}}});
        let event = json!({"action": "triggered", "data": {"event": {}, "triggered_rule": "r"}});
        let comment = json!({"action": "created", "data": {"comment": "hi", "issue_id": 1}});
        assert_eq!(resource_mismatch("issue", &issue), None);
        assert_eq!(resource_mismatch("error", &error), None);
        assert_eq!(resource_mismatch("event_alert", &event), None);
        assert_eq!(resource_mismatch("comment", &comment), None);
        assert_eq!(resource_mismatch("error", &issue).as_deref(), Some("issue"));
        assert_eq!(resource_mismatch("issue", &error).as_deref(), Some("error"));
        assert_eq!(
            resource_mismatch("metric_alert", &event).as_deref(),
            Some("event_alert")
        );
        // A resource the relay does not read is ignored anyway.
        assert_eq!(resource_mismatch("seer", &issue), None);
    }
}
