//! A mute window that a reload adds while a sender's step runs holds the alerts stored after
//! the reload's `200`, though the step took its settings before: the holds are judged with
//! the settings in force after the pick, at the time of that read — so a window that ended
//! while the step ran holds nothing stored after its end. The interleavings are forced on
//! PostgreSQL ([`StoppableRelay`]).

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

/// A window of the minutes from now to a boundary at least 15 s ahead (UTC), and that boundary.
fn window_ending_soon() -> (String, chrono::DateTime<chrono::Utc>) {
    use chrono::{Duration as Span, DurationRound, Utc};
    let now = utc_now();
    let minute = now.duration_trunc(Span::minutes(1)).expect("minute");
    let mut end = minute + Span::minutes(1);
    if end - now < Span::seconds(15) {
        end += Span::minutes(1);
    }
    let hhmm = |t: chrono::DateTime<Utc>| t.format("%H:%M").to_string();
    let until = if end.format("%H:%M").to_string() == "00:00" {
        "24:00".to_owned()
    } else {
        hhmm(end)
    };
    let toml = format!(
        "[[mute_times]]\nname = \"ending\"\nzone = \"UTC\"\ntimes = [\"{}-{until}\"]\n\n\
         [[routes]]\nname = \"payments\"\nrobots = [\"default\"]\nmute_times = [\"ending\"]\n",
        hhmm(minute)
    );
    (toml, end)
}

/// The wall clock (chrono is built without its own clock here).
fn utc_now() -> chrono::DateTime<chrono::Utc> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    chrono::DateTime::from_timestamp_millis(since.as_millis() as i64).expect("a time")
}

async fn sleep_until(t: chrono::DateTime<chrono::Utc>) {
    if let Ok(left) = (t - utc_now()).to_std() {
        tokio::time::sleep(left).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_a_mute_window_that_ends_while_a_step_runs_holds_nothing_stored_after_its_end() {
    with_database(|url| async move {
        let (config, end) = window_ending_soon();
        let (relay, _file) = StoppableRelay::start_with_config(&url, &config).await;
        let ms = chrono::Duration::milliseconds;
        // The step begins inside the window and is stopped across its end; the alert is
        // stored after the end (the wall clock is the point here, so these are sleeps).
        sleep_until(end - ms(2_000)).await;
        relay.stop_the_next_step().await;
        sleep_until(end + ms(500)).await;
        relay.store("issue", issue("502", "After the window")).await;
        relay.let_the_step_go_on().await;
        let posted = relay
            .robot
            .wait_for(WAIT, |p| {
                p.iter().any(|m| m.text().contains("After the window"))
            })
            .await;
        let texts: Vec<String> = relay.robot.posted().iter().map(|m| m.text()).collect();
        assert!(
            posted,
            "the alert is posted: {texts:?}; log: {}",
            relay.log()
        );
        assert!(
            !texts[0].contains("免打扰时段已结束"),
            "its own message, not the window's end summary: {texts:?}"
        );
    })
    .await;
}
