//! What a silence holds is what the store says when the sender picks the alerts, even when
//! the sender's step began before the silence was made or ended: a silence holds every alert
//! stored after its `201`, and none stored after its end. The interleaving is forced on
//! PostgreSQL ([`StoppableRelay`]).

use super::issue;
use crate::helpers::*;
use crate::outbox_conformance::postgres::with_database;
use serde_json::{Value, json};

/// A silence of an hour that holds the alert `store_an_alert` stores.
fn silence() -> Value {
    json!({"matchers": {"title": "database"}, "duration": "1h"})
}

async fn store_an_alert(relay: &StoppableRelay) {
    relay.store("issue", issue("101", "Database timeout")).await;
}

async fn held_by_the_silence(relay: &StoppableRelay) -> Option<i64> {
    let (_, listed) = relay.api(reqwest::Method::GET, "/api/silences", None).await;
    listed[0]["held"].as_i64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_a_silence_made_while_a_step_runs_holds_the_alerts_that_step_picks() {
    with_database(|url| async move {
        let relay = StoppableRelay::start(&url, &[]).await;
        relay.stop_the_next_step().await;
        let (status, _) = relay
            .api(reqwest::Method::POST, "/api/silences", Some(silence()))
            .await;
        assert_eq!(status, 201);
        store_an_alert(&relay).await;
        relay.let_the_step_go_on().await;
        let held = || async { held_by_the_silence(&relay).await == Some(1) };
        relay.assert_held("the alert is held", held).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_a_silence_ended_while_a_step_runs_does_not_hold_the_alerts_that_step_picks() {
    with_database(|url| async move {
        let relay = StoppableRelay::start(&url, &[]).await;
        let (status, silence) = relay
            .api(reqwest::Method::POST, "/api/silences", Some(silence()))
            .await;
        assert_eq!(status, 201);
        let id = silence["id"].as_i64().expect("id");
        relay.stop_the_next_step().await;
        let path = format!("/api/silences/{id}");
        let (status, _) = relay.api(reqwest::Method::DELETE, &path, None).await;
        assert_eq!(status, 200);
        store_an_alert(&relay).await;
        relay.let_the_step_go_on().await;
        let posted = relay.robot.wait_for(WAIT, |p| !p.is_empty()).await;
        assert!(posted, "the alert flows as usual; log: {}", relay.log());
        let first = relay.robot.posted()[0].text();
        assert!(first.contains("Database timeout"), "{first}");
        assert_eq!(held_by_the_silence(&relay).await, Some(0), "{first}");
    })
    .await;
}
