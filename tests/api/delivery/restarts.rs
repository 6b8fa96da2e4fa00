//! A relay child process killed (SIGKILL) or stopped (SIGTERM) mid-storm: after the restart
//! nothing is lost and nothing is sent twice.

use super::*;

#[tokio::test]
async fn sigkill_mid_storm_then_restart_loses_nothing_and_doubles_nothing() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    robot.set_delay(Duration::from_millis(400));
    let data = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let start = || {
        serve(
            &robot,
            data.path(),
            port,
            &[("DINGTALK_GROUP_WINDOW", "0.2")],
        )
    };
    let mut child = start();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    assert!(wait_healthy(&client, &base).await);
    const N: usize = 120;
    let mut accepted = 0;
    for i in 0..N {
        post_storm_alert(&client, &base, i).await;
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
            assert!(wait_healthy(&client, &base).await);
        }
    }
    assert_eq!(accepted, N);
    let every_once = |p: &[crate::fake_robot::Received]| {
        appearances(&p.iter().map(|r| r.text()).collect::<Vec<_>>(), N)
            .iter()
            .all(|c| *c >= 1)
    };
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
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    robot.set_delay(Duration::from_millis(1500));
    let data = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let start = || {
        serve(
            &robot,
            data.path(),
            port,
            &[("DINGTALK_GROUP_WINDOW", "0"), ("SHUTDOWN_TIMEOUT", "5")],
        )
    };
    let mut child = start();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    assert!(wait_healthy(&client, &base).await);
    for i in 0..5 {
        post_storm_alert(&client, &base, i).await;
    }
    // The first send is now waiting on the slow robot.
    let r = robot.clone();
    assert!(poll(Duration::from_secs(5), || r.requests_started() == 1).await);
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
    assert_eq!(robot.posted().len(), 1, "the send in flight was finished");
    let queued = sentry_dingtalk::outbox::open_sqlite(data.path(), Access::Shared)
        .expect("store")
        .stats()
        .await
        .expect("stats");
    assert!(
        queued
            .iter()
            .any(|s| s.state == "waiting" || s.state == "pending"),
        "the rest stays queued: {queued:?}"
    );

    robot.set_delay(Duration::ZERO);
    let mut child = start();
    let all = |p: &[crate::fake_robot::Received]| {
        appearances(&p.iter().map(|r| r.text()).collect::<Vec<_>>(), 5)
            .iter()
            .all(|c| *c >= 1)
    };
    let arrived = robot.wait_for(Duration::from_secs(15), all).await;
    child.kill().ok();
    child.wait().ok();
    assert!(arrived, "the queued alerts are sent after the restart");
    assert!(
        robot.log().iter().all(|r| !r.duplicate),
        "the finished send was recorded, not repeated"
    );
}
