//! Card robots as the TOML file gives them: keys expanded, required, never echoed.

use crate::config::{ConfigError, RobotConfig, Settings, file};
use std::collections::HashMap;

const CARD: &str = r#"
[[robots]]
name = "oncall-cards"
kind = "card"
app_key = "dingappkey"
app_secret = "${APP_SECRET}"
card_template_id = "tpl.schema"
open_conversation_id = "cid123=="
callback_secret = "${CB_SECRET}"
"#;

fn parse(text: &str) -> Result<Vec<RobotConfig>, ConfigError> {
    let env: HashMap<&str, &str> = [("APP_SECRET", "app-s3cret"), ("CB_SECRET", "cb-s3cret")]
        .into_iter()
        .collect();
    let defaults = Settings::from_lookup(|_| None).expect("defaults").env_robot;
    let get = |k: &str| env.get(k).map(|v| v.to_string());
    file::parse(text, "t.toml", &get, &defaults, chrono_tz::UTC).map(|f| f.robots)
}

fn refused(text: &str) -> String {
    let e = parse(text).expect_err("refused").to_string();
    assert!(!e.contains("s3cret"), "{e}");
    e
}

#[test]
fn a_card_robot_gets_its_keys_expanded_and_robot_code_defaults_to_app_key() {
    let robots = parse(CARD).expect("loads");
    let card = robots[0].card.as_ref().expect("a card robot");
    assert!(robots[0].webhook.is_none() && robots[0].secret.is_none());
    assert_eq!(card.app.app_secret.expose(), "app-s3cret");
    assert_eq!(card.callback_secret.expose(), "cb-s3cret");
    assert_eq!(card.robot_code, "dingappkey");
    assert_eq!(card.app.app_key, "dingappkey");
    let shown = format!("{robots:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    let explicit = CARD.replace(
        "kind = \"card\"",
        "kind = \"card\"\nrobot_code = \"dingrobot\"",
    );
    let robots = parse(&explicit).expect("loads");
    assert_eq!(
        robots[0].card.as_ref().map(|c| c.robot_code.as_str()),
        Some("dingrobot")
    );
}

#[test]
fn every_card_key_is_required_and_named_when_missing() {
    for key in [
        "app_key",
        "app_secret",
        "card_template_id",
        "open_conversation_id",
        "callback_secret",
    ] {
        let text: String = CARD
            .lines()
            .filter(|l| !l.starts_with(&format!("{key} ")))
            .collect::<Vec<_>>()
            .join("\n");
        let e = refused(&text);
        assert!(
            e.contains("`oncall-cards`") && e.contains(key),
            "{key}: {e}"
        );
    }
    let e = refused(&CARD.replace("${CB_SECRET}", "${NOT_SET}"));
    assert!(
        e.contains("callback_secret") && e.contains("NOT_SET"),
        "{e}"
    );
    let e = refused(&CARD.replace("\"tpl.schema\"", "\"  \""));
    assert!(e.contains("card_template_id is empty"), "{e}");
}

#[test]
fn custom_and_card_keys_do_not_mix() {
    let e = refused(&CARD.replace(
        "kind = \"card\"",
        "kind = \"card\"\nwebhook = \"https://x/robot/send\"",
    ));
    assert!(e.contains("webhook is for custom robots"), "{e}");
    let e = refused(&CARD.replace("kind = \"card\"", "kind = \"card\"\nsecret = \"SEC1\""));
    assert!(e.contains("secret is for custom robots"), "{e}");
    let custom = "[[robots]]\nname = \"c\"\nwebhook = \"https://x/robot/send\"\napp_key = \"k\"\n";
    let e = refused(custom);
    assert!(e.contains("app_key is for kind = \"card\" robots"), "{e}");
    let e = refused("[[robots]]\nname = \"c\"\n");
    assert!(e.contains("webhook is required"), "{e}");
    let e = refused(&CARD.replace("kind = \"card\"", "kind = \"cards\""));
    assert!(e.contains("custom") && e.contains("card"), "{e}");
    let plain =
        parse("[[robots]]\nname = \"c\"\nkind = \"custom\"\nwebhook = \"https://x/robot/send\"\n")
            .expect("an explicit custom robot loads");
    assert!(plain[0].card.is_none() && plain[0].webhook.is_some());
}

#[test]
fn the_api_url_has_a_default_and_must_be_http() {
    let s = Settings::from_lookup(|_| None).expect("loads");
    assert_eq!(s.dingtalk_api_url, "https://api.dingtalk.com");
    let s =
        Settings::from_lookup(|k| (k == "DINGTALK_API_URL").then(|| "http://127.0.0.1:9/".into()))
            .expect("loads");
    assert_eq!(s.dingtalk_api_url, "http://127.0.0.1:9");
    let e = Settings::from_lookup(|k| (k == "DINGTALK_API_URL").then(|| "ftp://x".into()))
        .expect_err("refused");
    assert!(e.to_string().contains("DINGTALK_API_URL"), "{e}");
}

#[test]
fn the_quota_and_the_fallback_robot_are_optional_and_checked() {
    let robots = parse(CARD).expect("loads");
    let card = robots[0].card.as_ref().expect("a card robot");
    assert_eq!(
        (card.api_calls_per_month, card.fallback.is_some()),
        (None, false)
    );
    let with = CARD.replace(
        "kind = \"card\"",
        "kind = \"card\"\napi_calls_per_month = 10000\n\
         fallback_webhook = \"https://oapi.dingtalk.com/robot/send?access_token=${APP_SECRET}\"\n\
         fallback_secret = \"${CB_SECRET}\"",
    );
    let robots = parse(&with).expect("loads");
    let card = robots[0].card.as_ref().expect("a card robot");
    assert_eq!(card.api_calls_per_month, Some(10_000));
    let fallback = card.fallback.as_ref().expect("a fallback");
    assert!(fallback.webhook.expose().ends_with("app-s3cret"));
    assert_eq!(
        fallback.secret.as_ref().map(|s| s.expose()),
        Some("cb-s3cret")
    );
    let shown = format!("{robots:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    for (bad, says) in [
        ("api_calls_per_month = 0", "api_calls_per_month"),
        (
            "fallback_webhook = \"ftp://${APP_SECRET}\"",
            "fallback_webhook",
        ),
        (
            "fallback_secret = \"${CB_SECRET}\"",
            "fallback_secret needs fallback_webhook",
        ),
    ] {
        let e = refused(&CARD.replace("kind = \"card\"", &format!("kind = \"card\"\n{bad}")));
        assert!(e.contains(says), "{bad}: {e}");
    }
    let custom =
        "[[robots]]\nname = \"r\"\nwebhook = \"https://x.example/\"\napi_calls_per_month = 5\n";
    assert!(refused(custom).contains("api_calls_per_month is for kind = \"card\""));
}
