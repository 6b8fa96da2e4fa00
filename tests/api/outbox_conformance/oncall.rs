//! On-call overrides: stored with an id, listed while they run (oldest first), ended once,
//! pruned a while after they end.

use super::fixtures::*;
use sentry_dingtalk::Override;
use sentry_dingtalk::outbox::port::Outbox;
use std::sync::Arc;

fn cover(person: &str, starts_at: i64, ends_at: i64) -> Override {
    Override {
        id: 0,
        rota: "backend".into(),
        person: person.into(),
        starts_at,
        ends_at,
        created_by: "ops".into(),
    }
}

pub async fn oncall_overrides_add_list_end(o: Arc<dyn Outbox>) {
    let a = o
        .add_override(cover("lisi", T0, T0 + HOUR))
        .await
        .expect("add");
    let b = o
        .add_override(cover("wangwu", T0, T0 + DAY))
        .await
        .expect("add");
    assert!(a.id > 0 && b.id > a.id);
    assert_eq!(
        (a.person.as_str(), a.ends_at, a.created_by.as_str()),
        ("lisi", T0 + HOUR, "ops")
    );
    let ids = |v: Vec<Override>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
    assert_eq!(ids(o.overrides(T0).await.expect("list")), vec![a.id, b.id]);
    assert_eq!(ids(o.overrides(T0 + HOUR).await.expect("list")), vec![b.id]);
    let ended = o.end_override(b.id, T0 + MINUTE).await.expect("end");
    assert_eq!(ended.map(|e| e.ends_at), Some(T0 + MINUTE));
    let again = o.end_override(b.id, T0 + 2 * MINUTE).await.expect("end");
    assert_eq!(
        again.map(|e| e.ends_at),
        Some(T0 + MINUTE),
        "the first end stays"
    );
    assert_eq!(o.end_override(9_999, T0).await.expect("end"), None);
    o.prune(T0 + 8 * DAY, 7 * DAY).await.expect("prune");
    assert!(o.overrides(0).await.expect("list").is_empty());
}
