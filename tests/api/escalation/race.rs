//! A ladder step reaches who is on call when the step reads the overrides, not when the step
//! began: an override made while the step ran (its `201` came before the step read) is whom
//! the step mentions. The interleaving is forced on PostgreSQL ([`StoppableRelay`]).

use super::{ISSUE, ladder};
use crate::helpers::*;
use crate::outbox_conformance::postgres::with_database;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_an_override_made_while_a_step_runs_is_whom_that_step_reaches() {
    with_database(|url| async move {
        // The step is an hour off; the test makes it due while the sender is stopped.
        let config = ladder(&["oncall:backend"], "1h", "");
        let (relay, _file) = StoppableRelay::start_with_config(&url, &config).await;
        relay.store("issue", example("issue-created.json")).await;
        assert!(relay.robot.wait_for(WAIT, |p| p.len() == 1).await);
        // Ladders are looked for at most once a second: past that, the step stopped next
        // is one that looks (part of what is set up, not a wait for the relay).
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        relay.stop_the_next_step().await;
        let due = "UPDATE escalations SET next_at = 0 WHERE issue = $1 AND state = 'open'";
        let made_due = relay.db.execute(due, &[&ISSUE]).await.expect("due");
        assert_eq!(made_due, 1, "one open ladder");
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
