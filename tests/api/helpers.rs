//! `spawn_app()`: the real relay on port 0 with a temporary outbox and a fake robot.

mod admin;
mod child_relay;
mod config_toml;
mod fake_sentry;
mod loopback;
mod raw_http;
mod stopped_step;

pub use admin::*;
pub use child_relay::*;
pub use config_toml::*;
pub use fake_sentry::*;
pub use loopback::*;
pub use raw_http::*;
pub use stopped_step::*;

use crate::fake_robot::FakeRobot;
use sentry_dingtalk::outbox::{MessageRow, MessageState, SharedOutbox, StateCount};
use sentry_dingtalk::{Application, Secret, Settings, signature};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub const CLIENT_SECRET: &str = "test-client-secret";
/// How long a test waits for something the relay should do within seconds.
pub const WAIT: Duration = Duration::from_secs(10);
pub const ROBOT_SECRET: &str = "SECtest0123456789abcdef";
pub const LEGACY_TOKEN: &str = "legacy-token-xyz";

pub struct TestApp {
    pub address: String,
    pub outbox: SharedOutbox,
    pub robot: FakeRobot,
    pub data_dir: tempfile::TempDir,
    pub http: reqwest::Client,
    pub live: std::sync::Arc<sentry_dingtalk::Live>,
    shutdown: CancellationToken,
    running: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Settings as the environment would give them, with windows shrunk so tests take seconds.
pub fn test_settings(robot: &FakeRobot, data_dir: &Path) -> Settings {
    let mut s = Settings::from_lookup(|_| None).expect("defaults load");
    s.client_secrets = vec![Secret::new(CLIENT_SECRET)];
    s.listen_addr = "127.0.0.1:0".into();
    s.data_dir = data_dir.to_path_buf();
    s.sentry_org = Some("acme".into());
    s.legacy_token = Some(Secret::new(LEGACY_TOKEN));
    s.retry.base_delay = Duration::from_millis(50);
    s.retry.max_delay = Duration::from_millis(400);
    let r = &mut s.robots[0];
    r.webhook = Some(Secret::new(robot.webhook.clone()));
    r.secret = Some(Secret::new(ROBOT_SECRET));
    r.group_window = Duration::ZERO;
    r.rate_per_minute = 18;
    s.env_robot = s.robots[0].clone();
    s
}

/// Settings with `toml` as the config file (written into `dir`), loaded as at start-up.
pub fn with_config_file(s: &mut Settings, dir: &Path, toml: &str) {
    let path = dir.join("sentry-dingtalk.toml");
    std::fs::write(&path, toml).expect("write config");
    s.config_file = Some(path);
    *s = s.reloaded().expect("config file loads");
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    spawn_app_for(robot, adjust).await
}

/// `TEST_LOG=<filter>` (e.g. `sentry_dingtalk=debug`) logs the in-process relays into the
/// test's output, which nextest shows when the test fails. Under `CI` it is
/// `sentry_dingtalk=debug` unless set: a test that fails there once brings the relay's own
/// account of what it did. Elsewhere, unset, nothing is logged.
fn log_if_asked() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let in_ci = std::env::var_os("CI").is_some();
        let filter = std::env::var("TEST_LOG")
            .ok()
            .or_else(|| in_ci.then(|| "sentry_dingtalk=debug".to_string()));
        if let Some(filter) = filter {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .with_ansi(false)
                .try_init();
        }
    });
}

pub async fn spawn_app_for(robot: FakeRobot, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    log_if_asked();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&robot, data_dir.path());
    adjust(&mut settings);
    // What a reload rebuilds the robot list from.
    if let Some(default) = settings.robot(sentry_dingtalk::DEFAULT_ROBOT) {
        settings.env_robot = default.clone();
    }
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let outbox = app.outbox();
    let live = app.live();
    let shutdown = CancellationToken::new();
    let running = Some(tokio::spawn(app.run_until_stopped(shutdown.clone())));
    TestApp {
        address,
        outbox,
        robot,
        data_dir,
        http: reqwest::Client::new(),
        live,
        shutdown,
        running,
    }
}

impl TestApp {
    /// Stops the relay as SIGTERM would and waits until it has let go of its `DATA_DIR`, so
    /// another relay can start on the same outbox.
    pub async fn stop(mut self) {
        self.halt().await;
        let lock = self.data_dir_path().join("serve.lock");
        drop(self);
        let free = poll(WAIT, || {
            std::fs::File::open(&lock).is_ok_and(|f| f.try_lock().is_ok())
        })
        .await;
        assert!(free, "the stopped relay still holds {}", lock.display());
    }

    /// Shuts the relay down as SIGTERM does and waits until it returned; the outbox stays
    /// readable through `self.outbox`.
    pub async fn halt(&mut self) {
        self.shutdown.cancel();
        if let Some(running) = self.running.take() {
            let _ = running.await;
        }
    }

    fn data_dir_path(&self) -> PathBuf {
        self.live.get().settings.data_dir.clone()
    }

    /// Messages in `state` (any when `None`), newest first.
    pub async fn messages(&self, state: Option<MessageState>) -> Vec<MessageRow> {
        self.outbox.list_messages(state, 1000).await.expect("list")
    }

    /// The relay's `/metrics` text.
    pub async fn metrics(&self) -> String {
        let url = format!("{}/metrics", self.address);
        let resp = self.http.get(url).send().await.expect("metrics");
        resp.text().await.expect("metrics text")
    }

    pub async fn stats(&self) -> Vec<StateCount> {
        self.outbox.stats().await.expect("stats")
    }

    /// Waits until `count` messages are in `state`, or `deadline` passes.
    pub async fn wait_messages(
        &self,
        state: MessageState,
        count: usize,
        deadline: Duration,
    ) -> bool {
        poll_async(deadline, || async {
            self.messages(Some(state)).await.len() >= count
        })
        .await
    }

    /// Posts `body` as Sentry does: signed with the client secret, with its headers.
    pub async fn post_signed(&self, resource: &str, body: &[u8]) -> reqwest::Response {
        let sig = signature::sign(body, &Secret::new(CLIENT_SECRET));
        self.post(Some(resource), Some(&sig), body.to_vec()).await
    }

    pub async fn post(
        &self,
        resource: Option<&str>,
        signature: Option<&str>,
        body: Vec<u8>,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/webhooks/sentry", self.address))
            .header("Content-Type", "application/json")
            .header("Request-ID", uuid::Uuid::new_v4().simple().to_string())
            .header("Sentry-Hook-Timestamp", "1700000000");
        if let Some(r) = resource {
            req = req.header("Sentry-Hook-Resource", r);
        }
        if let Some(s) = signature {
            req = req.header("Sentry-Hook-Signature", s);
        }
        req.body(body).send().await.expect("relay answers")
    }

    pub async fn post_legacy(&self, token: &str, body: Vec<u8>) -> reqwest::Response {
        let url = format!("{}/webhooks/sentry/legacy/{token}", self.address);
        self.http
            .post(url)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("relay answers")
    }
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `../shared/fixtures/sentry`: real captured payloads, read in place, never copied. A test
/// that reads them is `#[ignore = "needs ../shared …"]`: a clone without the folder skips it.
pub fn shared_fixtures() -> PathBuf {
    let dir = repo_path("../shared/fixtures/sentry");
    needs(
        dir.is_dir(),
        &format!("{} (a checkout beside ../shared)", dir.display()),
    );
    dir
}

pub fn example(name: &str) -> Vec<u8> {
    std::fs::read(repo_path(&format!("examples/payloads/{name}"))).expect("example payload")
}

/// The resource of an example or fixture file, from its name (`event_alert-triggered.json`).
pub fn resource_of(file_name: &str) -> String {
    file_name.split('-').next().unwrap_or_default().to_string()
}

pub async fn json_body(resp: reqwest::Response) -> serde_json::Value {
    resp.json().await.expect("JSON body")
}

pub async fn poll(deadline: Duration, cond: impl Fn() -> bool) -> bool {
    let end = std::time::Instant::now() + deadline;
    while std::time::Instant::now() < end {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

pub async fn poll_async<F: std::future::Future<Output = bool>>(
    deadline: Duration,
    cond: impl Fn() -> F,
) -> bool {
    let end = std::time::Instant::now() + deadline;
    while std::time::Instant::now() < end {
        if cond().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond().await
}

/// For an `#[ignore]`d test that needs something outside the repository: it runs only when
/// asked for (`--run-ignored all`, as CI does), so a missing service is a failure naming it,
/// never a pass that did nothing.
pub fn needs(available: bool, what: &str) {
    assert!(
        available,
        "this test needs {what} (README: Quick start); without it, run the tests that need nothing: cargo nextest run"
    );
}
