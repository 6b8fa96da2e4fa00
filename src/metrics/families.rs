//! The metric families `Metrics` registers: the counters as one table, and the one way any
//! family is registered.

use prometheus::Registry;
use prometheus::core::Collector;

/// A counter family: name, help, label names.
pub(super) type Family = (&'static str, &'static str, &'static [&'static str]);

/// A row of [`COUNTERS`], written `counter(…)` so it reads as the counter it declares (and
/// `tests/api/deploy_files` finds the name where it looks for metric names).
const fn counter(
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
) -> Family {
    (name, help, labels)
}

/// The counters, in the order `Metrics::new` names them.
pub(super) const COUNTERS: [Family; 12] = [
    counter(
        "webhooks_total",
        "Webhooks received, by resource and result",
        &["resource", "result"],
    ),
    counter(
        "deliveries_total",
        "DingTalk send attempts, by robot and outcome",
        &["robot", "outcome"],
    ),
    counter(
        "throttle_pauses_total",
        "Times DingTalk throttled a robot",
        &["robot"],
    ),
    counter(
        "sentry_api_requests_total",
        "Sentry API calls, by result",
        &["result"],
    ),
    counter(
        "alerts_set_aside_total",
        "Unreadable outbox rows set aside as dead, by robot",
        &["robot"],
    ),
    counter(
        "alerts_silenced_total",
        "Alerts held back by a silence (summarized when it ends), by robot",
        &["robot"],
    ),
    counter(
        "alerts_muted_total",
        "Alerts held back by a route's mute window (summarized when it ends), by robot",
        &["robot"],
    ),
    counter(
        "storms_total",
        "Alert storms begun (summaries instead of batches), by robot",
        &["robot"],
    ),
    counter(
        "alerts_in_storms_total",
        "Alerts told in a storm's summaries instead of their own messages, by robot",
        &["robot"],
    ),
    counter(
        "escalations_total",
        "Escalation steps taken, by route and step kind (oncall, person, all, robot, ding)",
        &["route", "step"],
    ),
    counter(
        "ding_failures_total",
        "DINGs DingTalk refused or that could not be sent, by route (the ladder goes on)",
        &["route"],
    ),
    counter(
        "body_evictions_total",
        "Request bodies cut off to make room: budget, client_share (one address held its \
         share) or bodies (too many being received at once)",
        &["reason"],
    ),
];

pub(super) const ONE_ROW_A_FIELD: &str = "COUNTERS has one row for each counter field of `Metrics`";

/// Registers `metric` with `registry`. Its name and labels are static, so making it cannot
/// fail; registering cannot either, each name being registered once.
pub(super) fn register<M: Collector + Clone + 'static>(
    registry: &Registry,
    metric: prometheus::Result<M>,
) -> M {
    let metric = metric.unwrap_or_else(|_| unreachable!("static names"));
    let _ = registry.register(Box::new(metric.clone()));
    metric
}
