//! A broken configuration file is reported by line and column on every surface — `check`,
//! `POST /-/reload`, the SIGHUP log — and never with the robot token or `SEC…` key on that line.

use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use sentry_dingtalk::Secret;
use std::time::Duration;

const TOKEN: &str = "c0ffee00deadbeefc0ffee00deadbeefc0ffee00deadbeefc0ffee00deadbeef";
const SEC: &str = "SEC5e3a9f0c1b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f";
const ADMIN: &str = "config-secrets-admin-token";

/// Line 3 holds the token and the key, and two values where one belongs.
fn broken() -> String {
    format!(
        "[[robots]]\nname = \"ops\"\nwebhook = \"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}\" secret = \"{SEC}\"\n"
    )
}

/// The same line with its string left open: the parser then quotes up to the line's end.
fn unterminated() -> String {
    format!(
        "[[robots]]\nname = \"ops\"\nsecret = \"{SEC} webhook = https://x/?access_token={TOKEN}\n"
    )
}

fn assert_safe(surface: &str, text: &str) {
    assert!(text.contains("line 3"), "{surface} names the line: {text}");
    assert!(
        !text.contains(TOKEN),
        "{surface} leaked the robot token: {text}"
    );
    assert!(
        !text.contains("SEC5e3a"),
        "{surface} leaked the SEC key: {text}"
    );
}

#[test]
fn check_reports_the_line_without_the_secrets_on_it() {
    let dir = tempfile::tempdir().expect("tmp");
    for (i, text) in [broken(), unterminated()].into_iter().enumerate() {
        let path = dir.path().join(format!("c{i}.toml"));
        std::fs::write(&path, text).expect("write");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
            .arg("check")
            .env_clear()
            .env("CONFIG_FILE", &path)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2));
        let all = stdout_and_stderr(&out);
        assert_safe("check", &all);
    }
}

#[tokio::test]
async fn reload_answers_422_with_the_line_without_the_secrets_on_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app_with(|s| {
        with_config_file(s, dir.path(), "unmatched = \"default\"\n");
        s.admin_token = Some(Secret::new(ADMIN));
    })
    .await;
    for text in [broken(), unterminated()] {
        std::fs::write(dir.path().join("sentry-dingtalk.toml"), text).expect("write");
        let resp = app
            .http
            .post(format!("{}/-/reload", app.address))
            .bearer_auth(ADMIN)
            .send()
            .await
            .expect("answer");
        assert_eq!(resp.status().as_u16(), 422);
        assert_safe("the reload answer", &resp.text().await.expect("body"));
    }
}

#[tokio::test]
async fn sighup_logs_the_line_without_the_secrets_on_it() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("routes.toml");
    std::fs::write(&file, "unmatched = \"default\"\n").expect("write");
    let data = dir.path().join("data");
    let port = free_port();
    let file_s = file.display().to_string();
    let mut child = serve(&robot, &data, port, &[("CONFIG_FILE", file_s.as_str())]);
    let client = reqwest::Client::new();
    assert!(wait_healthy(&client, &format!("http://127.0.0.1:{port}")).await);
    let log = data.join("relay.log");
    for (round, text) in [broken(), unterminated()].into_iter().enumerate() {
        std::fs::write(&file, text).expect("write");
        let hup = std::process::Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status()
            .expect("kill -HUP");
        assert!(hup.success());
        let logged = poll(Duration::from_secs(10), || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .matches("reload refused")
                .count()
                > round
        })
        .await;
        assert!(logged, "the refusal is logged");
    }
    child.kill().ok();
    child.wait().ok();
    assert_safe("the log", &std::fs::read_to_string(&log).expect("log"));
}
