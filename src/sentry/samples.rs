//! Our own sample payloads (examples/payloads), built in so `check` and the playground can
//! render them on any machine.

pub const SAMPLES: &[(&str, &str)] = &[
    (
        "issue-created.json",
        include_str!("../../examples/payloads/issue-created.json"),
    ),
    (
        "issue-resolved.json",
        include_str!("../../examples/payloads/issue-resolved.json"),
    ),
    (
        "issue-assigned.json",
        include_str!("../../examples/payloads/issue-assigned.json"),
    ),
    (
        "issue-ignored.json",
        include_str!("../../examples/payloads/issue-ignored.json"),
    ),
    (
        "issue-unresolved.json",
        include_str!("../../examples/payloads/issue-unresolved.json"),
    ),
    (
        "issue-archived.json",
        include_str!("../../examples/payloads/issue-archived.json"),
    ),
    (
        "comment-created.json",
        include_str!("../../examples/payloads/comment-created.json"),
    ),
    (
        "comment-updated.json",
        include_str!("../../examples/payloads/comment-updated.json"),
    ),
    (
        "comment-deleted.json",
        include_str!("../../examples/payloads/comment-deleted.json"),
    ),
    (
        "event_alert-triggered.json",
        include_str!("../../examples/payloads/event_alert-triggered.json"),
    ),
    (
        "error-created.json",
        include_str!("../../examples/payloads/error-created.json"),
    ),
    (
        "metric_alert-critical.json",
        include_str!("../../examples/payloads/metric_alert-critical.json"),
    ),
    (
        "metric_alert-warning.json",
        include_str!("../../examples/payloads/metric_alert-warning.json"),
    ),
    (
        "metric_alert-resolved.json",
        include_str!("../../examples/payloads/metric_alert-resolved.json"),
    ),
    (
        "installation-created.json",
        include_str!("../../examples/payloads/installation-created.json"),
    ),
    (
        "installation-deleted.json",
        include_str!("../../examples/payloads/installation-deleted.json"),
    ),
    (
        "legacy-plugin.json",
        include_str!("../../examples/payloads/legacy-plugin.json"),
    ),
    (
        "bare-event.json",
        include_str!("../../examples/payloads/bare-event.json"),
    ),
    (
        "error-created-java-chain.json",
        include_str!("../../examples/payloads/error-created-java-chain.json"),
    ),
    (
        "error-created-javascript-vue.json",
        include_str!("../../examples/payloads/error-created-javascript-vue.json"),
    ),
    (
        "error-created-python.json",
        include_str!("../../examples/payloads/error-created-python.json"),
    ),
    (
        "event_alert-triggered-go.json",
        include_str!("../../examples/payloads/event_alert-triggered-go.json"),
    ),
    (
        "event_alert-triggered-ruby.json",
        include_str!("../../examples/payloads/event_alert-triggered-ruby.json"),
    ),
    (
        "event_alert-triggered-rust-native.json",
        include_str!("../../examples/payloads/event_alert-triggered-rust-native.json"),
    ),
    (
        "event_alert-triggered-two-rules-a.json",
        include_str!("../../examples/payloads/event_alert-triggered-two-rules-a.json"),
    ),
    (
        "event_alert-triggered-two-rules-b.json",
        include_str!("../../examples/payloads/event_alert-triggered-two-rules-b.json"),
    ),
    (
        "legacy-plugin-sentry8.json",
        include_str!("../../examples/payloads/legacy-plugin-sentry8.json"),
    ),
    (
        "legacy-plugin-sentry9.json",
        include_str!("../../examples/payloads/legacy-plugin-sentry9.json"),
    ),
    (
        "metric_alert-critical-thresholds.json",
        include_str!("../../examples/payloads/metric_alert-critical-thresholds.json"),
    ),
];

/// Every sample that makes an alert, by file name, its links under `base`: what `check`, a
/// start, a reload and the playground render templates with. The legacy plugin's only with
/// `legacy`: they arrive only through the legacy endpoint, which is off without its token.
pub fn alerts(
    base: &super::payload::LinkBase,
    legacy: bool,
) -> Vec<(&'static str, crate::domain::alert::Alert)> {
    SAMPLES
        .iter()
        .filter_map(|(name, body)| {
            let value = super::payload::parse_json(body.as_bytes()).ok()?;
            if !legacy && super::payload::detect_shape(&value) == super::payload::Shape::Legacy {
                return None;
            }
            match super::shape::interpret(&value, None, None, base).1 {
                super::payload::Parsed::Alert(alert) => Some((*name, *alert)),
                _ => None,
            }
        })
        .collect()
}
