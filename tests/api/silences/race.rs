//! A silence holds every alert stored after it was made (its `201` came first), even when the
//! sender's step that picks the alert began before the silence existed. On PostgreSQL the
//! interleaving can be forced: a lock on the storms table stops the sender inside a step,
//! right after it read the silences, while the test makes a silence and stores an alert.

use super::issue;
use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use crate::outbox_conformance::postgres::with_database;
use serde_json::json;
use std::time::Duration;

/// Connects to the test database for the test's own statements.
async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
}

/// Statements of the relay waiting for a lock in this database.
async fn lock_waiters(observer: &tokio_postgres::Client) -> i64 {
    let sql = "SELECT count(*) FROM pg_stat_activity
               WHERE datname = current_database() AND wait_event_type = 'Lock'";
    observer
        .query_one(sql, &[])
        .await
        .expect("pg_stat_activity")
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_a_silence_made_while_a_step_runs_holds_the_alerts_that_step_picks() {
    with_database(|url| async move {
        let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
        let data = tempfile::tempdir().expect("temp dir");
        let vars = [("DATABASE_URL", url.as_str()), ("ADMIN_TOKEN", ADMIN)];
        let (relay, base) = start_relay(&robot, data.path(), &vars).await;
        let (locker, observer) = (connect(&url).await, connect(&url).await);
        // The sender's next step stops at the storms table (`storm_step::current`), which it
        // reads after the silences; nothing else of this test touches that table.
        locker
            .batch_execute("BEGIN; LOCK TABLE storms IN ACCESS EXCLUSIVE MODE")
            .await
            .expect("lock");
        let stopped = poll_async(Duration::from_secs(4), || async {
            lock_waiters(&observer).await > 0
        })
        .await;
        assert!(stopped, "the sender's step waits on the storms table");
        // Both well within the store's 5 s call bound, so the step goes on where it stopped.
        let http = reqwest::Client::new();
        let body = json!({"matchers": {"title": "database"}, "duration": "1h"});
        let (status, _) = api_at(
            &http,
            format!("{base}/api/silences"),
            ADMIN,
            reqwest::Method::POST,
            Some(body),
        )
        .await;
        assert_eq!(status, 201);
        let webhook = issue("101", "Database timeout");
        let stored = signed_webhook(&http, &base, "issue", webhook).send().await;
        assert_eq!(stored.expect("post").status().as_u16(), 202);
        locker.batch_execute("ROLLBACK").await.expect("unlock");
        let held = poll_async(Duration::from_secs(15), || async {
            let url = format!("{base}/api/silences");
            let (_, listed) = api_at(&http, url, ADMIN, reqwest::Method::GET, None).await;
            listed[0]["held"].as_i64() == Some(1)
        })
        .await;
        let log = std::fs::read_to_string(data.path().join("relay.log")).unwrap_or_default();
        assert!(
            held,
            "the alert is held; posted {:?}; log: {log}",
            robot.posted()
        );
        assert!(robot.posted().is_empty());
        drop(relay);
    })
    .await;
}
