//! The open API's monthly calls: counted per robot and month, added atomically (two replicas
//! counting at once both count), and DingTalk's `90020` remembered with its time.

use super::fixtures::*;
use sentry_dingtalk::MonthCalls;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::CallCount;
use std::sync::Arc;

pub async fn open_api_calls_add_up_per_robot_and_month(o: Arc<dyn Outbox>) {
    let none = o.open_api_calls("cards", "2026-12").await.expect("read");
    assert_eq!(none, MonthCalls::default());
    let first = o
        .count_open_api_calls(CallCount {
            robot: "cards",
            month: "2026-12",
            calls: 3,
            now: T0,
        })
        .await
        .expect("count");
    assert_eq!((first.calls, first.spent_at), (3, None));
    // Many counting at once: each add lands, none is lost to a read-modify-write race.
    let adds = (0..20).map(|_| {
        let o = o.clone();
        tokio::spawn(async move {
            o.count_open_api_calls(CallCount {
                robot: "cards",
                month: "2026-12",
                calls: 2,
                now: T0,
            })
            .await
        })
    });
    let mut totals = Vec::new();
    for add in adds {
        totals.push(add.await.expect("joins").expect("counts").calls);
    }
    totals.sort_unstable();
    totals.dedup();
    assert_eq!(totals.len(), 20, "each add saw its own total: {totals:?}");
    let now = o.open_api_calls("cards", "2026-12").await.expect("read");
    assert_eq!(now.calls, 43);
    let other_month = o.open_api_calls("cards", "2027-01").await.expect("read");
    let other_robot = o
        .open_api_calls("more-cards", "2026-12")
        .await
        .expect("read");
    assert_eq!((other_month.calls, other_robot.calls), (0, 0));

    o.open_api_spent("cards", "2026-12", T0 + MINUTE)
        .await
        .expect("spent");
    o.open_api_spent("fresh", "2026-12", T0 + MINUTE)
        .await
        .expect("spent without calls");
    o.open_api_spent("cards", "2026-12", T0 + HOUR)
        .await
        .expect("spent again");
    let spent = o.open_api_calls("cards", "2026-12").await.expect("read");
    assert_eq!(
        (spent.calls, spent.spent_at),
        (43, Some(T0 + HOUR)),
        "the latest 90020"
    );
    let fresh = o.open_api_calls("fresh", "2026-12").await.expect("read");
    assert_eq!((fresh.calls, fresh.spent_at), (0, Some(T0 + MINUTE)));
    let after = o
        .count_open_api_calls(CallCount {
            robot: "cards",
            month: "2026-12",
            calls: 1,
            now: T0 + HOUR,
        })
        .await
        .expect("count");
    assert_eq!((after.calls, after.spent_at), (44, Some(T0 + HOUR)));
}
