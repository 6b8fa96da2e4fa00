//! Wake-ups between replicas: `NOTIFY sentry_dingtalk_outbox, '<robot>'` after an enqueue,
//! and one `LISTEN` connection per replica that turns notifications into broadcasts.
//!
//! The notification is sent by a notifier task after the enqueue committed, not inside the
//! enqueue: PostgreSQL serialises the commits of all notifying transactions on one lock, held
//! across the commit's WAL flush, which would cap ingest at one fsync per webhook. The
//! notifier coalesces the robots queued meanwhile into one transaction with
//! `synchronous_commit = off` (a lost notification costs only latency: senders also poll).
//! Local senders are woken at once, without the round trip.

use super::super::types::StoreError;
use super::connection::Conn;
use super::error::store_error;
use deadpool_postgres::Pool;
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_postgres::{AsyncMessage, NoTls};
use tokio_util::sync::{CancellationToken, DropGuard};

/// The channel every replica listens on; the payload is the robot's name.
pub(super) const CHANNEL: &str = "sentry_dingtalk_outbox";
/// Robots waiting to be announced; when full, announcements are dropped (senders poll too).
const PENDING_NOTIFIES: usize = 4096;
const RECONNECT_MIN: Duration = Duration::from_millis(100);
const RECONNECT_MAX: Duration = Duration::from_secs(10);

pub(super) struct Wakeups {
    local: broadcast::Sender<String>,
    notify: mpsc::Sender<String>,
    /// Stops both background tasks when the store is dropped.
    _stop: DropGuard,
}

impl Wakeups {
    pub(super) fn start(config: tokio_postgres::Config, pool: Pool) -> Self {
        let (local, _) = broadcast::channel(1024);
        let (notify, pending) = mpsc::channel(PENDING_NOTIFIES);
        let stop = CancellationToken::new();
        tokio::spawn(listen(config, local.clone(), stop.clone()));
        tokio::spawn(announce_loop(pool, pending, stop.clone()));
        Self {
            local,
            notify,
            _stop: stop.drop_guard(),
        }
    }

    pub(super) fn subscribe(&self) -> broadcast::Receiver<String> {
        self.local.subscribe()
    }

    /// Called after an enqueue committed alerts for these robots.
    pub(super) fn announce(&self, robots: &[String]) {
        for robot in robots {
            // No subscriber yet is fine: a sender that starts later reads the store first.
            let _ = self.local.send(robot.clone());
            let _ = self.notify.try_send(robot.clone());
        }
    }
}

/// Keeps one `LISTEN` connection up, reconnecting with backoff, until `stop`.
async fn listen(
    config: tokio_postgres::Config,
    wake: broadcast::Sender<String>,
    stop: CancellationToken,
) {
    let mut backoff = RECONNECT_MIN;
    loop {
        let ended = tokio::select! {
            _ = stop.cancelled() => return,
            ended = listen_once(&config, &wake, &mut backoff) => ended,
        };
        match ended {
            Ok(()) => tracing::warn!("the outbox LISTEN connection closed; reconnecting"),
            Err(e) => {
                tracing::warn!(error = %e, "the outbox LISTEN connection failed; reconnecting")
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(RECONNECT_MAX);
    }
}

/// One connection's life: `LISTEN`, then forward notifications until it ends.
async fn listen_once(
    config: &tokio_postgres::Config,
    wake: &broadcast::Sender<String>,
    backoff: &mut Duration,
) -> Result<(), StoreError> {
    let (client, mut connection) = config.connect(NoTls).await.map_err(|e| store_error(&e))?;
    let listen_sql = format!("LISTEN {CHANNEL}");
    let listen = client.batch_execute(&listen_sql);
    tokio::pin!(listen);
    let mut listening = false;
    loop {
        // The connection makes progress (the LISTEN's answer included) only while polled.
        let message = std::future::poll_fn(|cx| connection.poll_message(cx));
        tokio::select! {
            done = &mut listen, if !listening => {
                done.map_err(|e| store_error(&e))?;
                listening = true;
                *backoff = RECONNECT_MIN;
                tracing::debug!("listening for outbox wake-ups");
            }
            message = message => match message {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    let _ = wake.send(n.payload().to_owned());
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(store_error(&e)),
                None => return Ok(()),
            },
        }
    }
}

/// Sends the queued announcements, coalesced, until `stop` or the store is dropped.
async fn announce_loop(pool: Pool, mut pending: mpsc::Receiver<String>, stop: CancellationToken) {
    loop {
        let first = tokio::select! {
            _ = stop.cancelled() => return,
            robot = pending.recv() => match robot {
                Some(robot) => robot,
                None => return,
            },
        };
        let mut robots = BTreeSet::from([first]);
        while let Ok(robot) = pending.try_recv() {
            robots.insert(robot);
        }
        let robots: Vec<String> = robots.into_iter().collect();
        if let Err(e) = notify(&pool, &robots).await {
            tracing::debug!(error = %e, "could not announce queued alerts to other replicas");
        }
    }
}

async fn notify(pool: &Pool, robots: &[String]) -> Result<(), StoreError> {
    let mut conn = Conn::bounded(pool).await?;
    let tx = conn.transaction().await?;
    tx.batch_execute("SET LOCAL synchronous_commit = off")
        .await?;
    let sql = "SELECT pg_notify($1, robot) FROM unnest($2::text[]) AS robot";
    tx.execute(sql, &[&CHANNEL, &robots]).await?;
    tx.commit().await
}
