//! `check` and `check --online` with a card robot: its keys are shown, its token is fetched from
//! the fake open API, and neither the app secret, the callback secret nor a token is printed.

use crate::check_online::{TOKEN, fake_sentry};
use crate::fake_openapi::{APP_KEY, APP_SECRET, FakeOpenApi, ROBOT_CODE};
use crate::helpers::stdout_and_stderr;
use std::process::Output;

const CALLBACK_SECRET: &str = "cb-s3cret-4567";

async fn check(
    fake: &FakeOpenApi,
    sentry_url: &str,
    app_secret: &str,
    online: bool,
) -> (Output, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let config = format!(
        r#"
[[robots]]
name = "oncall-cards"
kind = "card"
app_key = "{APP_KEY}"
app_secret = "${{CARD_APP_SECRET}}"
robot_code = "{ROBOT_CODE}"
card_template_id = "sentry-alert.schema"
open_conversation_id = "cidFAKE=="
callback_secret = "${{CARD_CALLBACK_SECRET}}"

[[routes]]
name = "oncall"
robots = ["oncall-cards"]
mention = {{ mobiles = ["13800000000"], user_ids = ["u-oncall"] }}
"#
    );
    std::fs::write(dir.path().join("sentry-dingtalk.toml"), config).expect("config");
    let mut args = vec!["check"];
    if online {
        args.push("--online");
    }
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .args(&args)
        .env_clear()
        .current_dir(dir.path())
        .env("DINGTALK_API_URL", &fake.url)
        .env("CARD_APP_SECRET", app_secret)
        .env("CARD_CALLBACK_SECRET", CALLBACK_SECRET)
        .env("SENTRY_URL", sentry_url)
        .env("SENTRY_ORG", "acme")
        .env("SENTRY_API_TOKEN", TOKEN)
        .env("RUST_LOG", "debug")
        .output()
        .await
        .expect("binary runs");
    let all = stdout_and_stderr(&out);
    for secret in [app_secret, CALLBACK_SECRET] {
        assert!(!all.contains(secret), "{all}");
    }
    for token in fake.tokens_issued() {
        assert!(!all.contains(&token), "{all}");
    }
    (out, all)
}

#[tokio::test]
async fn check_shows_the_card_robot_and_online_fetches_its_token() {
    let fake = FakeOpenApi::start(7200).await;
    let sentry = fake_sentry().await;
    let (out, all) = check(&fake, &sentry.uri(), APP_SECRET, false).await;
    assert!(out.status.success(), "{all}");
    assert!(
        all.contains("robot oncall-cards: card robot (enterprise app dingfakeappkey, robot dingfakerobot), template sentry-alert.schema, group cidFAKE=="),
        "{all}"
    );
    assert!(fake.tokens_issued().is_empty(), "plain check stays offline");
    assert!(
        all.contains(
            "  open API: no api_calls_per_month; then card operations wait (no fallback_webhook)"
        ),
        "{all}"
    );
    assert!(
        all.contains("warning: robot oncall-cards has no callback_route_key"),
        "{all}"
    );
    assert!(
        all.contains("warning: robot oncall-cards posts cards, which @-mention user ids only"),
        "a route's mobiles cannot reach a card: {all}"
    );

    let (out, all) = check(&fake, &sentry.uri(), APP_SECRET, true).await;
    assert!(out.status.success(), "{all}");
    assert!(
        all.contains(&format!(
            "card robot oncall-cards: access token fetched from {} (valid 7200 s)",
            fake.url
        )),
        "{all}"
    );
    assert_eq!(fake.tokens_issued().len(), 1);
}

#[tokio::test]
async fn a_wrong_app_secret_fails_check_online_and_is_not_echoed() {
    let fake = FakeOpenApi::start(7200).await;
    let sentry = fake_sentry().await;
    let (out, all) = check(&fake, &sentry.uri(), "wrong-app-s3cret", true).await;
    assert!(!out.status.success(), "{all}");
    assert!(
        all.contains("card robot oncall-cards: no access token: access token refused: HTTP 400"),
        "{all}"
    );
    assert!(all.contains("check app_key and app_secret"), "{all}");
    assert!(
        all.contains("a card robot or the Sentry API cannot be used"),
        "{all}"
    );
}
