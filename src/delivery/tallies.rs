//! The status page's counts (`domain::tally`), moved from memory to the store every second
//! and once more at shutdown, so every replica's chart shows what all of them counted. A
//! flush that fails keeps its counts for the next one.

use crate::metrics::Metrics;
use crate::outbox::SharedOutbox;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(1);

/// Adds what was counted since the last flush to the store.
pub async fn flush(metrics: &Metrics, outbox: &SharedOutbox) {
    let taken = metrics.tallies.take();
    if taken.is_empty() {
        return;
    }
    if let Err(e) = outbox.add_tallies(&taken).await {
        tracing::warn!(error = %e, "status counts not stored; trying again");
        metrics.tallies.put_back(taken);
    }
}

/// Flushes every second until `shutdown`, then once more.
pub async fn run(metrics: Arc<Metrics>, outbox: SharedOutbox, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
        flush(&metrics, &outbox).await;
    }
    flush(&metrics, &outbox).await;
}
