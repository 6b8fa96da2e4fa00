//! Every conformance check against PostgreSQL, each on a database of its own, plus what only
//! a shared store has: replicas starting together, wake-ups between replicas, no password in
//! `Debug` or errors.
//!
//! The server is `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432`). Every test
//! here is `#[ignore]`d with the reason, so a plain `cargo nextest run` counts them as skipped;
//! `--run-ignored all` (CI) runs them, and then a server that cannot be reached is a failure.

use super::every_check;
use super::fixtures::{ROBOT, T0, event};
use sentry_dingtalk::Level;
use sentry_dingtalk::outbox::postgres::PgOutbox;
use sentry_dingtalk::outbox::types::Enqueue;
use sentry_dingtalk::outbox::{IntakeStore, Outbox};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

fn server() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A database made for one test and dropped after it, even when the test panicked.
struct TestDatabase {
    admin: tokio_postgres::Client,
    name: String,
    url: String,
}

impl TestDatabase {
    /// Panics, naming the server and the cause, when none answers: a test that asked for
    /// PostgreSQL never passes without it.
    async fn create() -> Self {
        let server = server();
        let admin_url = format!("{server}/postgres");
        let connect = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls);
        let (admin, connection) = match tokio::time::timeout(Duration::from_secs(5), connect).await
        {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => {
                let cause = std::error::Error::source(&e).map(|c| format!(": {c}"));
                unreachable(&server, &format!("{e}{}", cause.unwrap_or_default()))
            }
            Err(_) => unreachable(&server, "no answer within 5 s"),
        };
        tokio::spawn(connection);
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        let url = format!("{server}/{name}");
        Self { admin, name, url }
    }

    async fn drop_database(self) {
        // FORCE: a background task of a store may still hold a connection for a moment.
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        self.admin
            .batch_execute(&sql)
            .await
            .expect("drop the test database");
    }
}

fn unreachable(server: &str, why: &str) -> ! {
    panic!(
        "this test needs PostgreSQL at {server} (set TEST_POSTGRES_URL; see README: Quick start): {why}"
    )
}

/// Runs `test` with the URL of a fresh database, then drops the database.
pub(crate) async fn with_database<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let db = TestDatabase::create().await;
    // On its own task, so a failed assertion still lets us drop the database, then fails.
    let outcome = tokio::spawn(test(db.url.clone())).await;
    db.drop_database().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs one conformance check on a fresh `PgOutbox`.
async fn run<F, Fut>(check: F)
where
    F: FnOnce(Arc<dyn Outbox>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_database(|url| async move {
        let outbox = PgOutbox::connect(&url).await.expect("connect");
        check(Arc::new(outbox)).await;
    })
    .await;
}

macro_rules! on_postgres {
    ($check:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        #[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
        async fn $check() {
            run(super::$check).await;
        }
    };
}

every_check!(on_postgres);

/// Three replicas starting at once on an empty database: one applies the migrations, the
/// others wait for it and find them applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn replicas_migrate_concurrently() {
    with_database(|url| async move {
        let starts = (0..3).map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PgOutbox::connect(&url).await })
        });
        let mut replicas = Vec::new();
        for start in starts {
            replicas.push(start.await.expect("task").expect("replica connects"));
        }
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("inspect");
        tokio::spawn(connection);
        let rows = client
            .query(
                "SELECT version, count(*) FROM schema_migrations GROUP BY version",
                &[],
            )
            .await
            .expect("versions");
        assert!(!rows.is_empty());
        for row in rows {
            assert_eq!(row.get::<_, i64>(1), 1, "each version recorded once");
        }
    })
    .await;
}

/// An enqueue at one replica wakes the senders of another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn wakeup_reaches_another_replica() {
    with_database(|url| async move {
        let a = PgOutbox::connect(&url).await.expect("replica a");
        let b = PgOutbox::connect(&url).await.expect("replica b");
        let mut heard = b.wakeups();
        // b's LISTEN starts in the background: keep enqueueing until b hears one.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut i = 0;
        loop {
            assert!(
                tokio::time::Instant::now() < deadline,
                "replica b never woke up"
            );
            a.enqueue(Enqueue {
                identity: vec![],
                about: None,
                items: vec![event(ROBOT, &format!("{i}"), Level::Error)],
                record: None,
                now: T0,
            })
            .await
            .expect("enqueue at a");
            i += 1;
            if let Ok(Ok(robot)) =
                tokio::time::timeout(Duration::from_millis(500), heard.recv()).await
            {
                assert_eq!(robot, ROBOT);
                break;
            }
        }
    })
    .await;
}

/// The password of the URL appears neither in `Debug` of the store nor in its errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn password_never_shown() {
    with_database(|url| async move {
        let password = "s3cr3t-pw-do-not-print";
        let with_password = url.replacen(
            "postgres://postgres@",
            &format!("postgres://postgres:{password}@"),
            1,
        );
        assert!(
            with_password.contains(password),
            "test URL has the expected shape: {url}"
        );
        let store = PgOutbox::connect(&with_password)
            .await
            .expect("trust auth ignores it");
        let debug = format!("{store:?}");
        assert!(!debug.contains(password), "{debug}");
        assert!(debug.contains("PgOutbox"));
        // A server that is not there: the error names the problem, not the URL.
        let port = crate::helpers::free_port();
        let nowhere = format!("postgres://postgres:{password}@127.0.0.1:{port}/nope");
        let err = PgOutbox::connect(&nowhere)
            .await
            .expect_err("nothing listens there");
        let text = format!("{err} {err:?}");
        assert!(!text.contains(password), "{text}");
        assert!(text.contains("unavailable"), "{text}");
        let bad = format!("postgres://postgres:{password}@127.0.0.1:notaport/x");
        let err = PgOutbox::connect(&bad).await.expect_err("bad URL");
        assert!(!format!("{err} {err:?}").contains(password), "{err:?}");
    })
    .await;
}

/// Every server connection of the stores killed (a database restart, a failover): the store
/// answers again by itself, and the other replica's `LISTEN` comes back too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn recovers_after_connections_are_killed() {
    with_database(|url| async move {
        let a = PgOutbox::connect(&url).await.expect("replica a");
        let b = PgOutbox::connect(&url).await.expect("replica b");
        let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("admin");
        tokio::spawn(connection);
        let killed = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
                &[],
            )
            .await
            .expect("terminate");
        assert!(killed.len() >= 2, "the pools and listeners had connections");
        let mut heard = b.wakeups();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        let mut i = 0;
        loop {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no recovery within 15 s"
            );
            i += 1;
            let item = vec![event(ROBOT, &format!("{i}"), Level::Error)];
            // The first calls may meet a dead connection and say so; later ones must work.
            if a.enqueue(Enqueue {
                identity: vec![],
                about: None,
                items: item,
                record: None,
                now: T0,
            })
            .await
            .is_err()
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            // Only a notification through b's new LISTEN connection names the robot here:
            // b itself enqueued nothing.
            if let Ok(Ok(robot)) =
                tokio::time::timeout(Duration::from_millis(500), heard.recv()).await
            {
                assert_eq!(robot, ROBOT);
                break;
            }
        }
        b.check_writable(T0).await.expect("b writes again");
    })
    .await;
}
