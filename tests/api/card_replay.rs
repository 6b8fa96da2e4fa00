//! Issue 17, point 7: DingTalk signs a card callback's timestamp only, so a signature acts once.
//! The same signed callback posted again — as it was, or with another body — is refused. (The
//! store op behind it runs on both stores in the conformance suite: `callback_signature_once`.)

use crate::fake_openapi::{FakeOpenApi, card_robot_config};
use crate::helpers::*;
use sentry_dingtalk::{Secret, card_callback_signature};
use serde_json::{Value, json};

const CALLBACK_SECRET: &str = "card-replay-s3cret";

fn config() -> String {
    card_robot_config(CALLBACK_SECRET, r#""cards""#)
}

fn click_body(out_track_id: &str, action: &str, user: &str) -> Value {
    let content = json!({"cardPrivateData": {"actionIds": ["b1"], "params": {"action": action}}});
    json!({"type": "actionCallback", "outTrackId": out_track_id, "corpId": "dingcorp",
           "userId": user, "content": content.to_string()})
}

/// Posts `body` with the given signature headers; the status.
async fn post_click(address: &str, ts: &str, sig: &str, body: &Value) -> u16 {
    reqwest::Client::new()
        .post(format!("{address}/dingtalk/card-callback"))
        .header("x-ddpaas-signature-timestamp", ts)
        .header("x-ddpaas-signature", sig)
        .json(body)
        .send()
        .await
        .expect("relay answers")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_signed_callback_acts_once_and_its_signature_is_refused_with_any_body() {
    let fake = FakeOpenApi::start(7200).await;
    let api = fake.url.clone();
    let app = spawn_app_with(move |s| {
        s.dingtalk_api_url = api;
        let dir = tempfile::tempdir().expect("tmp").keep();
        with_config_file(s, &dir, &config());
    })
    .await;
    assert_eq!(
        app.post_signed("issue", &example("issue-created.json"))
            .await
            .status()
            .as_u16(),
        202
    );
    assert!(poll(WAIT, || fake.card_count() == 1).await, "card made");
    let (id, _) = fake.cards().remove(0);
    let ts = sentry_dingtalk::now_ms().to_string();
    let sig = card_callback_signature(&Secret::new(CALLBACK_SECRET), &ts);

    // The click as DingTalk sent it: acted on.
    let first = click_body(&id, "claim", "u-alice");
    assert_eq!(post_click(&app.address, &ts, &sig, &first).await, 200);
    let claimed_by = |who: &str| {
        fake.card(&id)
            .is_some_and(|c| c.params.get("claimed_by").is_some_and(|b| b == who))
    };
    assert!(
        poll(WAIT, || claimed_by("u-alice")).await,
        "the claim is shown"
    );

    // The same request again, and the same headers with another user and another action.
    assert_eq!(post_click(&app.address, &ts, &sig, &first).await, 401);
    let forged = click_body(&id, "claim", "u-mallory");
    assert_eq!(post_click(&app.address, &ts, &sig, &forged).await, 401);
    let forged = click_body(&id, "ignore", "u-mallory");
    assert_eq!(post_click(&app.address, &ts, &sig, &forged).await, 401);

    // A fresh signature is a fresh click.
    let ts2 = (ts.parse::<i64>().expect("ms") + 1).to_string();
    let sig2 = card_callback_signature(&Secret::new(CALLBACK_SECRET), &ts2);
    let second = click_body(&id, "claim", "u-bob");
    assert_eq!(post_click(&app.address, &ts2, &sig2, &second).await, 200);
    assert!(poll(WAIT, || claimed_by("u-bob")).await, "a new click acts");
    // Nothing the refused ones asked for happened: a refusal is answered before anything is
    // started.
    let card = fake.card(&id).expect("card");
    assert_eq!(
        card.params.get("status").map(String::as_str),
        Some("claimed")
    );
    assert!(!format!("{:?}", card.params).contains("mallory"));
}
