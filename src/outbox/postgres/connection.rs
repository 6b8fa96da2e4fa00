//! The connection layer: the pool's connections, and [`Db`], through which every statement
//! runs, bounded by its call's deadline.
//!
//! New pool connections live on the runtime that opened the store, wherever they are asked for.
//! deadpool opens a connection in the task that needs one and spawns its driver there. actix
//! serves requests on worker threads with runtimes of their own, so a connection first needed
//! by a webhook would be driven by (and its socket registered with) that worker's runtime.
//! actix stops those runtimes first at shutdown, which closes every such connection while the
//! senders still need theirs: the lease release of a SIGTERM failed with "connection closed",
//! and the robot waited for the lease to expire instead of being handed over at once.

use super::super::types::StoreError;
use super::error::{db, pool_error};
use deadpool_postgres::{
    Connect, GenericClient, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime,
};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, Error, NoTls, Row, Statement};

/// Enough for the webhook edge of one replica plus its robot senders: a webhook holds a
/// connection for one short transaction.
pub(super) const POOL_SIZE: usize = 16;
/// How long a call waits for a free or new connection before the store says it is unavailable.
const POOL_WAIT: Duration = Duration::from_secs(2);
/// The longest any one store call may take; a database that stopped answering (a cut network,
/// not a refused connection) turns into `Unavailable` instead of a hung webhook or sender.
pub(super) const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Statement parameters, as tokio-postgres takes them.
pub(super) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// A pooled connection ([`Conn`]) or a transaction on one ([`Tx`]) for one store call. Every
/// statement, the checkout and the commit included, gives up at the call's deadline, so the
/// bound is applied here once instead of around each operation. A transaction cut short is
/// rolled back when its handle drops, before the connection serves anyone else. Statements
/// are prepared once per connection.
pub(super) struct Db<C> {
    inner: C,
    deadline: Option<Instant>,
}

pub(super) type Conn = Db<deadpool_postgres::Client>;
pub(super) type Tx<'a> = Db<deadpool_postgres::Transaction<'a>>;

impl Conn {
    /// A connection from `pool` for one call bounded by `CALL_TIMEOUT`, or `Unavailable`.
    pub(super) async fn bounded(pool: &Pool) -> Result<Self, StoreError> {
        Self::checkout(pool, Some(Instant::now() + CALL_TIMEOUT)).await
    }

    /// A connection for work that may take longer than one call (pruning, migrations); the
    /// socket's timeouts still end it if the database goes away.
    pub(super) async fn unbounded(pool: &Pool) -> Result<Self, StoreError> {
        Self::checkout(pool, None).await
    }

    /// The first connection of a store that may start before its database: while nothing
    /// answers (refused, reset, no such host yet, timed out) it asks again, after 1 s at
    /// first and at most every `MAX_PAUSE`, until `wait` has passed. An answer from the
    /// server (a wrong password, no such database) is final at once: waiting would not mend it.
    pub(super) async fn first(pool: &Pool, wait: Duration) -> Result<Self, StoreError> {
        const MAX_PAUSE: Duration = Duration::from_secs(5);
        let give_up = Instant::now() + wait;
        let mut pause = Duration::from_secs(1);
        loop {
            match pool.get().await {
                Ok(inner) => {
                    return Ok(Self {
                        inner,
                        deadline: None,
                    });
                }
                Err(e) if not_up_yet(&e) && Instant::now() + pause <= give_up => {
                    tracing::warn!(
                        error = %pool_error(e),
                        retry_in = ?pause,
                        "the database cannot be reached yet; trying again"
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_PAUSE);
                }
                Err(e) => return Err(pool_error(e)),
            }
        }
    }

    async fn checkout(pool: &Pool, deadline: Option<Instant>) -> Result<Self, StoreError> {
        let inner = within(deadline, async { pool.get().await.map_err(pool_error) }).await?;
        Ok(Self { inner, deadline })
    }

    pub(super) async fn transaction(&mut self) -> Result<Tx<'_>, StoreError> {
        let deadline = self.deadline;
        let inner = within(deadline, async {
            self.inner.transaction().await.map_err(db)
        })
        .await?;
        Ok(Db { inner, deadline })
    }
}

impl Tx<'_> {
    pub(super) async fn commit(self) -> Result<(), StoreError> {
        within(self.deadline, async {
            self.inner.commit().await.map_err(db)
        })
        .await
    }
}

/// The client calls that take a statement and its parameters, each as a method of [`Db`] that
/// runs it [`Db::prepared`]: one definition for what differs only in the call and its result.
macro_rules! forwarded {
    ($($(#[$doc:meta])* $call:ident -> $out:ty;)+) => {$(
        $(#[$doc])*
        pub(super) async fn $call(&self, sql: &str, params: Params<'_>) -> Result<$out, StoreError> {
            self.prepared(sql, |c, stmt| async move { c.$call(&stmt, params).await })
                .await
        }
    )+};
}

impl<C: GenericClient> Db<C> {
    /// `sql`, prepared once per connection, run by `run` on the connection; both within the
    /// deadline.
    async fn prepared<'a, T, F>(
        &'a self,
        sql: &str,
        run: impl FnOnce(&'a C, Statement) -> F,
    ) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, Error>>,
    {
        within(self.deadline, async {
            let stmt = self.inner.prepare_cached(sql).await.map_err(db)?;
            run(&self.inner, stmt).await.map_err(db)
        })
        .await
    }

    forwarded! {
        /// Every row `sql` finds.
        query -> Vec<Row>;
        /// The row `sql` finds, if any; more than one is an error.
        query_opt -> Option<Row>;
        /// The one row `sql` finds; none or more than one is an error.
        query_one -> Row;
        /// Runs one statement; the number of rows it changed.
        execute -> u64;
    }

    /// Every row `sql` finds, each read by `read` (one of the shared row mappings).
    pub(super) async fn query_as<T>(
        &self,
        sql: &str,
        params: Params<'_>,
        read: impl FnMut(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        self.query(sql, params).await?.iter().map(read).collect()
    }

    /// The row `sql` finds, if any, read by `read`.
    pub(super) async fn query_opt_as<T>(
        &self,
        sql: &str,
        params: Params<'_>,
        read: impl FnOnce(&Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        self.query_opt(sql, params)
            .await?
            .as_ref()
            .map(read)
            .transpose()
    }

    /// Runs one statement that claims a row (`INSERT … ON CONFLICT …`); true when it did.
    pub(super) async fn claims(&self, sql: &str, params: Params<'_>) -> Result<bool, StoreError> {
        Ok(self.execute(sql, params).await? == 1)
    }

    /// Statements without parameters, not prepared (DDL, `SET LOCAL`).
    pub(super) async fn batch_execute(&self, sql: &str) -> Result<(), StoreError> {
        within(self.deadline, async {
            self.inner.batch_execute(sql).await.map_err(db)
        })
        .await
    }

    /// The one nullable `BIGINT` of a query's first row (a MIN, MAX, COUNT or lookup).
    pub(super) async fn scalar(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<i64>, StoreError> {
        match self.query_opt(sql, params).await? {
            Some(row) => row.try_get(0).map_err(db),
            None => Ok(None),
        }
    }
}

/// `work`, unless the deadline passes first.
async fn within<T>(
    deadline: Option<Instant>,
    work: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let Some(deadline) = deadline else {
        return work.await;
    };
    match tokio::time::timeout_at(deadline, work).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Unavailable(format!(
            "no answer from the database within {} s",
            CALL_TIMEOUT.as_secs()
        ))),
    }
}

type Connected = Result<(Client, JoinHandle<()>), Error>;

/// Opens connections and drives them on `runtime`.
struct OnRuntime {
    runtime: Handle,
}

impl Connect for OnRuntime {
    fn connect(&self, config: &Config) -> Pin<Box<dyn Future<Output = Connected> + Send + '_>> {
        let config = config.clone();
        let opening = self.runtime.spawn(open(config.clone()));
        Box::pin(async move {
            match opening.await {
                Ok(connected) => connected,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // The store's runtime is shutting down (the process is exiting): open this last
                // connection where it is asked for, so the caller gets a connection or an error.
                Err(_) => open(config).await,
            }
        })
    }
}

async fn open(config: Config) -> Connected {
    let (client, connection) = config.connect(NoTls).await?;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %db(e), "an outbox connection ended");
        }
    });
    Ok((client, driver))
}

/// The pool; its connections are opened and driven on the current runtime (see `OnRuntime`).
pub(super) fn pool(config: Config) -> Result<Pool, StoreError> {
    let on_runtime = OnRuntime {
        runtime: Handle::current(),
    };
    let manager = Manager::from_connect(
        config,
        on_runtime,
        ManagerConfig {
            // A broken connection is noticed by the call that uses it, which fails once
            // with `Unavailable`; checking each connection on checkout would cost a round
            // trip on every webhook.
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(POOL_WAIT))
        .create_timeout(Some(POOL_WAIT))
        .recycle_timeout(Some(POOL_WAIT))
        .build()
        .map_err(|e| StoreError::Setup(format!("connection pool: {e}")))
}

/// Whether a failed checkout never reached a server that answered, or reached one still
/// starting up (`57P03`): the database may be on its way.
fn not_up_yet(e: &PoolError) -> bool {
    match e {
        PoolError::Backend(e) => e
            .as_db_error()
            .is_none_or(|db| db.code() == &tokio_postgres::error::SqlState::CANNOT_CONNECT_NOW),
        PoolError::Timeout(_) => true,
        _ => false,
    }
}

/// Parses the URL and sets the socket options that turn a silent network into an error.
pub(super) fn config(url: &str) -> Result<Config, StoreError> {
    // The parser's message can quote parts of the string; say only what is wrong in general.
    let mut config: Config = url.parse().map_err(|_| {
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
pub(super) fn describe(config: &Config) -> String {
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
