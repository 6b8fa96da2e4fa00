//! The small state every replica shares (`SharedState`): one-use action links, the action-link
//! key, scheduled-run marks, installations' organizations.

use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{InstallationOrg, ScheduledRun};
use std::sync::Arc;

/// An action link works once, even when two clicks race; a released one works again.
pub async fn claim_action_once(o: Arc<dyn Outbox>) {
    assert!(!o.action_used("n1").await.expect("unused"));
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let o = o.clone();
            tokio::spawn(async move { o.claim_action("n1", T0 + i).await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        won += usize::from(task.await.expect("task").expect("claim"));
    }
    assert_eq!(won, 1);
    assert!(o.action_used("n1").await.expect("used"));
    assert!(!o.action_used("n2").await.expect("other unused"));
    o.release_action("n1").await.expect("release");
    assert!(!o.action_used("n1").await.expect("released"));
    assert!(o.claim_action("n1", T0 + 9).await.expect("claim again"));
}

/// One random 32-byte key, the same for every caller.
pub async fn action_key_stable(o: Arc<dyn Outbox>) {
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let o = o.clone();
            tokio::spawn(async move { o.action_key().await })
        })
        .collect();
    let mut keys = Vec::new();
    for task in tasks {
        keys.push(task.await.expect("task").expect("key"));
    }
    assert_eq!(keys[0].len(), 32);
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "one key for all callers"
    );
    assert_ne!(keys[0], vec![0u8; 32]);
    assert_eq!(o.action_key().await.expect("key again"), keys[0]);
}

fn run(job: &str, slot: i64, now: i64) -> ScheduledRun<'_> {
    ScheduledRun { job, slot, now }
}

/// One caller per (job, slot) wins, whoever asks first.
pub async fn claim_scheduled_run_once(o: Arc<dyn Outbox>) {
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let o = o.clone();
            tokio::spawn(async move { o.claim_scheduled_run(run("report", 20_000, T0 + i)).await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        won += usize::from(task.await.expect("task").expect("claim"));
    }
    assert_eq!(won, 1);
    assert!(
        o.claim_scheduled_run(run("report", 20_001, T0))
            .await
            .expect("next slot")
    );
    assert!(
        o.claim_scheduled_run(run("other-job", 20_000, T0))
            .await
            .expect("other job")
    );
    assert!(
        !o.claim_scheduled_run(run("report", 20_001, T0))
            .await
            .expect("taken")
    );
}

fn org_of<'a>(installation: &'a str, org: &'a str, now: i64) -> InstallationOrg<'a> {
    InstallationOrg {
        installation,
        org,
        now,
    }
}

pub async fn installation_org(o: Arc<dyn Outbox>) {
    assert_eq!(o.installation_org("inst-1").await.expect("unknown"), None);
    o.remember_installation_org(org_of("inst-1", "acme", T0))
        .await
        .expect("remember");
    assert_eq!(
        o.installation_org("inst-1")
            .await
            .expect("known")
            .as_deref(),
        Some("acme")
    );
    o.remember_installation_org(org_of("inst-1", "acme-renamed", T0 + 1))
        .await
        .expect("again");
    let org = o.installation_org("inst-1").await.expect("renamed");
    assert_eq!(org.as_deref(), Some("acme-renamed"));
    assert_eq!(o.installation_org("inst-2").await.expect("other"), None);
}
