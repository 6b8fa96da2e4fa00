//! The outbox in PostgreSQL: the storage port shared by any number of `serve` replicas. One
//! file per part of the port, named as in the SQLite outbox, each holding that part's SQL:
//!
//! - [`intake`]: the webhook edge — identity keys, repeat decisions ([`repeats`]), alert rows
//!   and the trace record in one transaction.
//! - [`lease`]: one sender per robot, and the fence every sender write checks.
//! - [`sender`]: the sender's reads and its fenced writes.
//! - [`trace`]: what became of a webhook (its record, an issue's trace).
//! - [`operator`]: operator views and actions, pruning.
//! - [`shared`]: the small state every replica shares.
//! - [`cards`]: card robots' cards and clicks.
//! - [`wakeup`]: `LISTEN/NOTIFY` between replicas.
//! - [`connection`]: the pool, and the statements of a call, bounded in time.
//! - [`migrate`]: versioned schema, applied at connect under an advisory lock.
//! - [`error`]: database errors as `StoreError`s that never carry the connection string.
//!
//! Connections are plain TCP (`NoTls`): the database is expected on a private network or the
//! same host. TLS would be a `postgres-native-tls`/`tokio-postgres-rustls` connector here.

mod cards;
mod connection;
mod console;
mod error;
mod escalation;
mod intake;
mod lease;
mod migrate;
mod oncall;
mod operator;
mod quiet;
mod quota;
mod repeats;
mod sender;
mod shared;
mod storm;
mod trace;
mod wakeup;

use super::types::StoreError;
use connection::Conn;
use deadpool_postgres::Pool;
use std::time::Duration;

/// The PostgreSQL outbox. Cheap to share behind an `Arc`; dropping it stops its background
/// tasks (the `LISTEN` connection and the notifier).
pub struct PgOutbox {
    pool: Pool,
    /// `host:port/dbname`, for `Debug` and logs; never the user or password.
    target: String,
    wakeups: wakeup::Wakeups,
    /// The action-link key never changes once created; read it from the database once.
    action_key: tokio::sync::OnceCell<Vec<u8>>,
}

impl std::fmt::Debug for PgOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgOutbox")
            .field("database", &self.target)
            .field("pool_size", &connection::POOL_SIZE)
            .finish_non_exhaustive()
    }
}

impl PgOutbox {
    /// Connects to `url` (`postgres://user:password@host:port/db` or key=value form), applies
    /// the migrations this build knows, and starts listening for other replicas' enqueues.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_waiting(url, Duration::ZERO).await
    }

    /// `connect`, waiting up to `wait` for a database that cannot be reached yet (`serve`:
    /// replicas and their database often start together).
    pub async fn connect_waiting(url: &str, wait: Duration) -> Result<Self, StoreError> {
        let config = connection::config(url)?;
        let target = connection::describe(&config);
        let pool = connection::pool(config.clone())?;
        migrate::apply(&mut Conn::first(&pool, wait).await?).await?;
        let wakeups = wakeup::Wakeups::start(config, pool.clone());
        Ok(Self {
            pool,
            target,
            wakeups,
            action_key: tokio::sync::OnceCell::new(),
        })
    }

    /// A pooled connection for one store call, bounded in time (see `connection::Db`).
    async fn db(&self) -> Result<Conn, StoreError> {
        Conn::bounded(&self.pool).await
    }
}
