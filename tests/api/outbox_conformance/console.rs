//! The status page's part: counts per robot, kind and 10-minute bucket added up by every
//! replica (atomically, as one transaction per flush), read from a time on, pruned before one;
//! and which issues a message carried.

use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::{BUCKET_MS, Tally, TallyKind};
use std::sync::Arc;

fn tally(robot: &str, kind: TallyKind, bucket: i64, n: i64) -> Tally {
    Tally {
        robot: robot.into(),
        kind,
        bucket,
        n,
    }
}

pub async fn tallies_add_up_per_robot_kind_and_bucket(o: Arc<dyn Outbox>) {
    let b0 = T0 / BUCKET_MS * BUCKET_MS;
    assert!(o.tallies(0).await.expect("read").is_empty());
    o.add_tallies(&[]).await.expect("nothing to add");
    o.add_tallies(&[
        tally(ROBOT, TallyKind::In, b0, 3),
        tally(ROBOT, TallyKind::Out, b0, 1),
        tally("web", TallyKind::Dead, b0 + BUCKET_MS, 2),
        tally(ROBOT, TallyKind::In, b0 - 3 * DAY, 7),
    ])
    .await
    .expect("add");
    // Replicas flushing at once: every add lands.
    let flushes = (0..10).map(|_| {
        let o = o.clone();
        tokio::spawn(async move {
            o.add_tallies(&[
                tally(ROBOT, TallyKind::In, b0, 1),
                tally(ROBOT, TallyKind::Held, b0 + BUCKET_MS, 2),
            ])
            .await
        })
    });
    for f in flushes {
        f.await.expect("joins").expect("adds");
    }
    let mut rows = o.tallies(b0 - DAY).await.expect("read");
    rows.sort_by(|a, b| (&a.robot, a.kind, a.bucket).cmp(&(&b.robot, b.kind, b.bucket)));
    assert_eq!(
        rows,
        vec![
            tally(ROBOT, TallyKind::In, b0, 13),
            tally(ROBOT, TallyKind::Out, b0, 1),
            tally(ROBOT, TallyKind::Held, b0 + BUCKET_MS, 20),
            tally("web", TallyKind::Dead, b0 + BUCKET_MS, 2),
        ]
    );
    let later = o.tallies(b0 + BUCKET_MS).await.expect("read");
    assert_eq!(later.len(), 2, "{later:?}");
    assert_eq!(o.tallies(0).await.expect("read").len(), 5);

    let pruned = o.prune_tallies(b0 - DAY).await.expect("prune");
    assert_eq!(pruned, 1, "only the three-day-old row");
    assert_eq!(o.tallies(0).await.expect("read").len(), 4);
    assert_eq!(o.prune_tallies(b0 - DAY).await.expect("prune again"), 0);
}

pub async fn message_issues_name_each_issue_once(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    let id = message(&*o, &l, &["11", "12", "11", "13"], T0).await;
    let issues = o.message_issues(id, 10).await.expect("issues");
    let ids: Vec<_> = issues.iter().map(|i| i.issue_id.as_deref()).collect();
    assert_eq!(ids, [Some("11"), Some("12"), Some("13")]);
    assert_eq!(issues[0].title, "event_alert triggered 11");
    assert_eq!(issues[0].trace_key(), Some("11"));
    let two = o.message_issues(id, 2).await.expect("issues");
    assert_eq!(two.len(), 2);
    assert!(
        o.message_issues(id + 100, 3)
            .await
            .expect("none")
            .is_empty()
    );
}
