//! Running the senders: one per configured robot (a reload may add robots), woken by the
//! outbox's notifications, stopped through the shutdown token they are handed.

use super::{RobotWorker, Wakers};
use crate::action_links::ActionSigner;
use crate::dingtalk::DingTalkClient;
use crate::live::Live;
use crate::metrics::Metrics;
use crate::outbox::{SharedOutbox, StoreError};
use crate::sentry::api::SentryApi;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// What every robot's sender shares.
#[derive(Clone)]
pub struct Deps {
    pub outbox: SharedOutbox,
    pub client: DingTalkClient,
    pub metrics: Arc<Metrics>,
    /// Set when `SENTRY_API_TOKEN` and `SENTRY_ORG` are: issue and comment alerts are enriched.
    pub api: Option<Arc<SentryApi>>,
    /// Set when `PUBLIC_URL` is too: issue messages carry Resolve / Ignore actions.
    pub signer: Option<Arc<ActionSigner>>,
    /// This process's name in the robots' leases.
    pub owner: String,
    /// DingTalk's open API, for card robots: one token cache for every card robot.
    pub open_api: Arc<crate::dingtalk::openapi::OpenApiClient>,
}

impl Deps {
    pub fn new_owner() -> String {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "relay".into());
        format!(
            "{host}:{}:{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        )
    }
}

/// Forwards the outbox's "queued for robot X" notifications to the senders' wake-ups.
pub fn forward_wakeups(outbox: &SharedOutbox, wakers: Wakers, shutdown: CancellationToken) {
    let mut rx = outbox.wakeups();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                got = rx.recv() => match got {
                    Ok(robot) => wakers.wake(&robot),
                    // Missed some: wake everyone, they look at the store themselves.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => wakers.wake_all(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    });
}

/// How long a sender that stopped unexpectedly (a panic) rests before it is started again:
/// a defect that panics on every try costs a log line a second, not a core.
const RESTART_AFTER: Duration = Duration::from_secs(1);

/// Senders for every robot in `live`, started as robots appear, until `shutdown`.
pub async fn run_senders(
    live: Arc<Live>,
    deps: Deps,
    wakers: Wakers,
    shutdown: CancellationToken,
) -> Result<(), StoreError> {
    let mut workers = JoinSet::new();
    // The robot each sender task serves, by task: a sender that panicked is started again.
    let mut running: HashMap<tokio::task::Id, String> = HashMap::new();
    let mut changes = live.subscribe();
    loop {
        for robot in &live.get().settings.robots {
            if running.values().any(|name| *name == robot.name) {
                continue;
            }
            let wake = wakers.get(&robot.name);
            if let Some(worker) = RobotWorker::new(&robot.name, live.clone(), &deps, wake) {
                let task = workers.spawn(worker.run(shutdown.clone()));
                running.insert(task.id(), robot.name.clone());
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            changed = changes.changed() => if changed.is_err() { break },
            Some(ended) = workers.join_next_with_id() => {
                let id = match &ended {
                    Ok((id, ())) => *id,
                    Err(e) => e.id(),
                };
                let robot = running.remove(&id).unwrap_or_default();
                // A sender ends only at shutdown; anything else is a defect, and without this
                // the robot would send nothing until the process restarts.
                tracing::error!(robot = %robot, "the robot's sender stopped unexpectedly; starting it again in 1 s");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(RESTART_AFTER) => {}
                }
            }
        }
    }
    // Each sender finishes the send in hand and hands its robot over.
    while workers.join_next().await.is_some() {}
    Ok(())
}

/// Sends what the outbox holds for every robot, with the same senders, budget and windows as
/// `serve`, until nothing is due or waiting. For `replay` and `digest`.
pub async fn drain_all(live: Arc<Live>, deps: Deps, deadline: Duration) -> Result<(), StoreError> {
    for robot in &live.get().settings.robots {
        let wake = Arc::new(tokio::sync::Notify::new());
        let Some(mut worker) = RobotWorker::new(&robot.name, live.clone(), &deps, wake) else {
            continue;
        };
        let sent = worker.drain(deadline).await?;
        eprintln!("robot {}: {sent} message(s) attempted", robot.name);
    }
    Ok(())
}
