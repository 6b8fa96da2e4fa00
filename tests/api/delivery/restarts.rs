//! A relay child process killed (SIGKILL) or stopped (SIGTERM) mid-storm: after the restart
//! nothing is lost and nothing is sent twice.

use super::*;
use crate::fake_robot::Received;

/// A robot answering after `delay` and a `serve` child for it on a fixed port and `DATA_DIR`,
/// with `vars`: started again, it takes up the same outbox at the same address.
struct Restartable {
    robot: FakeRobot,
    data: tempfile::TempDir,
    port: u16,
    vars: &'static [(&'static str, &'static str)],
    client: reqwest::Client,
    base: String,
}

impl Restartable {
    async fn new(delay: Duration, vars: &'static [(&'static str, &'static str)]) -> Self {
        let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
        robot.set_delay(delay);
        let data = tempfile::tempdir().expect("tmp");
        let port = free_port();
        Self {
            robot,
            data,
            port,
            vars,
            client: reqwest::Client::new(),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    fn start(&self) -> std::process::Child {
        serve(&self.robot, self.data.path(), self.port, self.vars)
    }
}

/// Whether each of the `n` storm alerts is among the posted messages at least once.
fn each_arrived(posted: &[Received], n: usize) -> bool {
    appearances(&posted.iter().map(|r| r.text()).collect::<Vec<_>>(), n)
        .iter()
        .all(|c| *c >= 1)
}

#[tokio::test]
async fn sigkill_mid_storm_then_restart_loses_nothing_and_doubles_nothing() {
    let relay = Restartable::new(
        Duration::from_millis(400),
        &[("DINGTALK_GROUP_WINDOW", "0.2")],
    )
    .await;
    let (robot, client, base) = (&relay.robot, &relay.client, &relay.base);
    let start = || relay.start();
    let mut child = start();
    assert!(wait_healthy(client, base).await);
    const N: usize = 120;
    let mut accepted = 0;
    for i in 0..N {
        post_storm_alert(client, base, i).await;
        accepted += 1;
        if i == N / 2 {
            // Mid-storm, with messages built and in flight: no goodbye, no flush.
            assert!(
                robot
                    .wait_for(Duration::from_secs(5), |p| !p.is_empty())
                    .await
            );
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
            child = start();
            assert!(wait_healthy(client, base).await);
        }
    }
    assert_eq!(accepted, N);
    let every_once = |p: &[Received]| each_arrived(p, N);
    let arrived = robot.wait_for(Duration::from_secs(30), every_once).await;
    child.kill().ok();
    child.wait().ok();
    assert!(arrived, "alerts lost after SIGKILL");
    let counts = appearances(
        &robot.posted().iter().map(|r| r.text()).collect::<Vec<_>>(),
        N,
    );
    assert!(
        counts.iter().all(|c| *c == 1),
        "doubled: {:?}",
        counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 1)
            .collect::<Vec<_>>()
    );
    assert!(robot.rejections().is_empty(), "{:?}", robot.rejections());
}

#[tokio::test]
async fn sigterm_finishes_the_send_in_flight_and_leaves_the_rest_queued() {
    let relay = Restartable::new(
        Duration::from_millis(1500),
        &[("DINGTALK_GROUP_WINDOW", "0"), ("SHUTDOWN_TIMEOUT", "5")],
    )
    .await;
    let (robot, client, base) = (&relay.robot, &relay.client, &relay.base);
    let start = || relay.start();
    let mut child = start();
    assert!(wait_healthy(client, base).await);
    for i in 0..5 {
        post_storm_alert(client, base, i).await;
    }
    // A send is now waiting on the slow robot (the first, or a later one on a slow machine).
    let r = robot.clone();
    assert!(poll(Duration::from_secs(5), || r.requests_started() >= 1).await);
    let stopped_at = std::time::Instant::now();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    let status = tokio::task::spawn_blocking(move || child.wait().expect("wait"))
        .await
        .expect("join");
    assert!(status.success(), "clean exit: {status:?}");
    assert!(
        stopped_at.elapsed() < Duration::from_secs(6),
        "exits within SHUTDOWN_TIMEOUT"
    );
    let queued = sentry_dingtalk::outbox::open_sqlite(relay.data.path(), Access::Shared)
        .expect("store")
        .stats()
        .await
        .expect("stats");
    let sent: i64 = queued
        .iter()
        .filter(|s| s.state == "sent")
        .map(|s| s.count)
        .sum();
    let started = robot.requests_started();
    assert!(started < 5, "stopped before everything went: {started}");
    assert_eq!(
        sent as usize, started,
        "the send in flight was finished and recorded: {queued:?}"
    );
    assert!(
        queued
            .iter()
            .any(|s| s.state == "waiting" || s.state == "pending"),
        "the rest stays queued: {queued:?}"
    );

    robot.set_delay(Duration::ZERO);
    let mut child = start();
    let all = |p: &[Received]| each_arrived(p, 5);
    let arrived = robot.wait_for(Duration::from_secs(15), all).await;
    child.kill().ok();
    child.wait().ok();
    assert!(arrived, "the queued alerts are sent after the restart");
    assert!(
        robot.log().iter().all(|r| !r.duplicate),
        "the finished send was recorded, not repeated"
    );
}
