//! Several `serve` processes on one PostgreSQL database behave as one relay: a storm spread
//! over them while one is SIGKILLed and another SIGTERMed, a takeover after the sender dies, a
//! rolling restart, the same webhook at two replicas, and the database cut away and back.
//!
//! Each test creates its own database and drops it (`outbox_conformance::postgres`). They need
//! PostgreSQL, so they are `#[ignore]`d; `--run-ignored all` runs them and fails without it.

mod cluster;
mod db_proxy;
mod escalation;
mod nul;
mod silence;
mod start;
mod storm;
mod takeover;

use crate::fake_robot::FakeRobot;
use crate::helpers::{ROBOT_SECRET, poll_async};
use crate::outbox_conformance::postgres::with_database;
use cluster::{Cluster, REPLICAS, alert, assert_each_once, post, post_full, request_id};
use db_proxy::DbProxy;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// DingTalk's own limit, on the relay and on the strict fake robot alike: any 21st message in
/// a rolling minute would come back as errcode 130101 and show in `rejections()`.
const RATE: usize = 20;

pub(crate) async fn robot() -> FakeRobot {
    FakeRobot::start(Some(ROBOT_SECRET), None, RATE).await
}

pub(crate) fn env(window: &str) -> Vec<(&str, &str)> {
    vec![
        ("DINGTALK_GROUP_WINDOW", window),
        ("DINGTALK_RATE_PER_MINUTE", "20"),
        ("SHUTDOWN_TIMEOUT", "5"),
    ]
}

fn no_throttle(c: &Cluster) {
    assert!(
        c.robot.rejections().is_empty(),
        "the robot refused (130101 = more than {RATE} in a minute): {:?}",
        c.robot.rejections()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_replicas_storm_with_sigkill_and_sigterm_delivers_each_accepted_alert_once() {
    with_database(|url| async move {
        let robot = robot().await;
        // Answers come late, so a SIGKILL can land between "sent" and "recorded".
        robot.set_delay(Duration::from_millis(300));
        let mut c = Cluster::start(robot, &url, &url, &env("0.5")).await;
        const N: usize = 90;
        let mut accepted = Vec::new();
        for n in 0..N / 3 {
            if c.post_alert(n % REPLICAS, n).await == Some(202) {
                accepted.push(n);
            }
        }
        assert!(
            c.robot
                .wait_for(Duration::from_secs(10), |p| !p.is_empty())
                .await,
            "delivery started"
        );
        let killed = c
            .wait_holder(Duration::from_secs(10))
            .await
            .expect("a sender");
        c.replicas[killed].sigkill();
        let left: Vec<usize> = (0..REPLICAS).filter(|r| *r != killed).collect();
        for n in N / 3..2 * N / 3 {
            if c.post_alert(left[n % 2], n).await == Some(202) {
                accepted.push(n);
            }
        }
        // SIGTERM the replica that took the robot over, once one has: it finishes its send
        // and hands the robot to the last one.
        let termed = c
            .wait_holder(Duration::from_secs(20))
            .await
            .expect("a replica took the robot over within 20 s");
        c.replicas[termed].sigterm();
        let last = *left.iter().find(|r| **r != termed).expect("one left");
        for n in 2 * N / 3..N {
            if c.post_alert(last, n).await == Some(202) {
                accepted.push(n);
            }
        }
        let exit = c.replicas[termed].wait_exit(Duration::from_secs(10)).await;
        assert!(
            exit.is_some_and(|s| s.success()),
            "clean exit on SIGTERM: {exit:?}"
        );
        assert_eq!(accepted.len(), N, "every live replica answered 202");
        assert!(
            c.wait_delivered(&accepted, Duration::from_secs(40)).await,
            "every accepted alert reaches the group"
        );
        let posted = c.robot.posted();
        assert_each_once(&posted, &accepted);
        no_throttle(&c);
        eprintln!(
            "storm: {N} alerts in {} messages ({} requests, {} repeats dropped by msgUuid)",
            posted.len(),
            c.robot.log().len(),
            c.robot.log().iter().filter(|r| r.duplicate).count()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_replicas_rolling_restart_under_steady_traffic_loses_nothing() {
    with_database(|url| async move {
        let mut c = Cluster::start(robot().await, &url, &url, &env("1")).await;
        // The load balancer: replicas in rotation, one webhook every 40 ms to the next one. A
        // replica leaves the rotation only between two webhooks (the lock is held across
        // each), as endpoints drain before a pod is stopped.
        let rotation = Arc::new(tokio::sync::Mutex::new(
            (0..REPLICAS).collect::<Vec<usize>>(),
        ));
        let bases: Vec<String> = c.replicas.iter().map(|r| r.base.clone()).collect();
        let stop = tokio_util::sync::CancellationToken::new();
        let traffic = tokio::spawn({
            let (rotation, stop, http) = (rotation.clone(), stop.clone(), c.http.clone());
            async move {
                let mut answers = Vec::new();
                let mut n = 0;
                while !stop.is_cancelled() {
                    let in_rotation = rotation.lock().await;
                    let to = in_rotation[n % in_rotation.len()];
                    answers.push((n, post(&http, &bases[to], &alert(n), &request_id()).await));
                    drop(in_rotation);
                    n += 1;
                    tokio::time::sleep(Duration::from_millis(40)).await;
                }
                answers
            }
        });
        for i in 0..REPLICAS {
            // Out of the endpoints first (readiness, preStop), then SIGTERM, then the new pod.
            rotation.lock().await.retain(|r| *r != i);
            c.replicas[i].sigterm();
            let exit = c.replicas[i].wait_exit(Duration::from_secs(10)).await;
            assert!(exit.is_some_and(|s| s.success()), "replica {i}: {exit:?}");
            c.restart(i).await;
            rotation.lock().await.push(i);
        }
        stop.cancel();
        let answers = traffic.await.expect("traffic");
        let refused: Vec<_> = answers.iter().filter(|(_, s)| *s != Some(202)).collect();
        assert!(
            refused.is_empty(),
            "webhooks not accepted during the rollout: {refused:?}"
        );
        let accepted: Vec<usize> = answers.iter().map(|(n, _)| *n).collect();
        assert!(
            c.wait_delivered(&accepted, Duration::from_secs(30)).await,
            "every alert reaches the group"
        );
        assert_each_once(&c.robot.posted(), &accepted);
        no_throttle(&c);
        eprintln!(
            "rolling restart: {} webhooks, all 202, in {} messages",
            accepted.len(),
            c.robot.posted().len()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_replicas_same_webhook_at_two_replicas_is_one_message() {
    with_database(|url| async move {
        let c = Cluster::start(robot().await, &url, &url, &env("0")).await;
        const SAME: usize = 6;
        for n in 0..SAME {
            let (body, rid) = (alert(n), request_id());
            let (a, b) = tokio::join!(
                post_full(&c.http, &c.replicas[n % REPLICAS].base, &body, &rid),
                post_full(&c.http, &c.replicas[(n + 1) % REPLICAS].base, &body, &rid),
            );
            let mut statuses = Vec::new();
            for resp in [a, b] {
                let resp = resp.expect("answered");
                assert_eq!(resp.status().as_u16(), 202);
                let body: serde_json::Value = resp.json().await.expect("json");
                statuses.push(body["status"].as_str().unwrap_or_default().to_owned());
            }
            statuses.sort();
            assert_eq!(statuses, ["duplicate", "queued"], "webhook {n}");
        }
        // A later alert: once it is delivered, anything queued before it would have been too.
        let marker = 99;
        assert_eq!(c.post_alert(2, marker).await, Some(202));
        let all: Vec<usize> = (0..SAME).chain([marker]).collect();
        assert!(c.wait_delivered(&all, Duration::from_secs(20)).await);
        assert_each_once(&c.robot.posted(), &all);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_replicas_database_cut_away_gives_503_then_recovers() {
    with_database(|url| async move {
        let config: tokio_postgres::Config = url.parse().expect("test URL");
        let proxy = DbProxy::start(db_proxy::server(&config)).await;
        let user = config.get_user().unwrap_or("postgres");
        let db = config.get_dbname().expect("database name");
        // Trust auth ignores the password; the logs must never show it.
        let password = "pw-must-not-be-logged-7f3a";
        let through = format!("postgres://{user}:{password}@127.0.0.1:{}/{db}", proxy.port);
        let c = Cluster::start(robot().await, &url, &through, &env("0")).await;
        assert_eq!(c.post_alert(0, 0).await, Some(202));
        assert!(c.wait_delivered(&[0], Duration::from_secs(10)).await);

        proxy.cut();
        for i in 0..REPLICAS {
            assert!(
                poll_async(Duration::from_secs(15), || async {
                    c.readyz(i).await == Some(503)
                })
                .await,
                "replica {i}: /readyz 503 while the database is away"
            );
            assert_eq!(c.healthz(i).await, Some(200), "alive: no restart for it");
        }
        let mut refused = Vec::new();
        for n in 1..=6 {
            let status = c.post_alert(n % REPLICAS, n).await;
            assert_ne!(status, Some(202), "a 202 for webhook {n} with no database");
            refused.push(status);
        }
        assert!(refused.iter().all(|s| *s == Some(503)), "{refused:?}");

        proxy.restore();
        for i in 0..REPLICAS {
            assert!(
                poll_async(Duration::from_secs(30), || async {
                    c.readyz(i).await == Some(200)
                })
                .await,
                "replica {i} ready again by itself"
            );
        }
        let after: Vec<usize> = (10..10 + REPLICAS).collect();
        for (i, n) in after.iter().enumerate() {
            assert_eq!(
                c.post_alert(i, *n).await,
                Some(202),
                "replica {i} takes webhooks"
            );
        }
        assert!(
            c.wait_delivered(&after, Duration::from_secs(30)).await,
            "delivery resumes"
        );
        let logs = c.logs();
        assert!(!logs.contains(password), "a log shows the password");
        assert!(
            logs.contains("not ready") || logs.contains("unavailable"),
            "the logs say the database is away"
        );
        drop(proxy);
    })
    .await;
}
