//! A silence made on one PostgreSQL replica holds the alerts another replica receives and a
//! third one sends for; ended on yet another, its summary comes once.

use super::cluster::{Cluster, REPLICAS, alert, post, request_id};
use super::{env, robot};
use crate::helpers::{api_at, poll_async};
use crate::outbox_conformance::postgres::with_database;
use serde_json::{Value, json};
use std::time::Duration;

const ADMIN: &str = "replica-admin-token-0123456789abcdef";

async fn api(
    c: &Cluster,
    i: usize,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}{path}", c.replicas[i].base);
    api_at(&c.http, url, ADMIN, method, body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_replicas_a_silence_made_on_one_replica_holds_alerts_on_another() {
    with_database(|url| async move {
        let mut vars = env("0");
        vars.push(("ADMIN_TOKEN", ADMIN));
        let c = Cluster::start(robot().await, &url, &url, &vars).await;
        let sender = c
            .wait_holder(Duration::from_secs(20))
            .await
            .expect("a sender");
        let (maker, receiver) = ((sender + 1) % REPLICAS, (sender + 2) % REPLICAS);
        let body = json!({"matchers": {"title": "replicastorm"}, "duration": "1h"});
        let (status, silence) = api(
            &c,
            maker,
            reqwest::Method::POST,
            "/api/silences",
            Some(body),
        )
        .await;
        assert_eq!(status, 201);
        let id = silence["id"].as_i64().expect("id");
        for n in 0..4 {
            let base = &c.replicas[receiver].base;
            assert_eq!(
                post(&c.http, base, &alert(n), &request_id()).await,
                Some(202)
            );
        }
        let held = || async {
            let (_, listed) = api(&c, sender, reqwest::Method::GET, "/api/silences", None).await;
            listed[0]["held"].as_i64() == Some(4)
        };
        assert!(
            poll_async(Duration::from_secs(15), held).await,
            "held on the sender"
        );
        assert!(c.robot.posted().is_empty(), "nothing posted while silenced");
        let path = format!("/api/silences/{id}");
        let (status, _) = api(&c, receiver, reqwest::Method::DELETE, &path, None).await;
        assert_eq!(status, 200);
        assert!(
            c.robot
                .wait_for(Duration::from_secs(15), |p| !p.is_empty())
                .await,
            "the summary comes"
        );
        let text = c.robot.posted()[0].text();
        assert!(
            text.contains(&format!("#{id}")) && text.contains("ReplicaStorm"),
            "{text}"
        );
        // A later alert flows as usual, and the summary was not made twice.
        let base = &c.replicas[maker].base;
        assert_eq!(
            post(&c.http, base, &alert(50), &request_id()).await,
            Some(202)
        );
        assert!(
            c.robot
                .wait_for(Duration::from_secs(15), |p| p.len() >= 2)
                .await
        );
        let summaries = c
            .robot
            .posted()
            .iter()
            .filter(|p| p.text().contains(&format!("#{id}")))
            .count();
        assert_eq!(summaries, 1);
    })
    .await;
}
