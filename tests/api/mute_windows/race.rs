//! A mute window that a reload adds while a sender's step runs holds the alerts stored after
//! the reload's `200`, though the step took its settings before: the holds are judged with
//! the settings in force after the pick. The interleaving is forced on PostgreSQL
//! ([`StoppableRelay`]).

use super::config;
use crate::helpers::*;
use crate::outbox_conformance::postgres::with_database;
use crate::silences::issue;

async fn muted_so_far(relay: &StoppableRelay) -> bool {
    let url = format!("{}/metrics", relay.base);
    let Ok(resp) = relay.http.get(url).send().await else {
        return false;
    };
    let text = resp.text().await.unwrap_or_default();
    text.contains("sentry_dingtalk_alerts_muted_total{robot=\"default\"} 1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_a_mute_window_a_reload_adds_while_a_step_runs_holds_what_that_step_picks() {
    with_database(|url| async move {
        let (relay, file) = StoppableRelay::start_with_config(&url, &config(false)).await;
        relay.stop_the_next_step().await;
        file.write(&config(true));
        let reload = reload_at(&relay.http, &relay.base).await;
        assert_eq!(reload.status().as_u16(), 200);
        relay.store("issue", issue("501", "Night job")).await;
        relay.let_the_step_go_on().await;
        relay
            .assert_held("held by the window", || muted_so_far(&relay))
            .await;
    })
    .await;
}
