//! A claim made while the sender prepares a repeat for the card (here: asks Sentry about the
//! issue, slowly) stays: the repeat leaves the claimed card claimed, on the card and at
//! DingTalk. The store decides the status against the card as it is when the repeat is noted.

use super::*;

async fn lookups(sentry: &MockServer) -> usize {
    let asked = sentry.received_requests().await.unwrap_or_default();
    asked.iter().filter(|r| r.method.as_str() == "GET").count()
}

async fn stored_card(app: &TestApp) -> sentry_dingtalk::outbox::CardRow {
    let key = format!("issue:{ISSUE}");
    app.outbox
        .card(ROBOT, &key)
        .await
        .expect("store")
        .expect("card")
}

#[tokio::test]
async fn a_claim_made_while_a_repeat_is_prepared_stays() {
    let sentry = MockServer::start().await;
    // Every lookup takes 4 s and finds nothing: the claim comes while one is under way, even on
    // a slow machine (and each wait below, 10 s, outlasts a lookup).
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_delay(Duration::from_secs(4)))
        .mount(&sentry)
        .await;
    let fake = FakeOpenApi::start(7200).await;
    let app = card_app(&fake, Some(&sentry)).await;
    let created = app
        .post_signed("issue", &example("issue-created.json"))
        .await;
    assert_eq!(created.status().as_u16(), 202);
    wait_card(&fake, &app.outbox, |c| param(c, "count") == "1").await;
    let id = track_id(&app.outbox).await.expect("track id");
    let before = lookups(&sentry).await;
    let regressed = variant("issue-created.json", |v| v["action"] = json!("unresolved"));
    assert_eq!(app.post_signed("issue", &regressed).await.status(), 202);
    let preparing = poll_async(WAIT, || async { lookups(&sentry).await > before }).await;
    assert!(preparing, "the sender asks Sentry about the repeat's issue");
    assert_eq!(
        click(&app.address, &id, "claim", "u009", CALLBACK_SECRET).await,
        200
    );
    // The click is acted on after its answer; the repeat is still being prepared meanwhile.
    let claimed = poll_async(WAIT, || async {
        stored_card(&app).await.status == "claimed"
    })
    .await;
    assert!(claimed, "the claim is recorded");
    assert_eq!(
        stored_card(&app).await.count,
        1,
        "before the repeat is noted"
    );
    let noted = poll_async(WAIT, || async { stored_card(&app).await.count == 2 }).await;
    assert!(noted, "the repeat is noted on the card");
    assert_eq!(stored_card(&app).await.status, "claimed");
    let card = wait_card(&fake, &app.outbox, |c| param(c, "count") == "2").await;
    assert_eq!(param(&card, "status"), "claimed");
    assert_eq!(param(&card, "claimed_by"), "u009");
}
