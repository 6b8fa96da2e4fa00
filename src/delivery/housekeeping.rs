//! Pruning, once per process on its own schedule (not once per robot), and once per hour
//! across replicas: the first to claim the hour does it.

use crate::clock::now_ms;
use crate::domain::tally;
use crate::outbox::{ScheduledRun, SharedOutbox};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(3600);
/// Sent messages, repeat state and used action links are kept this long.
pub const KEEP_MS: i64 = 7 * 24 * 3_600_000;

pub async fn run(outbox: SharedOutbox, shutdown: CancellationToken) {
    loop {
        let now = now_ms();
        let hour = now / EVERY.as_millis() as i64;
        let run = ScheduledRun {
            job: "prune",
            slot: hour,
            now,
        };
        match outbox.claim_scheduled_run(run).await {
            Ok(true) => {
                if let Err(e) = outbox.prune(now, KEEP_MS).await {
                    tracing::warn!(error = %e, "pruning the outbox failed");
                }
                if let Err(e) = outbox.prune_tallies(now - tally::KEEP_MS).await {
                    tracing::warn!(error = %e, "pruning the status counts failed");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "pruning the outbox failed"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}
