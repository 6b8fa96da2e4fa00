//! The open API client against the strict fake: tokens fetched once and cached, renewed before
//! they expire and when refused; cards created once and updated in place; failures classified.

mod failures;

use crate::fake_openapi::{APP_KEY, APP_SECRET, FakeOpenApi, ROBOT_CODE};
use crate::helpers::WAIT;
use sentry_dingtalk::{
    Alert, AlertKind, AppCredentials, CARD_VARIABLES, CallTally, CardFacts, CardOutcome,
    CardParams, CardStatus, Lang, Level, NewCard, OpenApiClient, Renderer, Secret, card_params,
};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn app() -> AppCredentials {
    AppCredentials {
        app_key: APP_KEY.into(),
        app_secret: Secret::new(APP_SECRET),
    }
}

fn client(fake: &FakeOpenApi) -> OpenApiClient {
    OpenApiClient::new(&fake.url, Duration::from_secs(5))
}

fn alert() -> Alert {
    let mut a = Alert::new(AlertKind::Issue, "created");
    a.title = "ZeroDivisionError: division by zero".into();
    a.level = Level::Error;
    a.project = Some("payments-api".into());
    a.link = Some("https://sentry.io/organizations/acme/issues/42/".into());
    a
}

/// The card the relay would create for `alert`'s first sighting.
fn new_card(out_track_id: &str) -> NewCard {
    let facts = CardFacts {
        count: 1,
        status: CardStatus::Firing,
        first_seen: Some("2025-11-20 14:21"),
        last_seen: Some("2025-11-20 14:21"),
        claimed_by: None,
        markdown: "### 🔴 新问题 · payments-api",
    };
    NewCard {
        out_track_id: out_track_id.into(),
        card_template_id: "sentry-alert.schema".into(),
        open_conversation_id: "cidFAKE==".into(),
        robot_code: ROBOT_CODE.into(),
        params: card_params(
            &alert(),
            &facts,
            &Renderer::load(None, Lang::Zh).expect("templates"),
        ),
        callback_route_key: Some("sentry-dingtalk".into()),
        at_user_ids: BTreeMap::new(),
    }
}

fn params(pairs: &[(&str, &str)]) -> CardParams {
    let mut p = CardParams::new();
    for (k, v) in pairs {
        p.insert(*k, *v);
    }
    p
}

/// `out_track_id`'s card created through `api`, on a tally nobody reads.
async fn create(api: &OpenApiClient, out_track_id: &str) -> CardOutcome {
    api.create_and_deliver(&app(), &CallTally::default(), &new_card(out_track_id))
        .await
}

/// `out_track_id`'s card updated through `api` to `count`, on a tally nobody reads.
async fn update_count(api: &OpenApiClient, out_track_id: &str, count: &str) -> CardOutcome {
    api.update(
        &app(),
        &CallTally::default(),
        out_track_id,
        &params(&[("count", count)]),
    )
    .await
}

/// No outcome may carry the app secret or any token the fake handed out.
fn assert_clean(fake: &FakeOpenApi, outcome: &CardOutcome) {
    let shown = format!("{outcome} {outcome:?}");
    assert!(!shown.contains(APP_SECRET), "{shown}");
    for t in fake.tokens_issued() {
        assert!(!shown.contains(&t), "{shown}");
    }
}

#[tokio::test]
async fn a_card_is_created_with_every_variable_then_updated_in_place_on_one_token() {
    let fake = FakeOpenApi::start(7200).await;
    let api = client(&fake);
    assert_eq!(create(&api, "sentry-42").await, CardOutcome::Sent);
    let card = fake.card("sentry-42").expect("card created");
    assert_eq!(card.open_space_id, "dtv1.card//IM_GROUP.cidFAKE==");
    assert_eq!(
        (card.robot_code.as_str(), card.template_id.as_str()),
        (ROBOT_CODE, "sentry-alert.schema")
    );
    let keys: Vec<&str> = card.params.keys().map(String::as_str).collect();
    let mut want = CARD_VARIABLES.to_vec();
    want.sort_unstable();
    assert_eq!(keys, want);
    assert_eq!(
        (
            card.params["status"].as_str(),
            card.params["count"].as_str()
        ),
        ("firing", "1")
    );

    let change = params(&[("count", "4"), ("status", "resolved")]);
    assert_eq!(
        api.update(&app(), &CallTally::default(), "sentry-42", &change)
            .await,
        CardOutcome::Sent
    );
    let card = fake.card("sentry-42").expect("card kept");
    assert_eq!(
        (
            card.params["status"].as_str(),
            card.params["count"].as_str()
        ),
        ("resolved", "4")
    );
    assert_eq!(
        card.params["title"], "ZeroDivisionError: division by zero",
        "other keys kept"
    );
    assert_eq!((card.updates, fake.card_count()), (1, 1));
    assert_eq!(fake.tokens_issued().len(), 1, "one token for both calls");
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let fake = FakeOpenApi::start(1).await;
    let api = client(&fake);
    assert_eq!(create(&api, "c1").await, CardOutcome::Sent);
    let first = fake.tokens_issued()[0].clone();
    let deadline = Instant::now() + WAIT;
    while !fake.token_expired(&first) {
        assert!(Instant::now() < deadline, "the fake's token never expired");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(update_count(&api, "c1", "2").await, CardOutcome::Sent);
    assert_eq!(fake.tokens_issued().len(), 2);
    assert_eq!(fake.unauthorized(), 0, "the expired token was never sent");
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_and_the_call_made_again() {
    let fake = FakeOpenApi::start(7200).await;
    let api = client(&fake);
    assert_eq!(create(&api, "c1").await, CardOutcome::Sent);
    fake.revoke_tokens();
    let tally = CallTally::default();
    assert_eq!(
        api.update(&app(), &tally, "c1", &params(&[("count", "2")]))
            .await,
        CardOutcome::Sent
    );
    assert_eq!((fake.tokens_issued().len(), fake.unauthorized()), (2, 1));
    // The refused call, the new token and the call again: each may be metered.
    assert_eq!(tally.calls(), 3);
    assert_eq!(
        fake.calls(),
        5,
        "the fake saw what the tally counted, and the create's two"
    );
    assert_eq!(
        fake.card("c1")
            .map(|c| c.params["count"].clone())
            .as_deref(),
        Some("2")
    );
    let log = fake.log();
    let card_calls: Vec<(&str, u16, &str)> = log
        .iter()
        .filter(|r| r.path.starts_with("/v1.0/card/"))
        .map(|r| (r.method.as_str(), r.status, r.code.as_str()))
        .collect();
    assert_eq!(
        card_calls,
        [
            ("POST", 200, ""),
            ("PUT", 401, "InvalidAuthentication"),
            ("PUT", 200, "")
        ]
    );
    let last = log.last().expect("requests");
    assert_eq!(
        last.token.as_deref(),
        Some(fake.tokens_issued()[1].as_str())
    );
}

#[tokio::test]
async fn a_token_refused_even_when_fresh_is_permanent_after_one_renewal() {
    let fake = FakeOpenApi::start(7200).await;
    fake.refuse_every_token();
    let api = client(&fake);
    let outcome = create(&api, "c1").await;
    assert!(
        matches!(&outcome, CardOutcome::Permanent(r) if r.contains("InvalidAuthentication")),
        "{outcome}"
    );
    assert_eq!((fake.tokens_issued().len(), fake.unauthorized()), (2, 2));
    assert_clean(&fake, &outcome);
}
