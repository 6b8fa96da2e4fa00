//! `digest_schedule` changed by a reload is heeded at once: the scheduler slept until the old
//! time before it read the schedule again, so a moved time was missed for that day.

use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use std::time::Duration;

/// The `in_secs` of every "next open-issue digest" line in the relay's log, in order.
fn waits(log: &std::path::Path) -> Vec<u64> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("next open-issue digest"))
        .filter_map(|l| l.split("in_secs=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn a_reload_that_moves_the_digest_is_heeded_at_once() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("sentry-dingtalk.toml");
    let schedule = |at: &str| format!("digest_schedule = \"{at} UTC\"\n");
    // An hour apart, either way: the second wait differs from the first by about an hour.
    let now = chrono::DateTime::from_timestamp_millis(sentry_dingtalk::now_ms()).expect("now");
    let first = (now + chrono::Duration::hours(3))
        .format("%H:%M")
        .to_string();
    let second = (now + chrono::Duration::hours(4))
        .format("%H:%M")
        .to_string();
    std::fs::write(&config, schedule(&first)).expect("write");
    let data = dir.path().join("data");
    let config_s = config.display().to_string();
    let vars = [
        ("CONFIG_FILE", config_s.as_str()),
        ("SENTRY_API_TOKEN", "sntrys_test_token_0123456789"),
        ("SENTRY_ORG", "acme"),
        ("RUST_LOG", "info"),
    ];
    let (relay, _) = start_relay(&robot, &data, &vars).await;
    let log = data.join("relay.log");
    assert!(
        poll(WAIT, || waits(&log).len() == 1).await,
        "first wait logged"
    );

    std::fs::write(&config, schedule(&second)).expect("write");
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &relay.0.id().to_string()])
        .status()
        .expect("kill -HUP");
    assert!(hup.success());
    let heard = poll(Duration::from_secs(10), || waits(&log).len() >= 2).await;
    let seen = waits(&log);
    assert!(heard, "the moved time was not read again: {seen:?}");
    let moved = seen[1].abs_diff(seen[0]);
    assert!((3_500..=3_700).contains(&moved), "an hour later: {seen:?}");
}
