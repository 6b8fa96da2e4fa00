//! An escalation ladder survives its sender: the replica that holds the robot's lease is
//! SIGKILLed before a step is due and again right after a step; another replica takes each
//! step once — never lost, never twice.

use super::cluster::{Cluster, post, request_id};
use super::{env, robot};
use crate::escalation::ladder;
use crate::outbox_conformance::postgres::with_database;
use serde_json::json;
use std::time::Duration;

/// An event alert of an issue never seen before: it starts the route's ladder.
fn new_issue() -> Vec<u8> {
    json!({"action": "triggered", "data": {"event": {
        "event_id": "esc00001", "issue_id": "8800001", "title": "LadderTakeover boom",
        "level": "error",
        "web_url": "https://sentry.io/organizations/acme/issues/8800001/events/esc00001/"}}})
    .to_string()
    .into_bytes()
}

async fn notes(url: &str) -> Vec<String> {
    let db = crate::helpers::connect(url).await;
    let rows = db
        .query("SELECT note FROM escalation_notes ORDER BY id", &[])
        .await
        .expect("notes");
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_replicas_an_escalation_step_is_taken_once_across_sigkills_of_its_sender() {
    with_database(|url| async move {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("sentry-dingtalk.toml");
        let config = ladder(&["all", "oncall:backend"], "15s", "");
        std::fs::write(&file, config).expect("config");
        let file = file.display().to_string();
        let mut vars = env("0");
        vars.push(("CONFIG_FILE", file.as_str()));
        let mut c = Cluster::start(robot().await, &url, &url, &vars).await;
        let first = c
            .wait_holder(Duration::from_secs(20))
            .await
            .expect("a sender");
        let receiver = (first + 1) % c.replicas.len();
        let base = c.replicas[receiver].base.clone();
        assert_eq!(
            post(&c.http, &base, &new_issue(), &request_id()).await,
            Some(202)
        );
        assert!(
            c.robot
                .wait_for(Duration::from_secs(15), |p| p.len() == 1)
                .await
        );
        // The sender dies before the first step (due 15 s after the alert).
        c.replicas[first].sigkill();
        let follow_ups = |p: &[crate::fake_robot::Received]| {
            p.iter().filter(|m| m.text().contains("无人处理")).count()
        };
        assert!(
            c.robot
                .wait_for(Duration::from_secs(45), |p| follow_ups(p) == 1)
                .await,
            "the first step, from the replica that took over"
        );
        // Its taker dies right after the step; the next one comes once, from the last replica.
        let second = c
            .wait_holder(Duration::from_secs(5))
            .await
            .expect("the taker");
        assert_ne!(second, first);
        c.replicas[second].sigkill();
        assert!(
            c.robot
                .wait_for(Duration::from_secs(45), |p| follow_ups(p) == 2)
                .await,
            "the second step"
        );
        let posted = c.robot.posted();
        let texts: Vec<String> = posted.iter().map(|m| m.text()).collect();
        assert_eq!(follow_ups(&posted), 2, "{texts:?}");
        assert!(texts[1].contains("请大家关注"), "{texts:?}");
        assert!(texts[2].contains("请值班（backend）处理"), "{texts:?}");
        let notes = notes(&url).await;
        assert_eq!(notes.len(), 2, "one note per step: {notes:?}");
        // Nothing more comes: the ladder ended with its last step.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(follow_ups(&c.robot.posted()), 2);
    })
    .await;
}
