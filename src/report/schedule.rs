//! `serve`'s daily open-issues report at `digest_schedule`; one replica posts it per day.

use crate::live::Live;
use crate::outbox::{ScheduledRun, SharedOutbox};
use crate::sentry::api::SentryApi;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// `serve`'s daily digest: sleeps until the configured time, queues the digest through the
/// outbox, wakes the workers. Reads the schedule again after each run and after each reload (a
/// reload that moved the time was not heeded until the old time had come).
pub async fn run(
    live: Arc<Live>,
    outbox: SharedOutbox,
    api: Option<Arc<SentryApi>>,
    shutdown: CancellationToken,
) {
    let mut reloaded = live.subscribe();
    loop {
        let Some(schedule) = live.get().settings.digest_schedule.clone() else {
            // None configured (yet): look again after a reload.
            tokio::select! {
                _ = shutdown.cancelled() => return,
                Ok(()) = reloaded.changed() => continue,
            }
        };
        let Some(api) = api.clone() else {
            tracing::warn!(
                "digest_schedule is set but SENTRY_API_TOKEN or SENTRY_ORG is not; no digest will be posted"
            );
            return;
        };
        let now_secs = crate::clock::now_ms() / 1000;
        let due = schedule.next_after(now_secs);
        let wait = schedule.wait_from(now_secs);
        tracing::info!(in_secs = wait.as_secs(), since = %schedule.since, "next open-issue digest");
        tokio::select! {
            _ = shutdown.cancelled() => return,
            Ok(()) = reloaded.changed() => continue,
            _ = tokio::time::sleep(wait) => {}
        }
        // Every replica wakes; the first to mark the day posts the report.
        let run = ScheduledRun {
            job: "open_issues_report",
            slot: due,
            now: crate::clock::now_ms(),
        };
        match outbox.claim_scheduled_run(run).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::error!(error = %e, "the scheduled digest failed; next one tomorrow");
                continue;
            }
        }
        let queued =
            crate::report::open_issues::queue(&live.get(), &api, &outbox, &schedule.since, None)
                .await;
        if let Err(e) = queued {
            tracing::error!(error = %e, "the scheduled digest failed; next one tomorrow");
        }
    }
}
