//! Prometheus metrics (prefix `sentry_dingtalk_`). One registry per application, passed down
//! explicitly, so tests running several apps in one process do not share counters.

use crate::outbox::Store;
use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    pub webhooks: IntCounterVec,
    pub deliveries: IntCounterVec,
    pub throttle_pauses: IntCounterVec,
    pub api_requests: IntCounterVec,
    pub request_duration: HistogramVec,
    outbox: GaugeVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry =
            Registry::new_custom(Some("sentry_dingtalk".into()), None).unwrap_or_default();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels)
                .unwrap_or_else(|_| unreachable!("static names"));
            let _ = registry.register(Box::new(c.clone()));
            c
        };
        let webhooks = counter(
            "webhooks_total",
            "Webhooks received, by resource and result",
            &["resource", "result"],
        );
        let deliveries = counter(
            "deliveries_total",
            "DingTalk send attempts, by robot and outcome",
            &["robot", "outcome"],
        );
        let throttle_pauses = counter(
            "throttle_pauses_total",
            "Times DingTalk throttled a robot",
            &["robot"],
        );
        let api_requests = counter(
            "sentry_api_requests_total",
            "Sentry API calls, by result",
            &["result"],
        );
        let request_duration = HistogramVec::new(
            HistogramOpts::new(
                "dingtalk_request_duration_seconds",
                "DingTalk request latency",
            )
            .buckets(vec![0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["robot"],
        )
        .unwrap_or_else(|_| unreachable!("static names"));
        let _ = registry.register(Box::new(request_duration.clone()));
        let outbox = GaugeVec::new(
            Opts::new("outbox_messages", "Outbox contents by state and robot"),
            &["state", "robot"],
        )
        .unwrap_or_else(|_| unreachable!("static names"));
        let _ = registry.register(Box::new(outbox.clone()));
        Self {
            registry,
            webhooks,
            deliveries,
            throttle_pauses,
            api_requests,
            request_duration,
            outbox,
        }
    }

    /// The text exposition, with the outbox gauges read fresh from the store.
    pub fn render(&self, store: &Store) -> String {
        self.outbox.reset();
        if let Ok(stats) = store.stats() {
            for s in stats {
                self.outbox
                    .with_label_values(&[s.state.as_str(), s.robot.as_str()])
                    .set(s.count as f64);
            }
        }
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
