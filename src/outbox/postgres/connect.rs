//! New pool connections live on the runtime that opened the store, wherever they are asked for.
//!
//! deadpool opens a connection in the task that needs one and spawns its driver there. actix
//! serves requests on worker threads with runtimes of their own, so a connection first needed
//! by a webhook would be driven by (and its socket registered with) that worker's runtime.
//! actix stops those runtimes first at shutdown, which closes every such connection while the
//! senders still need theirs: the lease release of a SIGTERM failed with "connection closed",
//! and the robot waited for the lease to expire instead of being handed over at once.

use deadpool_postgres::Connect;
use std::future::Future;
use std::pin::Pin;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;
use tokio_postgres::{Client, Config, Error, NoTls};

type Connected = Result<(Client, JoinHandle<()>), Error>;

/// Opens connections and drives them on `runtime`.
pub(super) struct OnRuntime {
    pub(super) runtime: Handle,
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
            tracing::debug!(error = %super::error::store_error(&e), "an outbox connection ended");
        }
    });
    Ok((client, driver))
}
