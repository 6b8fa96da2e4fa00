//! A storm spread over three PostgreSQL replicas is still one story: one storm, one summary
//! per interval whichever replica sends, one end, every alert counted once.

use super::cluster::Cluster;
use super::{env, robot};
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
