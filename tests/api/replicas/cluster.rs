//! Three `serve` child processes on one PostgreSQL database, the strict fake robot they all
//! send to, and what the tests ask of them. Every child is killed when its `Replica` drops, so
//! a failing test leaves no process behind.

mod alerts;

pub use alerts::*;

use crate::fake_robot::FakeRobot;
use crate::helpers::{free_port, poll_async, serve, wait_healthy};
use std::process::{Child, ExitStatus};
use std::time::Duration;

pub const REPLICAS: usize = 3;
/// The configured robot's name in the leases table.
const ROBOT: &str = "default";

/// One `sentry-dingtalk serve` process; its port and `DATA_DIR` (the log) survive a restart.
pub struct Replica {
    pub base: String,
    port: u16,
    data: tempfile::TempDir,
    child: Option<Child>,
}

impl Replica {
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// No goodbye: the process dies between any two instructions.
    pub fn sigkill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
        }
    }

    /// What Kubernetes sends after the pre-stop hook.
    pub fn sigterm(&self) {
        let pid = self.pid().expect("running").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
    }

    /// Waits for the process to exit by itself.
    pub async fn wait_exit(&mut self, deadline: Duration) -> Option<ExitStatus> {
        let end = std::time::Instant::now() + deadline;
        loop {
            let child = self.child.as_mut()?;
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                return Some(status);
            }
            if std::time::Instant::now() > end {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Everything the process (and the ones before it on this port) wrote to its log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.path().join("relay.log")).unwrap_or_default()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub struct Cluster {
    pub robot: FakeRobot,
    pub replicas: Vec<Replica>,
    pub http: reqwest::Client,
    /// `DATABASE_URL` of the replicas (perhaps through a proxy, with a password).
    database_url: String,
    env: Vec<(String, String)>,
    /// The test's own connection, straight to the database.
    db: tokio_postgres::Client,
}

impl Cluster {
    /// Starts `REPLICAS` processes on `database_url` and waits until each is healthy; `direct`
    /// is the same database without any proxy, for the test's own queries.
    pub async fn start(
        robot: FakeRobot,
        direct: &str,
        database_url: &str,
        env: &[(&str, &str)],
    ) -> Self {
        let (db, connection) = tokio_postgres::connect(direct, tokio_postgres::NoTls)
            .await
            .expect("test connection");
        tokio::spawn(connection);
        let mut cluster = Self {
            robot,
            replicas: Vec::new(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .expect("client"),
            database_url: database_url.to_owned(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            db,
        };
        for _ in 0..REPLICAS {
            let port = free_port();
            cluster.replicas.push(Replica {
                base: format!("http://127.0.0.1:{port}"),
                port,
                data: tempfile::tempdir().expect("data dir"),
                child: None,
            });
        }
        // Started together: they race on the migrations as a real rollout does.
        for i in 0..REPLICAS {
            cluster.spawn(i);
        }
        for i in 0..REPLICAS {
            assert!(
                cluster.wait_ready(i, Duration::from_secs(30)).await,
                "replica {i} ready"
            );
        }
        cluster
    }

    fn spawn(&mut self, i: usize) {
        let mut env: Vec<(&str, &str)> = vec![
            ("DATABASE_URL", self.database_url.as_str()),
            ("RUST_LOG", "info"),
        ];
        env.extend(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let replica = &mut self.replicas[i];
        assert!(replica.child.is_none(), "replica {i} is still running");
        replica.child = Some(serve(&self.robot, replica.data.path(), replica.port, &env));
    }

    /// A new process in place of replica `i`, which must have exited.
    pub async fn restart(&mut self, i: usize) {
        self.spawn(i);
        assert!(
            self.wait_ready(i, Duration::from_secs(30)).await,
            "replica {i} back"
        );
    }

    /// Healthy and `/readyz` 200 within `deadline`.
    pub async fn wait_ready(&self, i: usize, deadline: Duration) -> bool {
        let base = &self.replicas[i].base;
        wait_healthy(&self.http, base).await
            && poll_async(deadline, || async { self.readyz(i).await == Some(200) }).await
    }

    pub async fn readyz(&self, i: usize) -> Option<u16> {
        let url = format!("{}/readyz", self.replicas[i].base);
        let resp = self.http.get(url).send().await.ok()?;
        Some(resp.status().as_u16())
    }

    pub async fn healthz(&self, i: usize) -> Option<u16> {
        let url = format!("{}/healthz", self.replicas[i].base);
        let resp = self.http.get(url).send().await.ok()?;
        Some(resp.status().as_u16())
    }

    /// Posts storm alert `n` to replica `i`, as Sentry does; the status, or `None` when the
    /// replica did not answer.
    pub async fn post_alert(&self, i: usize, n: usize) -> Option<u16> {
        post(&self.http, &self.replicas[i].base, &alert(n), &request_id()).await
    }

    /// The replica whose process holds the `default` robot's lease right now, if one does.
    pub async fn holder(&self) -> Option<usize> {
        self.holder_of(ROBOT).await
    }

    /// The `default` robot's lease owner as the store has it (`HOSTNAME:pid:uuid`; empty once
    /// released).
    pub async fn lease_owner(&self) -> String {
        self.db
            .query_one("SELECT owner FROM leases WHERE robot = $1", &[&ROBOT])
            .await
            .expect("read the lease")
            .get(0)
    }

    /// The replica whose process holds `robot`'s lease right now, if one does.
    pub async fn holder_of(&self, robot: &str) -> Option<usize> {
        let row = self
            .db
            .query_opt(
                "SELECT owner FROM leases WHERE robot = $1 AND owner <> ''",
                &[&robot],
            )
            .await
            .expect("read the lease")?;
        // `HOSTNAME:pid:uuid`; the children run without HOSTNAME, so `relay:pid:uuid`.
        let owner: String = row.get(0);
        let pid: u32 = owner.split(':').nth(1)?.parse().ok()?;
        self.replicas.iter().position(|r| r.pid() == Some(pid))
    }

    /// Waits until a running replica holds the `default` robot's lease.
    pub async fn wait_holder(&self, deadline: Duration) -> Option<usize> {
        self.wait_holder_of(ROBOT, deadline).await
    }

    /// Waits until a running replica holds `robot`'s lease.
    pub async fn wait_holder_of(&self, robot: &str, deadline: Duration) -> Option<usize> {
        let end = std::time::Instant::now() + deadline;
        loop {
            if let Some(i) = self.holder_of(robot).await {
                return Some(i);
            }
            if std::time::Instant::now() > end {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until every alert of `ids` reached the group at least once.
    pub async fn wait_delivered(&self, ids: &[usize], deadline: Duration) -> bool {
        let ids = ids.to_vec();
        self.robot
            .wait_for(deadline, move |posted| {
                let counts = appearances(posted);
                ids.iter().all(|i| counts.get(i).copied().unwrap_or(0) >= 1)
            })
            .await
    }

    /// Every log line of every replica, for what must (not) be in them.
    pub fn logs(&self) -> String {
        self.replicas.iter().map(Replica::log).collect()
    }
}
