//! Signed button clicks: the issue resolved once at Sentry and the card updated; a click in
//! progress when the relay stops is finished before it exits.

use super::*;

async fn issue_puts(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "PUT")
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

#[tokio::test]
async fn a_signed_click_resolves_the_issue_once_and_updates_the_card() {
    let sentry = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/0/organizations/acme/issues/{ISSUE}/")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "resolved"})))
        .mount(&sentry)
        .await;
    mount_get_404(&sentry).await;
    let (fake, app, id) = app_with_a_card(&sentry).await;

    // Badly signed: 401, nothing happens.
    assert_eq!(
        click(&app.address, &id, "resolve", "u007", "wrong-secret").await,
        401
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(issue_puts(&sentry).await.is_empty());
    assert_eq!(param(&fake.card(&id).expect("card"), "status"), "firing");

    // Signed: the issue is resolved in Sentry and the card for everyone.
    assert_eq!(
        click(&app.address, &id, "resolve", "u007", CALLBACK_SECRET).await,
        200
    );
    let card = wait_card(&fake, &app.outbox, |c| param(c, "status") == "resolved").await;
    assert_eq!(fake.card_count(), 1);
    assert_eq!(
        issue_puts(&sentry).await,
        vec![json!({"status": "resolved"})]
    );
    // The same click again: answered, done once.
    assert_eq!(
        click(&app.address, &id, "resolve", "u007", CALLBACK_SECRET).await,
        200
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(issue_puts(&sentry).await.len(), 1);
    let updates = card.updates;

    // Claim: recorded and shown, no Sentry call.
    assert_eq!(
        click(&app.address, &id, "claim", "u008", CALLBACK_SECRET).await,
        200
    );
    let card = wait_card(&fake, &app.outbox, |c| param(c, "status") == "claimed").await;
    assert_eq!(param(&card, "claimed_by"), "u008");
    assert!(card.updates > updates);
    assert_eq!(issue_puts(&sentry).await.len(), 1);
}

#[tokio::test]
async fn a_click_in_progress_when_the_relay_stops_is_finished_before_it_exits() {
    // Sentry answers slowly: the click is still being acted on when the stop comes.
    let sentry = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/0/organizations/acme/issues/{ISSUE}/")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "resolved"}))
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&sentry)
        .await;
    let (_fake, mut app, id) = app_with_a_card(&sentry).await;
    assert_eq!(
        click(&app.address, &id, "resolve", "u007", CALLBACK_SECRET).await,
        200
    );
    app.halt().await;
    // The click was marked done when it was answered; dropped half-way, it would be lost.
    assert_eq!(
        issue_puts(&sentry).await,
        vec![json!({"status": "resolved"})]
    );
    let card = app
        .outbox
        .card(ROBOT, &format!("issue:{ISSUE}"))
        .await
        .expect("outbox")
        .expect("card");
    assert_eq!(card.status, "resolved");
}
