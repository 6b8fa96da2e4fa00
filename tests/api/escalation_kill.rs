//! An escalation ladder lives in the store: a relay killed with SIGKILL before a step was due
//! takes that step once when it comes back — late, not lost — and a kill right after a step
//! does not take it again.

use crate::escalation::{ISSUE, ladder};
use crate::fake_robot::{FakeRobot, Received};
use crate::helpers::*;
use std::path::Path;
use std::time::Duration;

async fn start(robot: &FakeRobot, data: &Path, config: &Path) -> (Relay, String) {
    let file = config.display().to_string();
    let vars = [
        ("DINGTALK_GROUP_WINDOW", "0"),
        ("CONFIG_FILE", file.as_str()),
    ];
    start_relay(robot, data, &vars).await
}

fn follow_ups(posted: &[Received]) -> usize {
    posted
        .iter()
        .filter(|m| m.text().contains("无人处理"))
        .count()
}

#[tokio::test]
async fn a_step_due_while_the_relay_was_killed_comes_once_after_it_restarts() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let (data, config) = (dir.path().join("data"), dir.path().join("relay.toml"));
    std::fs::write(&config, ladder(&["oncall:backend", "all"], "3s", "")).expect("config");
    let (relay, base) = start(&robot, &data, &config).await;
    let resp = signed_webhook(
        &reqwest::Client::new(),
        &base,
        "issue",
        example("issue-created.json"),
    )
    .send()
    .await
    .expect("relay answers");
    assert_eq!(resp.status(), 202);
    assert!(robot.wait_for(WAIT, |p| p.len() == 1).await, "the alert");
    drop(relay); // SIGKILL
    // Down past the first step's time (3 s after the alert).
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (relay, _) = start(&robot, &data, &config).await;
    assert!(
        robot.wait_for(WAIT, |p| follow_ups(p) == 1).await,
        "the late step, once"
    );
    drop(relay); // SIGKILL
    let (_relay, _) = start(&robot, &data, &config).await;
    assert!(
        robot.wait_for(WAIT, |p| follow_ups(p) == 2).await,
        "the second step"
    );
    let texts: Vec<String> = robot.posted().iter().map(Received::text).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(
        texts[1].contains("请值班（backend）处理：张三"),
        "{texts:?}"
    );
    assert!(texts[2].contains("请大家关注"), "{texts:?}");
    // The trace tells the story.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .args(["outbox", "trace", ISSUE])
        .env_clear()
        .env("DINGTALK_WEBHOOK", &robot.webhook)
        .env("DATA_DIR", &data)
        .output()
        .expect("trace runs");
    let trace = String::from_utf8_lossy(&out.stdout);
    assert!(trace.contains("escalation:"), "{trace}");
    assert_eq!(trace.matches("escalated to").count(), 2, "{trace}");
    assert!(
        trace.contains("route backend: escalated to 张三 (on call for backend) after"),
        "{trace}"
    );
}
