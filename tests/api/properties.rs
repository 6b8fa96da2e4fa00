//! Properties a machine checks with many generated inputs (proptest): a signed webhook of any
//! shape is answered 2xx or 4xx, never a 5xx; any configuration text gives a working config or
//! an error that names no secret.

use crate::helpers::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sentry_dingtalk::Settings;
use serde_json::Value;

const KEYS: &[&str] = &[
    "action",
    "data",
    "issue",
    "event",
    "id",
    "title",
    "level",
    "culprit",
    "url",
    "web_url",
    "issue_url",
    "project",
    "project_slug",
    "exception",
    "values",
    "stacktrace",
    "frames",
    "tags",
    "user",
    "request",
    "metric_alert",
    "comment",
    "description_text",
    "triggered_rule",
    "installation",
    "actor",
    "timestamp",
    "lineno",
    "filename",
    "function",
    "value",
    "type",
    "status",
    "substatus",
    "assignedTo",
    "event_id",
    "issue_id",
    "shortId",
    "count",
    "message",
    "metadata",
    "contexts",
    "environment",
    "release",
    "platform",
    "in_app",
    "incident",
];
const WORDS: &[&str] = &[
    "created",
    "resolved",
    "unresolved",
    "assigned",
    "ignored",
    "archived",
    "triggered",
    "critical",
    "warning",
    "fatal",
    "error",
    "info",
    "https://sentry.io/organizations/a/issues/1/",
    "javascript:alert(1)",
    "<b>x</b>",
    "[x](http://e)",
    "@all",
    "",
];

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(WORDS).prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(prop::sample::select(KEYS), inner, 0..8).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let samples: Vec<Vec<u8>> = std::fs::read_dir(repo_path("examples/payloads"))
        .expect("examples")
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .collect();
    prop_oneof![
        // Sentry's envelope around anything.
        (
            prop::sample::select(WORDS),
            prop::sample::select(KEYS),
            json()
        )
            .prop_map(|(action, key, v)| {
                serde_json::json!({"action": action, "data": {key: v}})
                    .to_string()
                    .into_bytes()
            }),
        json().prop_map(|v| v.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..256),
        // A real payload, cut short or with one byte changed.
        (
            prop::sample::select(samples),
            any::<prop::sample::Index>(),
            any::<u8>(),
            any::<bool>()
        )
            .prop_map(|(mut b, at, byte, cut)| {
                let i = at.index(b.len().max(1)).min(b.len().saturating_sub(1));
                if cut {
                    b.truncate(i)
                } else if let Some(x) = b.get_mut(i) {
                    *x = byte
                }
                b
            }),
    ]
}

fn resource() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            &[
                "issue",
                "comment",
                "event_alert",
                "metric_alert",
                "error",
                "installation",
                "seer",
                ""
            ][..]
        )
        .prop_map(str::to_string),
        "[ -~]{0,24}",
    ]
}

/// One relay for all cases: through its real HTTP edge, signed with the client secret.
#[test]
fn any_signed_body_with_any_resource_is_answered_2xx_or_4xx() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let app = rt.block_on(spawn_app());
    let mut runner = TestRunner::new(Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&(body(), resource()), |(body, resource)| {
        let status = rt.block_on(async {
            let sig = sentry_dingtalk::signature::sign(
                &body,
                &sentry_dingtalk::Secret::new(CLIENT_SECRET),
            );
            app.post(Some(&resource), Some(&sig), body.clone())
                .await
                .status()
                .as_u16()
        });
        prop_assert!(
            (200..500).contains(&status),
            "{status} for {resource:?}: {}",
            String::from_utf8_lossy(&body)
        );
        Ok(())
    });
    drop(app);
    if let Err(e) = result {
        panic!("{e}");
    }
}

const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const SEC: &str = "SECb1e2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
const ENV_TOKEN: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const ENV_SEC: &str = "SECenv9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3";

/// Lines of a configuration file: right and wrong keys, secrets where they belong and where
/// they do not (a wrong type, a key, a broken line), and plain junk.
fn config_line() -> impl Strategy<Value = String> {
    let url = format!("https://oapi.dingtalk.com/robot/send?access_token={TOKEN}");
    let fixed: Vec<String> = vec![
        "[[robots]]".into(),
        "[[routes]]".into(),
        "[routes.mention]".into(),
        "name = \"ops\"".into(),
        "name = \"b\"".into(),
        "robots = [\"ops\"]".into(),
        "unmatched = \"drop\"".into(),
        format!("webhook = \"{url}\""),
        format!("secret = \"{SEC}\""),
        "webhook = \"${ROBOT_URL}\"".into(),
        "secret = \"${ROBOT_SECRET}\"".into(),
        "keyword = \"${ROBOT_SECRET}\"".into(),
        "webhook = \"${MISSING}\"".into(),
        "mention = { mobiles = [\"${ROBOT_SECRET}\"] }".into(),
        format!("webhook = \"{SEC}\""),
        format!("webhook = \"ftp://x/?access_token={TOKEN}\""),
        format!("rate_per_minute = \"{SEC}\""),
        format!("rate_per_minute = {TOKEN}"),
        format!("repeat_interval = [\"{SEC}\"]"),
        format!("continue = \"{TOKEN}\""),
        format!("{SEC} = 1"),
        format!("\"{TOKEN}\" = \"{SEC}\""),
        format!("[{SEC}]"),
        format!("webhook = \"{url}\" secret = \"{SEC}\""),
        format!("secret = \"{SEC}"),
        format!("webhook = {url}"),
        format!("secret = '''{SEC}"),
        format!("tags = {{ {SEC} = 1 }}"),
        format!("unmatched = \"{SEC}\""),
        format!("robots = [\"ops\", {SEC}]"),
    ];
    prop_oneof![
        4 => prop::sample::select(fixed),
        1 => "[ -~]{0,30}",
        1 => "[ -~]{0,10}".prop_map(|junk| format!("secret = \"{SEC}{junk}")),
    ]
}

#[test]
fn any_configuration_text_loads_or_is_refused_without_a_secret_in_the_error() {
    let defaults = Settings::from_lookup(|_| None).expect("defaults").env_robot;
    let env = |k: &str| match k {
        "ROBOT_URL" => Some(format!(
            "https://oapi.dingtalk.com/robot/send?access_token={ENV_TOKEN}"
        )),
        "ROBOT_SECRET" => Some(ENV_SEC.to_string()),
        _ => None,
    };
    let mut runner = TestRunner::new(Config {
        cases: 512,
        failure_persistence: None,
        ..Config::default()
    });
    let lines = prop::collection::vec(config_line(), 0..10).prop_map(|l| l.join("\n"));
    let result = runner.run(&lines, |text| {
        if let Err(e) =
            sentry_dingtalk::parse_config_file(&text, "c.toml", &env, &defaults, chrono_tz::UTC)
        {
            let msg = e.to_string();
            prop_assert!(
                msg.len() > "config file c.toml: ".len(),
                "an empty reason for:\n{text}"
            );
            for secret in [TOKEN, SEC, ENV_TOKEN, ENV_SEC, &SEC[..12], &TOKEN[..12]] {
                prop_assert!(!msg.contains(secret), "{msg}\nfor:\n{text}");
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
