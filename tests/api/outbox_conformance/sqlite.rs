//! Every conformance check against the embedded SQLite outbox, each on a file of its own.

use super::every_check;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::sqlite::SqliteOutbox;
use std::future::Future;
use std::sync::Arc;

/// Runs one conformance check on a fresh `SqliteOutbox` in a temporary `DATA_DIR`.
async fn run<F, Fut>(check: F)
where
    F: FnOnce(Arc<dyn Outbox>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("tmp");
    let outbox = SqliteOutbox::open(dir.path(), true).expect("open");
    check(Arc::new(outbox)).await;
}

macro_rules! on_sqlite {
    ($check:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $check() {
            run(super::$check).await;
        }
    };
}

every_check!(on_sqlite);
