//! A replica started before its database: it waits for a database that does not answer yet
//! (one that is still coming up), and stops at once for one that answers with an error.

use super::db_proxy::{DbProxy, server};
use super::robot;
use crate::helpers::{Relay, free_port, poll, poll_async, serve, signed_webhook};
use crate::outbox_conformance::postgres::with_database;
use crate::silences::issue;
use std::sync::Mutex;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_a_replica_started_before_its_database_waits_for_it() {
    with_database(|url| async move {
        let config: tokio_postgres::Config = url.parse().expect("test URL");
        let proxy = DbProxy::start(server(&config)).await;
        proxy.cut();
        let user = config.get_user().unwrap_or("postgres");
        let db = config.get_dbname().expect("database name");
        let password = "pw-must-not-be-logged-4c1d";
        let through = format!("postgres://{user}:{password}@127.0.0.1:{}/{db}", proxy.port);
        let robot = robot().await;
        let data = tempfile::tempdir().expect("data dir");
        let port = free_port();
        let mut relay = Relay(serve(
            &robot,
            data.path(),
            port,
            &[("DATABASE_URL", through.as_str()), ("RUST_LOG", "info")],
        ));
        let log = || std::fs::read_to_string(data.path().join("relay.log")).unwrap_or_default();
        // Refused twice (1 s, then 2 s apart): still waiting, not exited.
        assert!(
            poll(Duration::from_secs(15), || log()
                .matches("the database cannot be reached yet")
                .count()
                >= 2)
            .await,
            "{}",
            log()
        );
        assert!(relay.0.try_wait().expect("try_wait").is_none(), "{}", log());

        proxy.restore();
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let ready = poll_async(Duration::from_secs(20), || async {
            let resp = http.get(format!("{base}/readyz")).send().await;
            resp.is_ok_and(|r| r.status() == 200)
        })
        .await;
        assert!(ready, "ready once the database answers: {}", log());
        let body = issue("77", "Late start");
        let sent = signed_webhook(&http, &base, "issue", body).send().await;
        assert_eq!(
            sent.map(|r| r.status().as_u16()).ok(),
            Some(202),
            "{}",
            log()
        );
        assert!(
            robot
                .wait_for(Duration::from_secs(10), |p| p.len() == 1)
                .await
        );
        assert!(!log().contains(password), "the log shows the password");
        drop(relay);
        drop(proxy);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_a_database_that_answers_with_an_error_stops_the_start_at_once() {
    with_database(|url| async move {
        let config: tokio_postgres::Config = url.parse().expect("test URL");
        let user = config.get_user().unwrap_or("postgres");
        let missing = format!("postgres://{user}@{}/no_such_database_9e1", server(&config));
        let robot = robot().await;
        let data = tempfile::tempdir().expect("data dir");
        let relay = Mutex::new(Relay(serve(
            &robot,
            data.path(),
            free_port(),
            &[("DATABASE_URL", missing.as_str())],
        )));
        // Far below the 60 s a database that does not answer is given.
        let status = Mutex::new(None);
        let exited = poll(Duration::from_secs(15), || {
            let done = relay.lock().expect("relay").0.try_wait().expect("try_wait");
            *status.lock().expect("status") = done;
            done.is_some()
        })
        .await;
        let log = std::fs::read_to_string(data.path().join("relay.log")).unwrap_or_default();
        assert!(exited, "still waiting for a database that said no: {log}");
        let code = status.into_inner().expect("status").and_then(|s| s.code());
        assert_eq!(code, Some(1), "{log}");
        assert!(log.contains("3D000"), "the reason is shown: {log}");
        assert!(!log.contains("cannot be reached yet"), "{log}");
    })
    .await;
}
