//! The budget across crashes (issue 17): an attempt counts before its request goes out, so a
//! relay killed mid-send, again and again, never makes DingTalk see more than the budget.

use crate::delivery::post_storm_alert;
use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use std::time::Duration;

/// DingTalk's own limit, and the budget the relay is given here: not one request to spare.
const BUDGET: usize = 20;

#[tokio::test]
async fn sigkill_mid_send_again_and_again_never_overspends_the_budget() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, BUDGET).await;
    // A slow robot: every send is in flight for 8 s, long enough to be cut off however late the
    // kill comes, and short of the relay's 10 s request timeout.
    robot.set_delay(Duration::from_secs(8));
    let data = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let budget = BUDGET.to_string();
    let start = || {
        serve(
            &robot,
            data.path(),
            port,
            &[
                ("DINGTALK_RATE_PER_MINUTE", budget.as_str()),
                ("DINGTALK_GROUP_WINDOW", "0"),
            ],
        )
    };
    let mut child = start();
    let client = reqwest::Client::new();
    assert!(wait_healthy(&client, &format!("http://127.0.0.1:{port}")).await);
    // Counted before the alert goes in: the relay may send it before `post_storm_alert` returns.
    let mut seen = robot.requests_started();
    post_storm_alert(&client, &format!("http://127.0.0.1:{port}"), 1).await;
    let mut kills = 0;
    // Each round: the (restarted) relay sends the message, and dies while the robot holds the
    // request. Past the budget the relay must stop sending: the round then sees no request.
    for _ in 0..BUDGET + 5 {
        let r = robot.clone();
        if !poll(Duration::from_secs(8), || r.requests_started() > seen).await {
            break;
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        // The dead relay sends nothing more: whatever comes next is the restarted one's.
        seen = robot.requests_started();
        kills += 1;
        child = start();
    }
    child.kill().ok();
    child.wait().ok();
    assert!(
        robot.most_requests_in_a_minute() <= BUDGET,
        "{} requests within a minute after {kills} kills (budget {BUDGET})",
        robot.most_requests_in_a_minute()
    );
    assert!(robot.rejections().is_empty(), "{:?}", robot.rejections());
    // Within the minute after the first request; slow rounds may let a later one in, rightly.
    let log = robot.log();
    let first_minute = log
        .iter()
        .filter(|r| r.at.duration_since(log[0].at) < Duration::from_secs(60))
        .count();
    assert_eq!(
        first_minute, BUDGET,
        "the budget was spent to its end, then the relay waited ({kills} kills)"
    );
}
