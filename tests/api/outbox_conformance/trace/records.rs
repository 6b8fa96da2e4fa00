//! Records of webhooks that queued nothing (dropped, ignored), the newest-first limit, and
//! pruning records together with their alerts.

use super::*;

/// Records `dropped`, a webhook no route takes, at `T0`.
async fn record_dropped(o: &dyn Outbox, mut dropped: WebhookRecord) {
    dropped.note = Some("no route takes it".into());
    o.record_webhook(UnqueuedWebhook {
        record: dropped,
        outcome: WebhookOutcome::Dropped,
        now: T0,
    })
    .await
    .expect("dropped");
}

/// Dropped and ignored webhooks are one record each; `limit` keeps the newest, oldest first.
pub async fn trace_dropped_ignored_and_limit(o: Arc<dyn Outbox>) {
    record_dropped(&*o, record("9", "P-9", "r1")).await;
    let ignored = WebhookRecord {
        webhook: WebhookFacts {
            issue_id: Some("9".into()),
            resource: "issue".into(),
            action: "frobbed".into(),
            ..Default::default()
        },
        note: Some("issue.frobbed is not notified".into()),
        ..Default::default()
    };
    o.record_webhook(UnqueuedWebhook {
        record: ignored,
        outcome: WebhookOutcome::Ignored,
        now: T0 + 1,
    })
    .await
    .expect("ignored");
    o.enqueue(Enqueue {
        identity: vec![],
        about: None,
        items: both("9"),
        record: Some(record("9", "P-9", "r3")),
        now: T0 + 2,
    })
    .await
    .expect("routed");
    let all = trace(&*o, "9").await;
    let outcomes: Vec<_> = all.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            WebhookOutcome::Dropped,
            WebhookOutcome::Ignored,
            WebhookOutcome::Routed
        ]
    );
    assert_eq!(all[0].note.as_deref(), Some("no route takes it"));
    assert_eq!(all[1].webhook.short_id, None);
    // A record without the short id is found by it once another record links the two.
    assert_eq!(trace(&*o, "p-9").await, all);
    assert!(all[0].robots.is_empty() && all[0].alerts.is_empty());
    let newest = o.trace("9", 2).await.expect("limited");
    assert_eq!(newest, all[1..].to_vec(), "the newest two, oldest first");
}

/// Records go with their alerts: an old one whose alerts were sent long ago is forgotten, one
/// whose alert is dead stays, and so do recent ones.
pub async fn trace_prune(o: Arc<dyn Outbox>) {
    let week = 7 * DAY;
    let l = lease(&*o, ROBOT, "a", T0).await;
    let one = |issue: &str| vec![event(ROBOT, issue, Level::Error)];
    for (issue, at) in [("old-sent", T0), ("old-dead", T0), ("new", T0 + week)] {
        o.enqueue(Enqueue {
            identity: vec![],
            about: None,
            items: one(issue),
            record: Some(record(issue, issue, "r")),
            now: at,
        })
        .await
        .expect("enqueue");
        let id = trace(&*o, issue).await[0].alerts[0].alert_id;
        let m = o
            .create_message(MessageAsk {
                lease: &l,
                alert_ids: &[id],
                message: NewMessage {
                    body: "B",
                    msg_uuid: issue,
                    now: at,
                },
            })
            .await
            .expect("create");
        if issue == "old-dead" {
            o.mark_dead(&l, m, "x").await.expect("dead");
        } else {
            o.mark_sent(&l, m, at).await.expect("sent");
        }
    }
    record_dropped(&*o, record("old-drop", "old-drop", "r")).await;

    o.prune(T0 + week + DAY, week).await.expect("prune");
    assert!(trace(&*o, "old-sent").await.is_empty());
    assert!(trace(&*o, "old-drop").await.is_empty());
    let dead = trace(&*o, "old-dead").await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].alerts[0].fate, AlertFate::Dead);
    assert_eq!(trace(&*o, "new").await[0].alerts[0].fate, AlertFate::Sent);
}
