//! Prometheus metrics (prefix `sentry_dingtalk_`). One registry per application, passed down
//! explicitly, so tests running several apps in one process do not share counters.

use crate::domain::tally::{TallyCounts, TallyKind};
use crate::sentry::shape::READ_RESOURCES;
use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

mod families;
use families::register;

pub struct Metrics {
    registry: Registry,
    pub webhooks: IntCounterVec,
    pub deliveries: IntCounterVec,
    pub throttle_pauses: IntCounterVec,
    pub api_requests: IntCounterVec,
    pub request_duration: HistogramVec,
    pub set_aside: IntCounterVec,
    /// Alerts a silence held back, by robot.
    pub silenced: IntCounterVec,
    /// Alerts a mute window held back, by robot.
    pub muted: IntCounterVec,
    /// Storms begun, by robot.
    pub storms: IntCounterVec,
    /// Alerts held by a storm (told in its summaries), by robot.
    pub in_storms: IntCounterVec,
    /// Escalation steps taken, by route and step kind.
    pub escalations: IntCounterVec,
    /// DINGs not sent, by route.
    pub ding_failures: IntCounterVec,
    /// Request bodies cut off to make room for others (`http::inflight`), by reason.
    pub body_evictions: IntCounterVec,
    /// Request bodies being received right now.
    pub inflight_bodies: IntGauge,
    outbox: GaugeVec,
    /// Age of each robot's oldest alert not yet delivered, read from the store at each scrape.
    oldest_waiting: GaugeVec,
    /// Whether the outbox took a write at the scrape, as `/readyz` checks it.
    ready: IntGauge,
    /// The robots configured at start: their series exist from the first scrape.
    robots: Vec<String>,
    /// The status page's counts not yet added to the store (`delivery::tallies` flushes them).
    pub tallies: TallyCounts,
}

/// Label values known in advance, exported as 0 before anything happens so that `rate()`
/// panels and alert rules have data from the first scrape: the resources are those the relay
/// reads, and the legacy plugin's webhook (which names none).
const LEGACY_RESOURCE: &str = "legacy";
const RESULTS: &[&str] = &[
    "accepted",
    "duplicate",
    "suppressed",
    "dropped",
    "ignored",
    "installation",
    "bad_signature",
    "bad_request",
    "too_large",
    "timeout",
    "overloaded",
    "evicted",
    "unavailable",
    "not_found",
];
const OUTCOMES: &[&str] = &["sent", "retryable", "throttled", "permanent"];
const STATES: &[&str] = &["waiting", "held", "pending", "sent", "dead"];

impl Metrics {
    pub fn new<'a>(robots: impl IntoIterator<Item = &'a str>) -> Self {
        let registry =
            Registry::new_custom(Some("sentry_dingtalk".into()), None).unwrap_or_default();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            families::counter(&registry, name, help, labels)
        };
        let request_duration = register(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "dingtalk_request_duration_seconds",
                    "DingTalk request latency",
                )
                .buckets(vec![0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
                &["robot"],
            ),
        );
        let outbox = register(
            &registry,
            GaugeVec::new(
                Opts::new("outbox_messages", "Outbox contents by state and robot"),
                &["state", "robot"],
            ),
        );
        let oldest_waiting = register(
            &registry,
            GaugeVec::new(
                Opts::new(
                    "oldest_waiting_seconds",
                    "Age of the oldest alert not yet delivered (waiting or in a pending message; \
                     alerts held on purpose and dead messages are not counted), by robot",
                ),
                &["robot"],
            ),
        );
        let ready = register(
            &registry,
            IntGauge::new(
                "ready",
                "1 when the outbox took a write at this scrape (what /readyz checks), else 0",
            ),
        );
        let inflight_bodies = register(
            &registry,
            IntGauge::new("inflight_bodies", "Request bodies being received right now"),
        );
        let metrics = Self {
            webhooks: counter(
                "webhooks_total",
                "Webhooks received, by resource and result",
                &["resource", "result"],
            ),
            deliveries: counter(
                "deliveries_total",
                "DingTalk send attempts, by robot and outcome",
                &["robot", "outcome"],
            ),
            throttle_pauses: counter(
                "throttle_pauses_total",
                "Times DingTalk throttled a robot",
                &["robot"],
            ),
            api_requests: counter(
                "sentry_api_requests_total",
                "Sentry API calls, by result",
                &["result"],
            ),
            request_duration,
            set_aside: counter(
                "alerts_set_aside_total",
                "Unreadable outbox rows set aside as dead, by robot",
                &["robot"],
            ),
            silenced: counter(
                "alerts_silenced_total",
                "Alerts held back by a silence (summarized when it ends), by robot",
                &["robot"],
            ),
            muted: counter(
                "alerts_muted_total",
                "Alerts held back by a route's mute window (summarized when it ends), by robot",
                &["robot"],
            ),
            storms: counter(
                "storms_total",
                "Alert storms begun (summaries instead of batches), by robot",
                &["robot"],
            ),
            in_storms: counter(
                "alerts_in_storms_total",
                "Alerts told in a storm's summaries instead of their own messages, by robot",
                &["robot"],
            ),
            escalations: counter(
                "escalations_total",
                "Escalation steps taken, by route and step kind (oncall, person, all, robot, ding)",
                &["route", "step"],
            ),
            ding_failures: counter(
                "ding_failures_total",
                "DINGs DingTalk refused or that could not be sent, by route (the ladder goes on)",
                &["route"],
            ),
            body_evictions: counter(
                "body_evictions_total",
                "Request bodies cut off to make room: budget, client_share (one address held its \
         share) or bodies (too many being received at once)",
                &["reason"],
            ),
            inflight_bodies,
            outbox,
            oldest_waiting,
            ready,
            robots: robots.into_iter().map(str::to_string).collect(),
            tallies: TallyCounts::default(),
            // Last: the counters above borrow it until they are made.
            registry,
        };
        for reason in ["budget", "client_share", "bodies"] {
            metrics.body_evictions.with_label_values(&[reason]);
        }
        for resource in READ_RESOURCES.iter().chain([&LEGACY_RESOURCE]) {
            for result in RESULTS {
                metrics.webhooks.with_label_values(&[resource, result]);
            }
        }
        for robot in &metrics.robots {
            for outcome in OUTCOMES {
                metrics
                    .deliveries
                    .with_label_values(&[robot.as_str(), outcome]);
            }
            metrics.throttle_pauses.with_label_values(&[robot.as_str()]);
            metrics.set_aside.with_label_values(&[robot.as_str()]);
            metrics.silenced.with_label_values(&[robot.as_str()]);
            metrics.muted.with_label_values(&[robot.as_str()]);
            metrics.storms.with_label_values(&[robot.as_str()]);
            metrics.in_storms.with_label_values(&[robot.as_str()]);
        }
        for result in ["ok", "error", "rate_limited", "unauthorized"] {
            metrics.api_requests.with_label_values(&[result]);
        }
        metrics
    }

    /// Exports the escalation series of each route's ladder as 0 (the first escalation or
    /// failed DING is then an increase a `rate()` sees): one per (route, step kind).
    pub fn expect_ladders<'a>(&self, steps: impl IntoIterator<Item = (&'a str, &'a str)>) {
        for (route, kind) in steps {
            self.escalations.with_label_values(&[route, kind]);
            if kind == "ding" {
                self.ding_failures.with_label_values(&[route]);
            }
        }
    }

    /// Counts `n` of `kind` for `robot` now, for the status page's chart.
    pub fn tally(&self, robot: &str, kind: TallyKind, n: usize) {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        self.tallies.add(robot, kind, crate::clock::now_ms(), n);
    }

    /// The text exposition, with the gauges read from the store just now (`None` for what
    /// could not be read: those gauges are left out rather than shown as zero).
    pub fn render(&self, store: StoreReadings<'_>) -> String {
        let StoreReadings {
            counts,
            oldest_waiting,
            ready,
        } = store;
        self.ready.set(i64::from(ready));
        self.oldest_waiting.reset();
        for (robot, seconds) in oldest_waiting.into_iter().flatten() {
            self.oldest_waiting.with_label_values(&[robot]).set(seconds);
        }
        self.outbox.reset();
        if let Some(counts) = counts {
            for robot in &self.robots {
                for state in STATES {
                    self.outbox
                        .with_label_values(&[state, robot.as_str()])
                        .set(0.0);
                }
            }
            for (state, robot, count) in counts {
                self.outbox
                    .with_label_values(&[state, robot])
                    .set(count as f64);
            }
        }
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// What a scrape read from the store for the gauges that describe it.
#[derive(Default)]
pub struct StoreReadings<'a> {
    /// (state, robot, count).
    pub counts: Option<Vec<(&'a str, &'a str, i64)>>,
    /// (robot, seconds): every robot, 0 when nothing waits.
    pub oldest_waiting: Option<Vec<(&'a str, f64)>>,
    pub ready: bool,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new([])
    }
}
