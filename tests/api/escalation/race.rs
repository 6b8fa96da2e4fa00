//! A ladder step reaches who is on call when the step reads the overrides, not when the step
//! began: an override made while the step ran (its `201` came before the step read) is whom
//! the step mentions; likewise a reload answered while the step ran is the configuration the
//! step climbs by. The interleavings are forced on PostgreSQL ([`StoppableRelay`]).

use super::{ISSUE, TEAM, ladder};
use crate::helpers::*;
use crate::outbox_conformance::postgres::with_database;
use serde_json::json;
use std::time::Duration;

/// A relay whose route escalates by `steps`, an issue's alert posted, and its sender stopped
/// inside a step with the ladder's first step due (an hour off, made due by the test).
async fn stopped_with_a_step_due(url: &str, steps: &[&str]) -> (StoppableRelay, ConfigFile) {
    let config = ladder(steps, "1h", "");
    let (relay, file) = StoppableRelay::start_with_config(url, &config).await;
    relay.store("issue", example("issue-created.json")).await;
    assert!(relay.robot.wait_for(WAIT, |p| p.len() == 1).await);
    // Ladders are looked for at most once a second: past that, the step stopped next is one
    // that looks (part of what is set up, not a wait for the relay).
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    relay.stop_the_next_step().await;
    let due = "UPDATE escalations SET next_at = 0 WHERE issue = $1 AND state = 'open'";
    let made_due = relay.db.execute(due, &[&ISSUE]).await.expect("due");
    assert_eq!(made_due, 1, "one open ladder");
    (relay, file)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_an_override_made_while_a_step_runs_is_whom_that_step_reaches() {
    with_database(|url| async move {
        let (relay, _file) = stopped_with_a_step_due(&url, &["oncall:backend"]).await;
        let body = json!({"person": "wangwu", "duration": "1h"});
        let path = "/api/oncall/backend/overrides";
        let (status, answer) = relay.api(reqwest::Method::POST, path, Some(body)).await;
        assert_eq!(status, 201, "{answer}");
        relay.let_the_step_go_on().await;
        assert!(
            relay.robot.wait_for(WAIT, |p| p.len() == 2).await,
            "the step; log: {}",
            relay.log()
        );
        let step = &relay.robot.posted()[1];
        assert_eq!(
            step.body["at"]["atMobiles"],
            json!(["13900002222"]),
            "王五 by the override, not 张三 by the rotation: {}",
            step.text()
        );
    })
    .await;
}

/// The escalation's trace, as the store has it.
async fn trace(relay: &StoppableRelay) -> Vec<String> {
    let sql = "SELECT note FROM escalation_notes WHERE issue = $1 ORDER BY id";
    let rows = relay.db.query(sql, &[&ISSUE]).await.expect("notes");
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_a_reload_that_ends_the_escalation_while_a_step_runs_stops_that_step() {
    with_database(|url| async move {
        let (relay, file) = stopped_with_a_step_due(&url, &["all"]).await;
        file.write(&format!(
            "{TEAM}\n[[routes]]\nname = \"backend\"\nrobots = [\"default\"]\n"
        ));
        let reload = reload_at(&relay.http, &relay.base).await;
        assert_eq!(reload.status().as_u16(), 200);
        relay.let_the_step_go_on().await;
        let ended = "ended: the route no longer escalates";
        let deadline = tokio::time::Instant::now() + WAIT;
        while !trace(&relay).await.iter().any(|n| n == ended) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the ladder did not end: trace {:?}, posted {:?}; log: {}",
                trace(&relay).await,
                relay
                    .robot
                    .posted()
                    .iter()
                    .map(|p| p.text())
                    .collect::<Vec<_>>(),
                relay.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(trace(&relay).await, [ended], "no step was taken");
        assert_eq!(relay.robot.posted().len(), 1, "the alert, no follow-up");
    })
    .await;
}
