//! The sender replica dies (SIGKILL) or stops (SIGTERM): another takes the robot over.

use super::*;

/// Three replicas without a group window that delivered alert 0, and the one that sent it
/// (the lease holder).
async fn cluster_with_a_sender(url: &str) -> (Cluster, usize) {
    let c = Cluster::start(robot().await, url, url, &env("0")).await;
    assert_eq!(c.post_alert(0, 0).await, Some(202));
    assert!(c.wait_delivered(&[0], Duration::from_secs(10)).await);
    let sender = c
        .wait_holder(Duration::from_secs(5))
        .await
        .expect("a sender");
    (c, sender)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_replicas_sigkill_of_the_sender_hands_the_robot_over_within_20s() {
    with_database(|url| async move {
        let (mut c, sender) = cluster_with_a_sender(&url).await;
        let before = c.robot.posted().len();
        c.replicas[sender].sigkill();
        let killed_at = Instant::now();
        // Alerts wait at the replicas that are left.
        let left: Vec<usize> = (0..REPLICAS).filter(|r| *r != sender).collect();
        for n in 1..=4 {
            assert_eq!(c.post_alert(left[n % 2], n).await, Some(202));
        }
        let next = c
            .robot
            .wait_for(Duration::from_secs(30), |p| p.len() > before)
            .await;
        let took = killed_at.elapsed();
        eprintln!(
            "takeover after SIGKILL: next message {} ms after the kill",
            took.as_millis()
        );
        assert!(next, "no replica took the robot over");
        assert!(took < Duration::from_secs(20), "took {took:?}");
        let now_sending = c.holder().await.expect("a live replica holds the lease");
        assert_ne!(now_sending, sender);
        assert!(
            c.wait_delivered(&[1, 2, 3, 4], Duration::from_secs(10))
                .await
        );
        assert_each_once(&c.robot.posted(), &[0, 1, 2, 3, 4]);
        no_throttle(&c);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn pg_replicas_sigterm_of_the_sender_hands_the_robot_over_at_once() {
    with_database(|url| async move {
        let (mut c, sender) = cluster_with_a_sender(&url).await;
        let left: Vec<usize> = (0..REPLICAS).filter(|r| *r != sender).collect();
        // Concurrent readiness checks (each a real write) make the sender's pool open
        // connections from its HTTP workers, whose runtimes stop first at shutdown: the
        // release must not depend on one of those.
        let checks = (0..16).map(|_| c.readyz(sender));
        let answers = futures_util::future::join_all(checks).await;
        assert!(answers.iter().all(|a| *a == Some(200)), "{answers:?}");
        let pid = c.replicas[sender].pid().expect("the sender runs");
        c.replicas[sender].sigterm();
        let exit = c.replicas[sender].wait_exit(Duration::from_secs(10)).await;
        assert!(exit.is_some_and(|s| s.success()), "{exit:?}");
        let log = c.replicas[sender].log();
        assert!(
            !log.contains("could not release the robot's lease"),
            "the lease was not handed over:\n{log}"
        );
        // Released on the way out (the release notifies the others in the same statement):
        // not the sender's any more, long before its 12 s expiry.
        let owner = c.lease_owner().await;
        assert!(
            !owner.contains(&format!(":{pid}:")),
            "still the sender's: {owner}"
        );
        let released_at = Instant::now();
        let before = c.robot.posted().len();
        assert_eq!(c.post_alert(left[0], 1).await, Some(202));
        let next = c
            .robot
            .wait_for(Duration::from_secs(10), |p| p.len() > before)
            .await;
        let took = released_at.elapsed();
        eprintln!(
            "hand-over after SIGTERM: next message {} ms later",
            took.as_millis()
        );
        assert!(
            next,
            "no replica took the robot over; robot log {:?}\n{}",
            c.robot.log(),
            c.logs()
        );
        assert_each_once(&c.robot.posted(), &[0, 1]);
    })
    .await;
}
