//! `sentry-dingtalk serve` as a child process: started, polled until healthy, measured, killed.

use super::{CLIENT_SECRET, ROBOT_SECRET, poll_async};
use crate::fake_robot::FakeRobot;
use std::path::Path;
use std::time::Duration;

/// `sentry-dingtalk serve` as a child process, configured like the shared contract smoke test;
/// its log (warnings and errors) goes to `DATA_DIR/relay.log`.
pub fn serve(
    robot: &FakeRobot,
    data: &std::path::Path,
    port: u16,
    extra: &[(&str, &str)],
) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"));
    cmd.arg("serve")
        .env_clear()
        .env("SENTRY_CLIENT_SECRET", CLIENT_SECRET)
        .env("DINGTALK_WEBHOOK", &robot.webhook)
        .env("DINGTALK_SECRET", ROBOT_SECRET)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DATA_DIR", data)
        .env("RUST_LOG", "warn");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    std::fs::create_dir_all(data).expect("data dir");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.join("relay.log"))
        .expect("log file");
    cmd.stderr(log).spawn().expect("start serve")
}

/// The binary with `args` (a command beside a relay), with the robot and the `DATA_DIR` the
/// relay has and `vars`, run to its end.
pub async fn run_beside(
    robot: &FakeRobot,
    data: &Path,
    args: &[&str],
    vars: &[(&str, &str)],
) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"));
    cmd.args(args)
        .env_clear()
        .env("DINGTALK_WEBHOOK", &robot.webhook)
        .env("DINGTALK_SECRET", ROBOT_SECRET)
        .env("DATA_DIR", data);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || cmd.output().expect("binary runs"))
        .await
        .expect("join")
}

/// A webhook to the relay at `base` as Sentry sends it: `body` of `resource`, signed with the
/// client secret; ready to send, or to add headers to.
pub fn signed_webhook(
    client: &reqwest::Client,
    base: &str,
    resource: &str,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    let sig = sentry_dingtalk::signature::sign(&body, &sentry_dingtalk::Secret::new(CLIENT_SECRET));
    client
        .post(format!("{base}/webhooks/sentry"))
        .header("Sentry-Hook-Resource", resource)
        .header("Sentry-Hook-Signature", sig)
        .body(body)
}

/// What a finished command printed: its stdout, then its stderr.
pub fn stdout_and_stderr(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A `serve` child process, killed (SIGKILL) however the test ends.
pub struct Relay(pub std::process::Child);

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` on `data` with `vars` beside the robot's, and waits until it is healthy.
pub async fn start_relay(robot: &FakeRobot, data: &Path, vars: &[(&str, &str)]) -> (Relay, String) {
    let port = free_port();
    let child = serve(robot, data, port, vars);
    let base = format!("http://127.0.0.1:{port}");
    let up = wait_healthy(&reqwest::Client::new(), &base).await;
    let log = || std::fs::read_to_string(data.join("relay.log")).unwrap_or_default();
    assert!(up, "relay up; its log:\n{}", log());
    (Relay(child), base)
}

/// Polls a child relay's `/healthz` until it answers ok or 10 s pass (any other answer is not
/// the relay: another process took the port).
pub async fn wait_healthy(client: &reqwest::Client, base: &str) -> bool {
    poll_async(Duration::from_secs(10), || async {
        let answer = client.get(format!("{base}/healthz")).send().await;
        answer.is_ok_and(|r| r.status().is_success())
    })
    .await
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A process's resident memory, from `/proc/<pid>/status`.
pub fn vm_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// One unlabelled sample from the relay's `/metrics`.
pub async fn metric(client: &reqwest::Client, base: &str, name: &str) -> Option<f64> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
}
