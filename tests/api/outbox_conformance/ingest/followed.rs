//! The same bytes are a re-delivery only while they are the latest webhook about their issue:
//! assigned to 张三, to 李四, then to 张三 again is news three times, though the first and the
//! last body are the same. A `Request-ID` seen before is always the same request.

use super::super::fixtures::*;
use sentry_dingtalk::Level;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{Enqueue, Enqueued};
use std::sync::Arc;

async fn send(o: &dyn Outbox, body: &str, request: &str, about: &str, now: i64) -> Enqueued {
    let webhook = Enqueue {
        identity: keys(&[&format!("body:{body}"), &format!("request:{request}")]),
        about: Some(about.to_owned()),
        items: vec![event(ROBOT, "1", Level::Error)],
        record: None,
        now,
    };
    o.enqueue(webhook).await.expect("enqueue")
}

pub async fn a_body_seen_before_is_news_after_another_webhook_about_its_issue(o: Arc<dyn Outbox>) {
    let o = &*o;
    let news = queued(&[ROBOT]);
    assert_eq!(
        send(o, "A", "r1", "issue:1", T0).await,
        news,
        "assigned to 张三"
    );
    let again = send(o, "A", "r2", "issue:1", T0 + 1).await;
    assert_eq!(
        again,
        Enqueued::Duplicate,
        "the same bytes again at once: a re-delivery"
    );
    assert_eq!(send(o, "B", "r3", "issue:1", T0 + 2).await, news, "to 李四");
    // Another issue's webhook in between changes nothing for this one.
    assert_eq!(send(o, "C", "r4", "issue:2", T0 + 3).await, news);
    assert_eq!(
        send(o, "A", "r5", "issue:1", T0 + 4).await,
        news,
        "back to 张三: the same bytes as the first, news"
    );
    let again = send(o, "A", "r6", "issue:1", T0 + 5).await;
    assert_eq!(again, Enqueued::Duplicate, "and now a re-delivery again");
    let same_request = send(o, "D", "r3", "issue:1", T0 + 6).await;
    assert_eq!(
        same_request,
        Enqueued::Duplicate,
        "a Request-ID seen before"
    );
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 4);
}

/// The issue's webhooks are stamped in the order they were stored, whatever the clocks of the
/// replicas that stored them say: a later webhook stamped by a clock behind still makes the
/// first body news again.
pub async fn an_issues_webhooks_are_stamped_in_the_order_they_were_stored(o: Arc<dyn Outbox>) {
    let o = &*o;
    let news = queued(&[ROBOT]);
    assert_eq!(send(o, "A", "r1", "issue:3", T0 + 10).await, news);
    // Stored after A by a replica whose clock is 10 ms behind.
    assert_eq!(send(o, "B", "r2", "issue:3", T0 + 5).await, news);
    assert_eq!(
        send(o, "A", "r3", "issue:3", T0 + 20).await,
        news,
        "back to the first state: news, though B's clock said earlier"
    );
    let again = send(o, "A", "r4", "issue:3", T0 + 21).await;
    assert_eq!(again, Enqueued::Duplicate);
}
