//! How `Metrics` makes and registers a metric family, written once for every family.

use prometheus::core::Collector;
use prometheus::{IntCounterVec, Opts, Registry};

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

/// A counter family `name` with `labels`, registered.
pub(super) fn counter(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> IntCounterVec {
    register(registry, IntCounterVec::new(Opts::new(name, help), labels))
}
