//! The card's `silence` button: a signed click silences the card's issue for an hour (no
//! Sentry call), the card shows who silenced it until when, the issue's next alert is held
//! (the card does not move), and when the silence ends one summary card tells what was held.

use crate::cards_flow::{CALLBACK_SECRET, app_with_a_card, click, param, repeat, wait_card};
use crate::helpers::*;
use wiremock::MockServer;

#[tokio::test]
async fn the_silence_button_holds_the_issue_and_a_summary_card_tells_the_end() {
    let sentry = MockServer::start().await;
    mount_get_404(&sentry).await;
    let (fake, app, id) = app_with_a_card(&sentry).await;
    assert_eq!(
        click(&app.address, &id, "silence", "u009", CALLBACK_SECRET).await,
        200
    );
    let card = wait_card(&fake, &app.outbox, |c| param(c, "status") == "silenced").await;
    assert!(
        param(&card, "claimed_by").starts_with("u009 · until "),
        "{card:?}"
    );
    let puts = sentry.received_requests().await.unwrap_or_default();
    assert!(
        puts.iter().all(|r| r.method.as_str() != "PUT"),
        "Sentry is not asked"
    );
    let silences = app.outbox.silences(0).await.expect("silences");
    assert_eq!(silences.len(), 1);
    assert_eq!(silences[0].created_by, "u009");

    // The issue's next alert is held: the card keeps its count.
    assert_eq!(
        app.post_signed("event_alert", &repeat(1))
            .await
            .status()
            .as_u16(),
        202
    );
    let held = || async {
        app.stats()
            .await
            .iter()
            .any(|c| c.state == "held" && c.count == 1)
    };
    assert!(poll_async(WAIT, held).await, "held");
    assert_eq!(param(&fake.card(&id).expect("card"), "count"), "1");

    // The silence ends: one summary card, the issue's own card untouched.
    app.outbox
        .end_silence(silences[0].id, sentry_dingtalk::now_ms())
        .await
        .expect("end");
    assert!(
        poll(WAIT, || fake.card_count() == 2).await,
        "a summary card is made"
    );
    let (_, summary) = fake
        .cards()
        .into_iter()
        .find(|(track, _)| *track != id)
        .expect("summary card");
    assert_eq!(param(&summary, "status"), "silenced");
    assert_eq!(param(&summary, "count"), "1");
    assert!(param(&summary, "markdown").contains("×1"), "{summary:?}");
    assert!(summary.at_user_ids.is_empty(), "a summary mentions nobody");
    assert!(poll_async(WAIT, || async { !held().await }).await);
}
