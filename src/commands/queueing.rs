//! The store of a command that queues work (`digest`, `replay`): beside a running `serve` on
//! SQLite it only queues, and the relay sends (it holds `DATA_DIR/serve.lock`, and hears of
//! the new rows within a second); with no relay running, the command sends what it queued
//! itself, with the same senders, budget and windows as `serve`.

use crate::app::startup;
use crate::config::Settings;
use crate::delivery::Deps;
use crate::delivery::engine::drain_all;
use crate::live::Live;
use crate::outbox::{self, SharedOutbox};
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;

/// How long a command that sends waits for what it queued.
const DRAIN_FOR: Duration = Duration::from_secs(15 * 60);

pub enum Queueing {
    /// This process sends: no relay holds the SQLite file, or the store is PostgreSQL, where
    /// the robots' leases decide who sends (a running replica may well be the one).
    SendsHere(Deps),
    /// A running `serve` holds the SQLite file and sends what this process queues.
    RelaySends(SharedOutbox),
}

impl Queueing {
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        if settings.database_url.is_some() {
            let deps = startup::sender_deps(settings, startup::OutboxUse::Sender).await?;
            return Ok(Self::SendsHere(deps));
        }
        let (outbox, sends_here) = outbox::open_sqlite_to_queue(&settings.data_dir)
            .with_context(|| format!("cannot use DATA_DIR {}", settings.data_dir.display()))?;
        if !sends_here {
            return Ok(Self::RelaySends(outbox));
        }
        Ok(Self::SendsHere(
            startup::deps_with_outbox(settings, outbox).await?,
        ))
    }

    pub fn outbox(&self) -> &SharedOutbox {
        match self {
            Self::SendsHere(deps) => &deps.outbox,
            Self::RelaySends(outbox) => outbox,
        }
    }

    /// Sends what was queued and prints the outbox stats, or leaves it to the running relay.
    pub async fn finish(self, live: Arc<Live>) -> anyhow::Result<()> {
        match self {
            Self::SendsHere(deps) => {
                let (outbox, metrics) = (deps.outbox.clone(), deps.metrics.clone());
                let drained = drain_all(live, deps, DRAIN_FOR).await;
                // What this process sent (or gave up) counts on the console's chart like
                // what `serve` sends; `serve` flushes every second, a command once, here.
                crate::delivery::tallies::flush(&metrics, &outbox).await;
                drained?;
                super::outbox::print_stats(&outbox).await
            }
            Self::RelaySends(_) => {
                eprintln!(
                    "queued for the `sentry-dingtalk serve` running on this DATA_DIR; it sends it"
                );
                Ok(())
            }
        }
    }
}
