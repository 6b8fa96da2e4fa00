//! The outbox in PostgreSQL: the storage port shared by any number of `serve` replicas.
//!
//! - [`migrate`]: versioned schema, applied at connect under an advisory lock.
//! - [`enqueue`]: the webhook edge — dedup, repeat decisions and alert rows in one transaction.
//! - [`lease`]: one sender per robot, and the fence every sender write checks.
//! - [`sender`]: the sender's reads and its fenced writes.
//! - [`admin`]: operator views and actions, pruning, and the small shared state.
//! - [`trace`]: what became of a webhook (its record, an issue's trace).
//! - [`wakeup`]: `LISTEN/NOTIFY` between replicas.
//! - [`connect`]: new connections driven by the store's runtime, not an HTTP worker's.
//! - [`error`]: database errors as `StoreError`s that never carry the connection string.
//!
//! Connections are plain TCP (`NoTls`): the database is expected on a private network or the
//! same host. TLS would be a `postgres-native-tls`/`tokio-postgres-rustls` connector here.

mod admin;
mod cards;
mod connect;
mod enqueue;
mod error;
mod lease;
mod migrate;
mod port_impl;
mod port_sender;
mod sender;
mod trace;
mod wakeup;

use super::types::StoreError;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use error::{pool_error, store_error};
use std::future::Future;
use std::time::Duration;

/// Enough for the webhook edge of one replica plus its robot senders: a webhook holds a
/// connection for one short transaction.
const POOL_SIZE: usize = 16;
/// How long a call waits for a free or new connection before the store says it is unavailable.
const POOL_WAIT: Duration = Duration::from_secs(2);
/// The longest any one store call may take; a database that stopped answering (a cut network,
/// not a refused connection) turns into `Unavailable` instead of a hung webhook or sender.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

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
            .field("pool_size", &POOL_SIZE)
            .finish_non_exhaustive()
    }
}

impl PgOutbox {
    /// Connects to `url` (`postgres://user:password@host:port/db` or key=value form), applies
    /// the migrations this build knows, and starts listening for other replicas' enqueues.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let config = connection_config(url)?;
        let target = describe(&config);
        // Connections belong to this runtime, not to the HTTP worker that first needs one.
        let on_runtime = connect::OnRuntime {
            runtime: tokio::runtime::Handle::current(),
        };
        let manager = Manager::from_connect(
            config.clone(),
            on_runtime,
            ManagerConfig {
                // A broken connection is noticed by the call that uses it, which fails once
                // with `Unavailable`; checking each connection on checkout would cost a round
                // trip on every webhook.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_WAIT))
            .recycle_timeout(Some(POOL_WAIT))
            .build()
            .map_err(|e| StoreError::Setup(format!("connection pool: {e}")))?;
        {
            let mut client = pool.get().await.map_err(pool_error)?;
            migrate::apply(&mut client).await?;
        }
        let wakeups = wakeup::Wakeups::start(config, pool.clone());
        Ok(Self {
            pool,
            target,
            wakeups,
            action_key: tokio::sync::OnceCell::new(),
        })
    }

    /// A pooled connection, or `Unavailable` when none can be had within `POOL_WAIT`.
    async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }
}

/// Runs one store call under `CALL_TIMEOUT`. A transaction cut short by the timeout is rolled
/// back when its handle drops, before the connection serves anyone else.
async fn bounded<T>(call: impl Future<Output = Result<T, StoreError>>) -> Result<T, StoreError> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Unavailable(format!(
            "no answer from the database within {} s",
            CALL_TIMEOUT.as_secs()
        ))),
    }
}

/// Parses the URL and sets the socket options that turn a silent network into an error.
fn connection_config(url: &str) -> Result<tokio_postgres::Config, StoreError> {
    // The parser's message can quote parts of the string; say only what is wrong in general.
    let mut config: tokio_postgres::Config = url.parse().map_err(|_| {
        StoreError::Setup(
            "DATABASE_URL is not a valid PostgreSQL connection string \
             (expected postgres://user:password@host:port/database)"
                .into(),
        )
    })?;
    if config.get_application_name().is_none() {
        config.application_name("sentry-dingtalk");
    }
    config
        .connect_timeout(POOL_WAIT)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .keepalives_interval(Duration::from_secs(5))
        .keepalives_retries(2)
        .tcp_user_timeout(CALL_TIMEOUT);
    Ok(config)
}

/// `host:port/dbname` of a configuration, without credentials.
fn describe(config: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or("(default)");
    format!("{host}:{port}/{db}")
}

/// Maps a statement's error to the port's error type; used with `?` via `map_err`.
fn db(e: tokio_postgres::Error) -> StoreError {
    store_error(&e)
}
