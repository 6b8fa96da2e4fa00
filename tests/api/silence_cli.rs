//! `sentry-dingtalk silence add|list|expire` beside a running `serve` on its SQLite store: the
//! id alone on stdout, bad flags refused by name, alerts held from the next one on, the summary
//! when the silence is expired — and after a `kill -9` while alerts are held, the summary still
//! comes, once.

use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use crate::silences::issue;
use std::path::Path;
use std::process::Output;

/// The binary on the relay's `DATA_DIR`, run to its end.
async fn cli(robot: &FakeRobot, data: &Path, args: &[&str]) -> Output {
    run_beside(robot, data, args, &[("USER", "ops-bot")]).await
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn start(robot: &FakeRobot, data: &Path) -> (Relay, String) {
    let port = free_port();
    let child = serve(robot, data, port, &[("DINGTALK_GROUP_WINDOW", "0")]);
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        wait_healthy(&reqwest::Client::new(), &base).await,
        "relay up"
    );
    (Relay(child), base)
}

async fn post(base: &str, body: &[u8]) {
    let resp = signed_webhook(&reqwest::Client::new(), base, "issue", body.to_vec())
        .header("Content-Type", "application/json")
        .send()
        .await
        .expect("relay answers");
    assert_eq!(resp.status().as_u16(), 202);
}

/// How many alerts the store holds, as `outbox stats --json` says.
async fn held(robot: &FakeRobot, data: &Path) -> i64 {
    let out = cli(robot, data, &["outbox", "stats", "--json"]).await;
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    stats
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|r| r["state"] == "held")
                .filter_map(|r| r["count"].as_i64())
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn silence_commands_work_beside_a_running_relay() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let (_relay, base) = start(&robot, &data).await;

    let refused = [
        (vec!["silence", "add", "--all", "--for", "0s"], "--for"),
        (vec!["silence", "add", "--for", "1h"], "matchers"),
        (
            vec!["silence", "add", "--project", "[x", "--for", "1h"],
            "--project",
        ),
        (
            vec!["silence", "add", "--level", "loud", "--for", "1h"],
            "--level",
        ),
    ];
    for (args, named) in refused {
        let out = cli(&robot, &data, &args).await;
        assert!(!out.status.success(), "{args:?} is refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{args:?}: {err}");
    }
    let listed = cli(&robot, &data, &["silence", "list"]).await;
    assert_eq!(
        stdout(&listed).trim(),
        "no silences",
        "nothing refused was stored"
    );

    let args = [
        "silence",
        "add",
        "--title",
        "flaky",
        "--for",
        "1h",
        "--comment",
        "known",
    ];
    let added = cli(&robot, &data, &args).await;
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let id = stdout(&added);
    assert!(
        id.trim().parse::<i64>().is_ok() && id.lines().count() == 1,
        "the id alone on a line: {id:?}"
    );
    let id = id.trim().to_string();
    let listed = stdout(&cli(&robot, &data, &["silence", "list"]).await);
    assert!(listed.contains(&format!("#{id} active")), "{listed}");
    assert!(listed.contains("by ops-bot: known"), "{listed}");
    // No --created-by and no login name (a container's shell): still someone.
    let args = ["silence", "add", "--title", "nightly", "--for", "1h"];
    let anonymous = run_beside(&robot, &data, &args, &[]).await;
    assert!(anonymous.status.success());
    let listed = stdout(&cli(&robot, &data, &["silence", "list"]).await);
    assert!(listed.contains("by command line"), "{listed}");
    let nightly = stdout(&anonymous).trim().to_string();
    let ended = stdout(&cli(&robot, &data, &["silence", "expire", &nightly]).await);
    assert!(
        ended.contains("it held nothing, so no summary is sent"),
        "{ended}"
    );
    let listed = stdout(&cli(&robot, &data, &["silence", "list"]).await);
    assert!(
        listed.contains(&format!("#{nightly} ended at ")),
        "{listed}"
    );

    post(&base, &issue("601", "Flaky test A")).await;
    post(&base, &issue("602", "Flaky test B")).await;
    post(&base, &issue("603", "Real failure")).await;
    assert!(robot.wait_for(WAIT, |p| !p.is_empty()).await);
    assert!(poll_async(WAIT, || async { held(&robot, &data).await == 2 }).await);
    assert_eq!(robot.posted().len(), 1);
    assert!(robot.posted()[0].text().contains("Real failure"));

    let expired = cli(&robot, &data, &["silence", "expire", &id]).await;
    assert!(expired.status.success());
    assert!(
        robot.wait_for(WAIT, |p| p.len() == 2).await,
        "the summary comes"
    );
    let summary = robot.posted()[1].text();
    assert!(
        summary.contains(&format!("#{id}")) && summary.contains("PAY-601"),
        "{summary}"
    );
    // Expired again: it says so, and nothing changes (no second summary).
    let again = stdout(&cli(&robot, &data, &["silence", "expire", &id]).await);
    assert!(again.contains("had already ended at"), "{again}");
    let missing = cli(&robot, &data, &["silence", "expire", "9999"]).await;
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no silence #9999"));
}

#[tokio::test]
async fn after_a_kill_while_alerts_are_held_the_summary_still_comes_once() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let (mut relay, base) = start(&robot, &data).await;
    let added = cli(
        &robot,
        &data,
        &["silence", "add", "--issue", "PAY-701", "--for", "1h"],
    )
    .await;
    let id = stdout(&added).trim().to_string();
    for i in 0..3 {
        post(&base, &issue("701", &format!("Held before the kill {i}"))).await;
    }
    assert!(poll_async(WAIT, || async { held(&robot, &data).await == 3 }).await);
    relay.0.kill().expect("SIGKILL");
    let _ = relay.0.wait();
    // Ended while no relay runs: the next one tells it.
    assert!(
        cli(&robot, &data, &["silence", "expire", &id])
            .await
            .status
            .success()
    );
    let (_relay, _base) = start(&robot, &data).await;
    assert!(
        robot.wait_for(WAIT, |p| !p.is_empty()).await,
        "the summary after restart"
    );
    assert!(poll_async(WAIT, || async { held(&robot, &data).await == 0 }).await);
    let stats = stdout(&cli(&robot, &data, &["outbox", "stats", "--json"]).await);
    let stats: serde_json::Value = serde_json::from_str(&stats).expect("json");
    let in_state = |state: &str| -> i64 {
        stats
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["state"] == state)
            .filter_map(|r| r["count"].as_i64())
            .sum()
    };
    assert!(
        poll_async(WAIT, || async {
            let s = stdout(&cli(&robot, &data, &["outbox", "stats", "--json"]).await);
            !s.contains("\"pending\"")
        })
        .await
    );
    assert_eq!(in_state("dead"), 0);
    let posted = robot.posted();
    assert_eq!(posted.len(), 1, "one summary, not one per start");
    assert!(posted[0].text().contains("×3"), "{}", posted[0].text());
}

/// The command's configuration may not be the relay's (no `CONFIG_FILE` here), so a robot it
/// does not know is warned about, not refused; the silence is made.
#[tokio::test]
async fn a_robot_the_command_does_not_know_is_warned_about_and_kept() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let (_relay, _) = start(&robot, &data).await;
    let args = ["silence", "add", "--robot", "payments", "--for", "1h"];
    let added = cli(&robot, &data, &args).await;
    let err = String::from_utf8_lossy(&added.stderr);
    assert!(added.status.success(), "{err}");
    assert!(
        err.contains("warning: --robot: no robot is named \"payments\" (robots: default)"),
        "{err}"
    );
    let listed = cli(&robot, &data, &["silence", "list"]).await;
    assert!(
        stdout(&listed).contains("robot=payments"),
        "{}",
        stdout(&listed)
    );
}
