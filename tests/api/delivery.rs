//! Delivery against the strict fake robot: storms, outages, refusals, crashes.

mod burst;
mod restarts;

use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use sentry_dingtalk::outbox::{Access, MessageState};
use serde_json::json;
use std::time::Duration;

fn storm_alert(i: usize) -> Vec<u8> {
    json!({"action": "triggered", "data": {"event": {
        "event_id": format!("ev{i:05}"), "title": format!("StormError number {i}"), "level": "error",
        "url": "https://sentry.io/api/0/projects/acme/payments-api/events/x/",
        "web_url": format!("https://sentry.io/organizations/acme/issues/{}/events/ev{i:05}/", 700000 + i)}}})
    .to_string()
    .into_bytes()
}

/// How often each storm alert appears across everything the group saw.
fn appearances(texts: &[String], n: usize) -> Vec<usize> {
    (0..n)
        .map(|i| {
            texts
                .iter()
                .map(|t| {
                    t.matches(&format!("/issues/{}/events/", 700000 + i))
                        .count()
                })
                .sum()
        })
        .collect()
}

#[tokio::test]
async fn a_storm_becomes_a_handful_of_batches_with_every_alert_once_and_no_throttle() {
    let app = spawn_app_with(|s| s.robots[0].group_window = Duration::from_secs(1)).await;
    const N: usize = 300;
    let posting = std::time::Instant::now();
    for i in 0..N {
        assert_eq!(
            app.post_signed("event_alert", &storm_alert(i))
                .await
                .status()
                .as_u16(),
            202
        );
    }
    let posted_in = posting.elapsed();
    let all_there = |p: &[crate::fake_robot::Received]| {
        let texts: Vec<String> = p.iter().map(|r| r.text()).collect();
        appearances(&texts, N).iter().all(|c| *c >= 1)
    };
    assert!(
        app.robot.wait_for(Duration::from_secs(30), all_there).await,
        "not every alert arrived"
    );
    let posted = app.robot.posted();
    let texts: Vec<String> = posted.iter().map(|r| r.text()).collect();
    let counts = appearances(&texts, N);
    assert!(
        counts.iter().all(|c| *c == 1),
        "an alert appeared twice: {:?}",
        counts.iter().enumerate().find(|(_, c)| **c != 1)
    );
    assert!(
        app.robot.rejections().is_empty(),
        "robot refused: {:?}",
        app.robot.rejections()
    );
    // About one message per 1 s window while the alerts came (a second or two when idle; a
    // loaded machine posts slower), and a few more where a batch is split by size.
    let windows = posted_in.as_secs() as usize + 1;
    assert!(
        posted.len() <= 10 + windows,
        "{} messages for {N} alerts posted over {windows} s",
        posted.len()
    );
    assert!(posted.iter().all(|r| r.body.to_string().len() < 20_000));
    assert!(
        texts.iter().any(|t| t.contains("告警汇总")),
        "batches were sent"
    );
}

#[tokio::test]
async fn the_budget_holds_when_grouping_is_off_and_the_rest_waits() {
    // Group window 0: only the per-minute budget stands between a storm and the throttle.
    let app = spawn_app_with(|s| s.robots[0].rate_per_minute = 5).await;
    const N: usize = 40;
    // The budget spent one message at a time (alerts waiting beyond it fold into one message,
    // so a sender that fell behind the posting would spend less), then a storm on top.
    for i in 0..5 {
        app.post_signed("event_alert", &storm_alert(i)).await;
        let sent = app
            .robot
            .wait_for(Duration::from_secs(10), |p| p.len() == i + 1)
            .await;
        assert!(sent, "the budget is used: message {}", i + 1);
    }
    for i in 5..N {
        app.post_signed("event_alert", &storm_alert(i)).await;
    }
    // Give the worker every chance to overspend: watch the robot for 3 s, failing the moment a
    // sixth request arrives (the budget's minute has not rolled yet, so none may).
    let overspent = poll(Duration::from_secs(3), || app.robot.log().len() > 5).await;
    assert!(!overspent, "a request beyond the budget");
    assert_eq!(app.robot.log().len(), 5, "no request beyond the budget");
    assert!(app.robot.rejections().is_empty());
    let texts: Vec<String> = app.robot.posted().iter().map(|r| r.text()).collect();
    let delivered = appearances(&texts, N).iter().filter(|c| **c == 1).count();
    let stats = app.stats().await;
    let waiting: i64 = stats
        .iter()
        .filter(|s| s.state == "waiting")
        .map(|s| s.count)
        .sum();
    let in_pending_message: i64 = app
        .messages(Some(MessageState::Pending))
        .await
        .iter()
        .map(|m| m.alert_count)
        .sum();
    assert_eq!(
        delivered as i64 + waiting + in_pending_message,
        N as i64,
        "every alert is sent or still queued"
    );
}

#[tokio::test]
async fn an_outage_is_retried_until_the_robot_recovers() {
    let app = spawn_app().await;
    app.robot.fail_next(3);
    app.post_signed("event_alert", &example("event_alert-triggered.json"))
        .await;
    assert!(
        app.robot
            .wait_for(Duration::from_secs(10), |p| p.len() == 1)
            .await
    );
    let log = app.robot.log();
    assert_eq!(
        log.iter().filter(|r| r.errcode == -1).count(),
        3,
        "three HTTP 500 answers were retried"
    );
    assert_eq!(app.robot.posted().len(), 1);
    // The robot has answered; the relay records it a moment later.
    let recorded = app
        .wait_messages(MessageState::Sent, 1, Duration::from_secs(5))
        .await;
    assert!(recorded);
    let sent = app.messages(Some(MessageState::Sent)).await;
    assert_eq!(sent[0].attempts, 4);
    // Every attempt carried the same msgUuid.
    let uuids: std::collections::HashSet<_> =
        log.iter().map(|r| r.body["msgUuid"].to_string()).collect();
    assert_eq!(uuids.len(), 1);
}

#[tokio::test]
async fn a_permanent_refusal_goes_dead_and_outbox_retry_resends_it_after_the_fix() {
    let app = spawn_app().await;
    app.robot
        .refuse_with(Some((310000, "keywords not in content")));
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    let dead = app
        .wait_messages(MessageState::Dead, 1, Duration::from_secs(10))
        .await;
    assert!(dead, "the message went dead");
    let row = &app.messages(Some(MessageState::Dead)).await[0];
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("310000")
    );
    assert_eq!(app.robot.log().len(), 1, "a permanent error is not retried");

    app.robot.refuse_with(None);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .args(["outbox", "retry", &row.id.to_string()])
        .env("DATA_DIR", app.data_dir.path())
        .output()
        .expect("run outbox retry");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        app.robot
            .wait_for(Duration::from_secs(10), |p| p.len() == 1)
            .await,
        "re-sent after the fix"
    );
    assert!(app.robot.posted()[0].text().contains("ZeroDivisionError"));
}

#[tokio::test]
async fn a_throttle_reply_pauses_the_robot() {
    let app = spawn_app_with(|s| s.robots[0].throttle_pause = Duration::from_millis(1500)).await;
    app.robot
        .refuse_once(130101, "send too fast, exceed 20 times per minute");
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(
        app.robot
            .wait_for(Duration::from_secs(10), |p| p.len() == 1)
            .await
    );
    let log = app.robot.log();
    assert_eq!(log.len(), 2, "exactly one request after the pause");
    // Timed by the robot: the retry came no sooner than the pause after the refusal (less a
    // little for the relay's millisecond clock).
    let gap = log[1].at.duration_since(log[0].at);
    assert!(
        gap >= Duration::from_millis(1450),
        "nothing was sent during the pause: {gap:?}"
    );
}

pub(crate) async fn post_storm_alert(client: &reqwest::Client, base: &str, i: usize) {
    let resp = signed_webhook(client, base, "event_alert", storm_alert(i))
        .send()
        .await
        .expect("relay answers");
    assert_eq!(resp.status().as_u16(), 202);
}
