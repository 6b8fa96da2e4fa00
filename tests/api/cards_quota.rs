//! The open API's monthly quota of a card robot, end to end against the strict fake: every
//! call counted in the store and shown in `/metrics` and `/ui`; above 80 % count-only updates
//! stop while status changes go; at the quota, or when DingTalk answers `90020`, the cards go
//! to the fallback robot as markdown — or, without one, wait and are never dropped.

use crate::cards_flow::{CALLBACK_SECRET, ISSUE, param, repeat, variant, wait_card};
use crate::fake_openapi::{FakeOpenApi, card_robot_entry};
use crate::helpers::*;
use sentry_dingtalk::outbox::types::CallCount;
use sentry_dingtalk::outbox::{MessageState, SharedOutbox};
use sentry_dingtalk::{Secret, month_of, now_ms};
use serde_json::json;

const ROBOT: &str = "oncall-cards";

/// A card robot with `keys` added (`api_calls_per_month`, the fallback); the fallback, when
/// `fallback` is true, is the test's custom robot, signed with its secret.
async fn quota_app(fake: &FakeOpenApi, keys: &str, fallback: bool) -> TestApp {
    let (api, keys) = (fake.url.clone(), keys.to_owned());
    spawn_app_with(move |s| {
        s.dingtalk_api_url = api;
        s.admin_token = Some(Secret::new(ADMIN));
        let custom = s.robot("default").and_then(|r| r.webhook.clone());
        let fallback = match (fallback, custom) {
            (true, Some(url)) => format!(
                "fallback_webhook = \"{}\"\nfallback_secret = \"{ROBOT_SECRET}\"\n",
                url.expose()
            ),
            _ => String::new(),
        };
        let extra = format!("throttle_pause = \"1s\"\n{keys}\n{fallback}");
        let entry = card_robot_entry(ROBOT, CALLBACK_SECRET, &extra);
        let text = format!("{entry}\n[[routes]]\nrobots = [\"{ROBOT}\"]\n");
        let dir = tempfile::tempdir().expect("tmp").keep();
        with_config_file(s, &dir, &text);
    })
    .await
}

async fn calls(outbox: &SharedOutbox) -> i64 {
    let month = month_of(now_ms());
    outbox
        .open_api_calls(ROBOT, &month)
        .await
        .expect("reads")
        .calls
}

async fn seed(outbox: &SharedOutbox, n: i64) {
    let month = month_of(now_ms());
    let now = now_ms();
    outbox
        .count_open_api_calls(CallCount {
            robot: ROBOT,
            month: &month,
            calls: n,
            now,
        })
        .await
        .expect("seeds");
}

fn resolved() -> Vec<u8> {
    variant("issue-resolved.json", |v| {
        v["data"]["issue"]["id"] = json!(ISSUE);
    })
}

async fn card_count_in_store(outbox: &SharedOutbox) -> i64 {
    let card = outbox.card(ROBOT, &format!("issue:{ISSUE}")).await;
    card.ok().flatten().map_or(0, |c| c.count)
}

#[tokio::test]
async fn every_call_is_counted_in_the_store_and_shown_in_metrics_and_ui() {
    let fake = FakeOpenApi::start(7200).await;
    let app = quota_app(&fake, "api_calls_per_month = 1000", false).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    wait_card(&fake, &app.outbox, |c| param(c, "count") == "1").await;
    app.post_signed("event_alert", &repeat(1)).await;
    wait_card(&fake, &app.outbox, |c| param(c, "count") == "2").await;
    // The token, the create and the update: what DingTalk saw is what the store counted.
    assert_eq!(fake.calls(), 3);
    // Counted when the answer is in, a moment after the fake holds the card.
    let counted = poll_async(WAIT, || async { calls(&app.outbox).await == 3 }).await;
    assert!(counted, "{}", calls(&app.outbox).await);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(&format!(
            "sentry_dingtalk_open_api_calls{{robot=\"{ROBOT}\"}} 3"
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "sentry_dingtalk_open_api_calls_quota{{robot=\"{ROBOT}\"}} 1000"
        )),
        "{metrics}"
    );
    let page = admin_text(&app, "/ui").await;
    assert!(page.contains("3 used, 997 left of 1000"), "{page}");
}

#[tokio::test]
async fn above_80_percent_count_only_updates_stop_and_status_changes_still_go() {
    let fake = FakeOpenApi::start(7200).await;
    let app = quota_app(&fake, "api_calls_per_month = 20", false).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    wait_card(&fake, &app.outbox, |c| param(c, "count") == "1").await;
    // Token and create, and 15 more from another replica: 17 of 20.
    seed(&app.outbox, 15).await;
    let before = fake.calls();
    for n in 1..=3 {
        app.post_signed("event_alert", &repeat(n)).await;
    }
    let counted = poll_async(WAIT, || async {
        card_count_in_store(&app.outbox).await == 4
    })
    .await;
    assert!(counted, "the repeats were noted on the card");
    // The create and the repeats' operation are done (sent or skipped), nothing waits.
    let settled = poll_async(WAIT, || async {
        let pending = app.messages(Some(MessageState::Pending)).await;
        pending.is_empty() && app.messages(Some(MessageState::Sent)).await.len() >= 2
    })
    .await;
    assert!(settled, "{:?}", app.messages(None).await);
    assert_eq!(
        fake.calls(),
        before,
        "no count-only update reached the open API"
    );
    let card = wait_card(&fake, &app.outbox, |_| true).await;
    assert_eq!(param(&card, "count"), "1");
    app.post_signed("issue", &resolved()).await;
    let card = wait_card(&fake, &app.outbox, |c| param(c, "status") == "resolved").await;
    assert_eq!(param(&card, "count"), "5", "the change shows the count too");
    let counted = poll_async(WAIT, || async { calls(&app.outbox).await == 18 }).await;
    assert!(counted, "{}", calls(&app.outbox).await);
}

#[tokio::test]
async fn at_the_quota_cards_go_to_the_fallback_robot_as_markdown() {
    let fake = FakeOpenApi::start(7200).await;
    let app = quota_app(&fake, "api_calls_per_month = 10", true).await;
    seed(&app.outbox, 10).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    let posted = poll_async(WAIT, || async { !app.robot.posted().is_empty() }).await;
    assert!(posted, "nothing reached the fallback robot");
    let sent = &app.robot.posted()[0];
    assert_eq!(sent.body["msgtype"], "markdown");
    let text = sent.text();
    assert!(text.contains("ZeroDivisionError"), "{text}");
    assert!(text.contains("firing · ×1"), "{text}");
    assert!(app.wait_messages(MessageState::Sent, 1, WAIT).await);
    assert_eq!(fake.calls(), 0, "the open API was not called");
    assert_eq!(calls(&app.outbox).await, 10);
}

#[tokio::test]
async fn a_90020_sends_through_the_fallback_robot() {
    let fake = FakeOpenApi::start(7200).await;
    fake.set_quota(1);
    let app = quota_app(&fake, "", true).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    let posted = poll_async(WAIT, || async { !app.robot.posted().is_empty() }).await;
    assert!(posted, "nothing reached the fallback robot");
    assert_eq!(fake.quota_refusals(), 1);
    let month = app
        .outbox
        .open_api_calls(ROBOT, &month_of(now_ms()))
        .await
        .expect("reads");
    assert!(month.spent_at.is_some(), "the 90020 is remembered");
    assert_eq!(month.calls, 2, "the token and the refused create");
    assert!(app.wait_messages(MessageState::Sent, 1, WAIT).await);
}

#[tokio::test]
async fn without_a_fallback_robot_the_cards_wait_and_go_when_dingtalk_allows_again() {
    let fake = FakeOpenApi::start(7200).await;
    fake.set_quota(1);
    let app = quota_app(&fake, "", false).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    let refused = poll_async(WAIT, || async { fake.quota_refusals() >= 1 }).await;
    assert!(refused);
    for n in 1..=2 {
        app.post_signed("event_alert", &repeat(n)).await;
    }
    let noted = poll_async(WAIT, || async {
        card_count_in_store(&app.outbox).await == 3
    })
    .await;
    assert!(noted, "alerts still join their card while it waits");
    let pending = app.messages(Some(MessageState::Pending)).await;
    assert_eq!(
        pending.len(),
        1,
        "one operation carries them all: {pending:?}"
    );
    assert!(app.messages(Some(MessageState::Dead)).await.is_empty());
    assert!(app.robot.posted().is_empty());
    // DingTalk allows again (a package bought): after throttle_pause one call tries, and the
    // card shows everything that waited.
    fake.set_quota(usize::MAX);
    let card = wait_card(&fake, &app.outbox, |c| param(c, "count") == "3").await;
    assert_eq!(param(&card, "status"), "firing");
    assert_eq!(fake.card_count(), 1);
}
