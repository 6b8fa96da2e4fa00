//! How the client classifies what goes wrong: server errors, rate limits and slowness are
//! retryable; a second create, bad requests and a wrong app secret are permanent.

use super::*;

#[tokio::test]
async fn a_server_error_is_retryable_and_creates_nothing() {
    let fake = FakeOpenApi::start(7200).await;
    let api = client(&fake);
    assert!(api.check_credentials(&app()).await.is_ok());
    fake.fail_next(1);
    let outcome = create(&api, "c1").await;
    assert!(
        matches!(&outcome, CardOutcome::Retryable(r) if r.contains("HTTP 500")),
        "{outcome}"
    );
    assert_eq!(fake.card_count(), 0);
    assert_eq!(create(&api, "c1").await, CardOutcome::Sent);
    assert_eq!(fake.card_count(), 1);
}

#[tokio::test]
async fn a_rate_limit_is_retryable_and_does_not_cost_the_token() {
    let fake = FakeOpenApi::start(7200).await;
    let api = client(&fake);
    assert_eq!(create(&api, "c1").await, CardOutcome::Sent);
    fake.throttle_next(1);
    let outcome = update_count(&api, "c1", "2").await;
    assert!(
        matches!(&outcome, CardOutcome::Retryable(r) if r.contains("QpsLimit")),
        "{outcome}"
    );
    assert_eq!(fake.tokens_issued().len(), 1);
}

#[tokio::test]
async fn a_second_create_is_refused_and_create_or_update_updates_the_one_card() {
    let fake = FakeOpenApi::start(7200).await;
    let api = client(&fake);
    assert_eq!(create(&api, "c1").await, CardOutcome::Sent);
    let again = create(&api, "c1").await;
    assert!(matches!(again, CardOutcome::AlreadyExists(_)), "{again}");
    let mut card = new_card("c1");
    card.params.insert("count", "2");
    assert_eq!(
        api.create_or_update(&app(), &CallTally::default(), &card)
            .await,
        CardOutcome::Sent
    );
    assert_eq!(fake.card_count(), 1);
    assert_eq!(
        fake.card("c1")
            .map(|c| (c.updates, c.params["count"].clone())),
        Some((1, "2".into()))
    );
}

#[tokio::test]
async fn bad_requests_are_permanent() {
    let fake = FakeOpenApi::start(7200).await;
    let api = client(&fake);
    let outcome = update_count(&api, "never-created", "2").await;
    assert!(
        matches!(&outcome, CardOutcome::Permanent(r) if r.contains("card not found")),
        "{outcome}"
    );
    let mut card = new_card("c1");
    card.robot_code = "someone-else".into();
    let outcome = api
        .create_and_deliver(&app(), &CallTally::default(), &card)
        .await;
    assert!(
        matches!(&outcome, CardOutcome::Permanent(r) if r.contains("robot")),
        "{outcome}"
    );
    assert_eq!(fake.card_count(), 0);
}

#[tokio::test]
async fn a_wrong_app_secret_is_permanent_and_never_echoed() {
    let fake = FakeOpenApi::start(7200).await;
    let api = client(&fake);
    let wrong = AppCredentials {
        app_key: APP_KEY.into(),
        app_secret: Secret::new("wrong-s3cret-9876"),
    };
    let outcome = api
        .create_and_deliver(&wrong, &CallTally::default(), &new_card("c1"))
        .await;
    assert!(
        matches!(&outcome, CardOutcome::Permanent(r) if r.contains("access token refused")),
        "{outcome}"
    );
    assert!(
        !format!("{outcome:?} {wrong:?}").contains("wrong-s3cret"),
        "{outcome:?} {wrong:?}"
    );
    assert!(api.check_credentials(&wrong).await.is_err());
    assert_eq!(
        api.check_credentials(&app()).await,
        Ok(Duration::from_secs(7200))
    );
}

#[tokio::test]
async fn a_slow_api_is_a_retryable_timeout() {
    let fake = FakeOpenApi::start(7200).await;
    // Room for the first call on a loaded machine; the slow answer is well past it.
    let api = OpenApiClient::new(&fake.url, Duration::from_millis(1500));
    assert!(api.check_credentials(&app()).await.is_ok());
    fake.set_delay(Duration::from_secs(5));
    let outcome = create(&api, "c1").await;
    assert!(
        matches!(&outcome, CardOutcome::Retryable(r) if r.contains("timeout")),
        "{outcome}"
    );
    assert_clean(&fake, &outcome);
}

#[tokio::test]
async fn a_token_said_to_live_for_ever_is_kept_two_hours_and_the_sender_lives() {
    // `Instant::now() + u64::MAX seconds` panicked the card robot's sender for good.
    let fake = FakeOpenApi::start(u64::MAX).await;
    let api = client(&fake);
    assert_eq!(create(&api, "c1").await, CardOutcome::Sent);
    assert_eq!(update_count(&api, "c1", "2").await, CardOutcome::Sent);
    assert_eq!(fake.tokens_issued().len(), 1, "the token is cached");
}
