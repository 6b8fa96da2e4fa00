//! A storm told as one story: far more alerts than the robot's budget shows become one
//! summary per interval — the first at once, updates while alerts keep coming, one end — while
//! a fatal alert still gets its own message; every alert is stored, counted on the storm page
//! and traced to its storm.

mod turned_off;

use crate::fake_robot::Received;
use crate::helpers::*;
use sentry_dingtalk::{Settings, StormConfig};
use serde_json::json;
use std::time::{Duration, Instant};

const ISSUES: usize = 30;

/// Alert `n` of the storm: issue `7700000 + n % ISSUES`, in project pay or web.
pub fn storm_alert(n: usize, level: &str) -> Vec<u8> {
    let issue = if level == "fatal" {
        7_799_999
    } else {
        7_700_000 + n % ISSUES
    };
    let project = if n.is_multiple_of(2) { "pay" } else { "web" };
    json!({"action": "triggered", "data": {"event": {
        "event_id": format!("{n:032x}"), "issue_id": issue.to_string(),
        "title": format!("StormError number {}", n % ISSUES), "level": level,
        "url": format!("https://sentry.io/api/0/projects/acme/{project}/events/x/"),
        "web_url": format!("https://sentry.io/organizations/acme/issues/{issue}/events/{n:032x}/")},
        "triggered_rule": "storm test"}})
    .to_string()
    .into_bytes()
}

pub fn is_storm(m: &Received) -> bool {
    m.text().contains("告警风暴") || m.text().contains("风暴结束")
}

/// The default robot (and the environment's, which a reload rebuilds it from) holds a storm
/// once 50 alerts came, ends it after `every` of quiet, and reports it every `every`.
pub fn storm_of_50(s: &mut Settings, every: Duration) {
    let storm = StormConfig {
        threshold: Some(50),
        quiet: every,
        interval: every,
    };
    s.robots[0].storm = storm.clone();
    s.env_robot.storm = storm;
}

/// Posts storm alert `n` (an error) as Sentry does; whether it got 202.
pub async fn post_one(http: &reqwest::Client, base: &str, n: usize) -> bool {
    let resp = signed_webhook(http, base, "event_alert", storm_alert(n, "error"))
        .send()
        .await;
    resp.is_ok_and(|r| r.status() == 202)
}

/// Posts alerts `range` from `workers` clients at once; returns how many got 202.
pub async fn post_all(app: &TestApp, range: std::ops::Range<usize>, workers: usize) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    let ns: Vec<usize> = range.collect();
    for chunk in ns.chunks(ns.len().div_ceil(workers)) {
        let (chunk, http, address) = (chunk.to_vec(), app.http.clone(), app.address.clone());
        tasks.spawn(async move {
            let mut ok = 0;
            for n in chunk {
                ok += usize::from(post_one(&http, &address, n).await);
            }
            ok
        });
    }
    let mut accepted = 0;
    while let Some(done) = tasks.join_next().await {
        accepted += done.expect("poster");
    }
    accepted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_becomes_one_summary_per_interval_a_fatal_alert_still_its_own_message() {
    let app = spawn_app_with(|s| {
        storm_of_50(s, Duration::from_secs(3));
        s.public_url = Some("https://relay.example".into());
    })
    .await;
    let start = Instant::now();
    let first_half = post_all(&app, 0..1_000, 8).await;
    let fatal = app
        .post_signed("event_alert", &storm_alert(5_000, "fatal"))
        .await;
    assert_eq!(fatal.status(), 202);
    let second_half = post_all(&app, 1_000..2_000, 8).await;
    assert_eq!(first_half + second_half, 2_000, "every alert accepted");
    eprintln!("posted in {:?}", start.elapsed());
    assert!(
        app.robot
            .wait_for(Duration::from_secs(40), |p| p
                .iter()
                .any(|m| m.text().contains("风暴结束")))
            .await,
        "the storm ends: {:?}",
        app.robot
            .posted()
            .iter()
            .map(|m| format!(
                "{:?} {}",
                m.at - start,
                m.text().lines().next().unwrap_or_default()
            ))
            .collect::<Vec<_>>()
    );
    let posted = app.robot.posted();
    let storm_msgs: Vec<&Received> = posted.iter().filter(|m| is_storm(m)).collect();
    let first = storm_msgs.first().expect("a storm summary");
    assert!(
        first.at - start < Duration::from_secs(15),
        "the first summary comes early: {:?}",
        first.at - start
    );
    // One summary per interval at most while it lasts. The relay keeps the 3 s on its own
    // clock; the robot sees each post after its own delay, so a loaded machine can bring two
    // arrivals a little closer (2.899 s seen under 8 parallel tests): a wall would be ms apart.
    for pair in storm_msgs.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(2_500),
            "summaries {gap:?} apart"
        );
    }
    let ends = storm_msgs
        .iter()
        .filter(|m| m.text().contains("风暴结束"))
        .count();
    assert_eq!(ends, 1, "one end");
    // Before the storm began, a few ordinary messages; after it, summaries and the fatal one.
    let first_storm = posted.iter().position(is_storm).expect("storm");
    let after: Vec<&Received> = posted[first_storm..]
        .iter()
        .filter(|m| !is_storm(m))
        .collect();
    assert!(
        after.iter().all(|m| m.text().contains("致命")),
        "only the fatal alert comes on its own during the storm: {:?}",
        after.iter().map(|m| m.text()).collect::<Vec<_>>()
    );
    assert!(
        posted
            .iter()
            .any(|m| !is_storm(m) && m.text().contains("StormError") && m.text().contains("致命")),
        "the fatal alert has its own message"
    );
    assert!(
        posted.len() < 20,
        "{} messages for 2,001 alerts",
        posted.len()
    );
    // The storm page counts every alert the storm held, per issue.
    let text = first.text();
    let link = text
        .split("](")
        .filter_map(|s| s.split(')').next())
        .find(|s| s.contains("/storms/"))
        .expect("a storm page link")
        .to_owned();
    let path = link.trim_start_matches("https://relay.example");
    let page = app
        .http
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    let counts: Vec<usize> = regex_lite::Regex::new(r#"data-count="(\d+)""#)
        .expect("re")
        .captures_iter(&html)
        .map(|c| c[1].parse().expect("n"))
        .collect();
    assert_eq!(counts.len(), ISSUES, "every issue of the storm on its page");
    let stormed: usize = counts.iter().sum();
    let total: usize = regex_lite::Regex::new(r"<b>(\d+)</b> 条告警")
        .expect("re")
        .captures(&html)
        .map(|c| c[1].parse().expect("n"))
        .expect("total");
    assert_eq!(stormed, total);
    // Nothing lost: what the storm counted plus what went out before it is everything.
    let before: usize = posted[..first_storm]
        .iter()
        .map(|m| m.text().matches("StormError").count())
        .sum();
    assert_eq!(
        before + stormed,
        2_000,
        "{before} before the storm, {stormed} in it"
    );
    // A tampered link is refused.
    let tampered = path.replace("sig=", "sig=00");
    let refused = app
        .http
        .get(format!("{}{tampered}", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(refused.status(), 403);
    // Each alert's trace names the storm.
    let entries = app.outbox.trace("7700003", 1_000).await.expect("trace");
    let stormed_alerts = entries
        .iter()
        .flat_map(|e| &e.alerts)
        .filter(|a| {
            a.held_by
                .as_deref()
                .is_some_and(|h| h.starts_with("storm:"))
        })
        .count();
    assert!(stormed_alerts > 0, "the trace names the storm");
}
