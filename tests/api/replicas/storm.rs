//! A storm spread over three PostgreSQL replicas is still one story: one storm, one summary
//! per interval whichever replica sends, one end, every alert counted once; at a card robot,
//! one storm card, also when its sender is killed and another replica takes the robot over.

use super::cluster::{Cluster, REPLICAS};
use super::{env, robot};
use crate::cards_storm::{self, assert_one_storm_card, card_storm_config, wait_storm_card};
use crate::fake_openapi::FakeOpenApi;
use crate::outbox_conformance::postgres::with_database;
use crate::storm_kill::{
    ADMIN, assert_one_story, before_storm, post_range, storm_robot, storm_total,
};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_replicas_a_storm_over_three_replicas_is_one_story() {
    with_database(|url| async move {
        let robot = robot().await;
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("sentry-dingtalk.toml");
        std::fs::write(&file, storm_robot(&robot.webhook)).expect("config");
        let file = file.display().to_string();
        let mut vars = env("0");
        vars.push(("CONFIG_FILE", file.as_str()));
        vars.push(("ADMIN_TOKEN", ADMIN));
        let c = Cluster::start(robot, &url, &url, &vars).await;
        let mut accepted = 0;
        for (i, chunk) in [0..300, 300..600, 600..900].into_iter().enumerate() {
            accepted += post_range(&c.replicas[i].base, chunk).await;
        }
        assert_eq!(accepted, 900);
        assert!(
            c.robot
                .wait_for(Duration::from_secs(60), |p| p
                    .iter()
                    .any(|m| m.text().contains("风暴结束")))
                .await,
            "the end"
        );
        let posted = c.robot.posted();
        assert_one_story(&posted, Duration::from_secs(3));
        let counted = before_storm(&posted) + storm_total(&c.replicas[2].base, 1).await;
        assert_eq!(counted, 900, "every alert counted once");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_replicas_a_card_storm_goes_on_when_its_sender_is_killed() {
    with_database(|url| async move {
        let fake = FakeOpenApi::start(7200).await;
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("sentry-dingtalk.toml");
        std::fs::write(&file, card_storm_config()).expect("config");
        let file = file.display().to_string();
        let mut vars = env("0");
        vars.extend([
            ("CONFIG_FILE", file.as_str()),
            ("ADMIN_TOKEN", ADMIN),
            ("DINGTALK_API_URL", fake.url.as_str()),
        ]);
        let mut c = Cluster::start(robot().await, &url, &url, &vars).await;
        for (i, chunk) in [0..300, 300..600].into_iter().enumerate() {
            assert_eq!(post_range(&c.replicas[i].base, chunk).await, 300);
        }
        wait_storm_card(&fake).await;
        let robot = cards_storm::ROBOT;
        let lease = Duration::from_secs(5);
        let sender = c.wait_holder_of(robot, lease).await.expect("a sender");
        c.replicas[sender].sigkill(); // mid-storm
        let left: Vec<usize> = (0..REPLICAS).filter(|r| *r != sender).collect();
        assert_eq!(post_range(&c.replicas[left[0]].base, 600..900).await, 300);
        assert_one_storm_card(&fake, &c.replicas[left[1]].base, 900).await;
        let now_sending = c.wait_holder_of(robot, lease).await.expect("a new sender");
        assert_ne!(now_sending, sender, "a live replica took the robot over");
    })
    .await;
}
