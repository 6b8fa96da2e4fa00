//! Text PostgreSQL cannot hold: a NUL in a webhook's fields. SQLite takes it; PostgreSQL
//! refused the write, so the webhook got 503 and was lost (Sentry does not send it again).

use super::robot;
use crate::helpers::{poll_async, signed_webhook, start_relay};
use crate::outbox_conformance::postgres::with_database;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_a_nul_in_a_webhook_is_dropped_not_the_webhook() {
    with_database(|url| async move {
        let robot = robot().await;
        let data = tempfile::tempdir().expect("data dir");
        let (_relay, base) = start_relay(&robot, data.path(), &[("DATABASE_URL", &url)]).await;
        let http = reqwest::Client::new();
        let mut v: serde_json::Value =
            serde_json::from_slice(&crate::helpers::example("issue-created.json"))
                .expect("example");
        v["data"]["issue"]["shortId"] = json!("PAY-1\u{0}");
        v["data"]["issue"]["title"] = json!("Null\u{0}byte");
        let body = serde_json::to_vec(&v).expect("json");
        let ready = poll_async(Duration::from_secs(10), || async {
            let r = http.get(format!("{base}/readyz")).send().await;
            r.is_ok_and(|r| r.status() == 200)
        })
        .await;
        assert!(ready, "ready");
        let status = signed_webhook(&http, &base, "issue", body)
            .send()
            .await
            .map(|r| r.status().as_u16());
        let log = || std::fs::read_to_string(data.path().join("relay.log")).unwrap_or_default();
        assert_eq!(status.ok(), Some(202), "{}", log());
        assert!(
            robot
                .wait_for(Duration::from_secs(10), |p| p.len() == 1)
                .await
        );
        assert!(
            robot.posted()[0].text().contains("Nullbyte"),
            "{}",
            robot.posted()[0].text()
        );
    })
    .await;
}
