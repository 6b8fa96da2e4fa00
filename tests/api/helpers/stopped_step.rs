//! A relay on PostgreSQL whose sender can be stopped inside a step, to force what happens
//! when an operator acts (a silence, an override) while a step already under way runs: a
//! lock on the storms table stops the step right after its start and before it reads what it
//! acts on (picked alerts, due ladders); the test then acts and lets the step go on.

use super::{ADMIN, ROBOT_SECRET, Relay, api_at, poll_async, signed_webhook, start_relay};
use crate::fake_robot::FakeRobot;
use serde_json::Value;
use std::time::Duration;

/// A relay on PostgreSQL, and the test's own connections to its database.
pub struct StoppableRelay {
    pub robot: FakeRobot,
    data: tempfile::TempDir,
    _child: Relay,
    pub base: String,
    pub http: reqwest::Client,
    locker: tokio_postgres::Client,
    /// For the test's own statements (the locker is inside its transaction).
    pub db: tokio_postgres::Client,
}

/// A client of the database at `url`, for a test's own statements.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
}

/// A relay's configuration file, to rewrite before a reload.
pub struct ConfigFile {
    _dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
}

impl ConfigFile {
    pub fn new(toml: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sentry-dingtalk.toml");
        std::fs::write(&path, toml).expect("config");
        Self { _dir: dir, path }
    }

    pub fn write(&self, toml: &str) {
        std::fs::write(&self.path, toml).expect("config");
    }
}

impl StoppableRelay {
    /// `start` with the configuration file `toml` (`CONFIG_FILE`), which is returned too.
    pub async fn start_with_config(url: &str, toml: &str) -> (Self, ConfigFile) {
        let file = ConfigFile::new(toml);
        let path = file.path.display().to_string();
        let relay = Self::start(url, &[("CONFIG_FILE", path.as_str())]).await;
        (relay, file)
    }

    /// `serve` on the database at `url` with `ADMIN_TOKEN` and `vars`.
    pub async fn start(url: &str, vars: &[(&str, &str)]) -> Self {
        let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
        let data = tempfile::tempdir().expect("temp dir");
        let mut all = vec![("DATABASE_URL", url), ("ADMIN_TOKEN", ADMIN)];
        all.extend_from_slice(vars);
        let (child, base) = start_relay(&robot, data.path(), &all).await;
        let (locker, db) = (connect(url).await, connect(url).await);
        Self {
            robot,
            data,
            _child: child,
            base,
            http: reqwest::Client::new(),
            locker,
            db,
        }
    }

    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        api_at(
            &self.http,
            format!("{}{path}", self.base),
            ADMIN,
            method,
            body,
        )
        .await
    }

    /// Posts a signed webhook that must be stored (202).
    pub async fn store(&self, resource: &str, body: Vec<u8>) {
        let stored = signed_webhook(&self.http, &self.base, resource, body)
            .send()
            .await;
        assert_eq!(stored.expect("post").status().as_u16(), 202);
    }

    /// Stops the sender's next step at the storms table (`storm_step::current`), which it
    /// reads after the step's start and before its holds, ladders and pick; nothing else
    /// touches that table here. What the test does next must be quick: the store's calls end
    /// after 5 s ([`let_the_step_go_on`](Self::let_the_step_go_on) checks they did not).
    pub async fn stop_the_next_step(&self) {
        let me: i32 = self
            .locker
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .expect("pid")
            .get(0);
        self.locker
            .batch_execute("BEGIN; LOCK TABLE storms IN ACCESS EXCLUSIVE MODE")
            .await
            .expect("lock");
        let sql = "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))";
        let stopped = poll_async(Duration::from_secs(10), || async {
            let waiters: i64 = self
                .db
                .query_one(sql, &[&me])
                .await
                .expect("activity")
                .get(0);
            waiters > 0
        })
        .await;
        assert!(stopped, "the sender's step waits on the storms table");
    }

    /// Lets the stopped step go on, and checks it was still waiting: had the store's 5 s call
    /// bound ended it, the next step would have begun after the test acted, and the test
    /// would prove nothing.
    pub async fn let_the_step_go_on(&self) {
        self.locker.batch_execute("ROLLBACK").await.expect("unlock");
        let log = self.log();
        assert!(
            !log.contains("outbox unavailable"),
            "the stopped step timed out first: {log}"
        );
    }

    /// Waits (up to 15 s) until `held` says the stopped step's alert was held, and checks
    /// nothing was posted: `what` names the hold in the failure.
    pub async fn assert_held<F, Fut>(&self, what: &str, held: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let held = poll_async(Duration::from_secs(15), held).await;
        let posted = self.robot.posted();
        assert!(held, "{what}; posted {posted:?}; log: {}", self.log());
        assert!(posted.is_empty());
    }

    /// What the relay logged (warnings and errors).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.path().join("relay.log")).unwrap_or_default()
    }
}
