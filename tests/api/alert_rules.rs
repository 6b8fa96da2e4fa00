//! The alert-rule action end to end: the schema Sentry is given, the signed requests its editor
//! makes, and alerts whose rule settings pick the robot. A relay with two robots and a route
//! that sends everything to the first.

use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use sentry_dingtalk::{Secret, signature};
use serde_json::{Value, json};

pub struct TwoRobots {
    pub app: TestApp,
    pub payments: FakeRobot,
    pub oncall: FakeRobot,
    _dir: tempfile::TempDir,
}

pub async fn two_robots() -> TwoRobots {
    let payments = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let oncall = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let robots = robot_entry("payments", &payments, "description = \"支付组值班群\"\n")
        + &robot_entry("oncall", &oncall, "");
    let team = crate::escalation::TEAM;
    let text = format!(
        r#"{robots}
[[routes]]
name = "everything-to-payments"
robots = ["payments"]
{team}"#
    );
    let app = spawn_app_with(|s| with_config_file(s, dir.path(), &text)).await;
    TwoRobots {
        app,
        payments,
        oncall,
        _dir: dir,
    }
}

/// The schema as the `schema` command prints it.
pub fn printed_schema() -> Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .arg("schema")
        .env_clear()
        .current_dir(std::env::temp_dir())
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("schema is JSON")
}

/// Sentry's validator rules (sentry_apps/api/parsers/schema.py), as the research lists them.
fn sentry_validator_problems(schema: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let elements = schema["elements"].as_array().cloned().unwrap_or_default();
    let mut types: Vec<&str> = elements.iter().filter_map(|e| e["type"].as_str()).collect();
    let n = types.len();
    types.sort();
    types.dedup();
    if types.len() != n || n != elements.len() {
        problems.push("an element type appears twice, or an element has no type".into());
    }
    for el in &elements {
        let s = &el["settings"];
        if !s["uri"].as_str().is_some_and(|u| u.starts_with('/')) {
            problems.push("settings.uri is not a path starting with /".into());
        }
        let desc = s["description"].as_str().unwrap_or_default();
        if desc.chars().count() > 140 {
            problems.push(format!(
                "description has {} characters",
                desc.chars().count()
            ));
        }
        let required = s["required_fields"].as_array().cloned().unwrap_or_default();
        if required.is_empty() {
            problems.push("required_fields is empty".into());
        }
        let optional = s["optional_fields"].as_array().cloned().unwrap_or_default();
        for f in required.iter().chain(&optional) {
            let name = f["name"].as_str().unwrap_or("?");
            if ["type", "name", "label"].iter().any(|k| !f[k].is_string()) {
                problems.push(format!("field {name} lacks type, name or label"));
            }
            match f["type"].as_str() {
                Some("select") => {
                    let (uri, options) = (f.get("uri"), f.get("options"));
                    if uri.is_some() == options.is_some() {
                        problems.push(format!("select {name} needs exactly one of uri/options"));
                    }
                    if uri.is_some_and(|u| !u.as_str().is_some_and(|u| u.starts_with('/'))) {
                        problems.push(format!("select {name}: uri is not a path"));
                    }
                    let pairs_ok = options.is_none_or(|o| {
                        o.as_array().is_some_and(|o| {
                            o.iter().all(|p| p.as_array().is_some_and(|p| p.len() == 2))
                        })
                    });
                    if !pairs_ok {
                        problems.push(format!(
                            "select {name}: options are not [value, label] pairs"
                        ));
                    }
                }
                Some("text" | "textarea") => {}
                other => problems.push(format!("field {name} has type {other:?}")),
            }
        }
    }
    problems
}

#[test]
fn the_printed_schema_passes_sentrys_validator_rules() {
    let schema = printed_schema();
    assert_eq!(schema["elements"][0]["type"], "alert-rule-action");
    assert_eq!(sentry_validator_problems(&schema), Vec::<String>::new());
    // The check itself can fail: a broken schema is caught.
    let mut broken = schema.clone();
    broken["elements"][0]["settings"]["required_fields"] = json!([]);
    let select = schema["elements"][0]["settings"]["optional_fields"]
        .as_array()
        .and_then(|f| f.iter().position(|f| f["type"] == "select"))
        .expect("an optional select (the minimum level)");
    broken["elements"][0]["settings"]["optional_fields"][select]["uri"] = json!("no-slash");
    broken["elements"][0]["settings"]["description"] = json!("x".repeat(141));
    assert_eq!(sentry_validator_problems(&broken).len(), 4, "{broken}");
}

fn app_signature(body: &[u8]) -> String {
    signature::sign(body, &Secret::new(CLIENT_SECRET))
}

async fn options(s: &TwoRobots, query: &str, sig: Option<&str>) -> reqwest::Response {
    let schema = printed_schema();
    let uri = schema["elements"][0]["settings"]["required_fields"][0]["uri"]
        .as_str()
        .expect("options uri");
    let mut req = s.app.http.get(format!(
        "{}{uri}?installationId=5f2b4c1e-0d3a-4a7e-9c1b-2e8f6a7d9b10&projectSlug=payments-api&query={query}",
        s.app.address
    ));
    if let Some(sig) = sig {
        req = req.header("Sentry-App-Signature", sig);
    }
    req.send().await.expect("relay answers")
}

#[tokio::test]
async fn the_signed_options_request_lists_the_robots_and_a_wrong_signature_gets_401() {
    let s = two_robots().await;
    let resp = options(&s, "", Some(&app_signature(b""))).await;
    assert_eq!(resp.status(), 200);
    let list = json_body(resp).await;
    let pairs: Vec<(String, String)> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|o| {
            (
                o["value"].as_str().unwrap_or("").into(),
                o["label"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert!(
        pairs.contains(&("payments".into(), "payments · 支付组值班群".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("oncall".into(), "oncall".into())),
        "{pairs:?}"
    );
    let typed = json_body(options(&s, "%E5%80%BC%E7%8F%AD", Some(&app_signature(b""))).await).await;
    assert_eq!(
        typed,
        json!([{"label": "payments · 支付组值班群", "value": "payments"}])
    );
    let wrong = signature::sign(b"", &Secret::new("not-the-secret"));
    assert_eq!(options(&s, "", Some(&wrong)).await.status(), 401);
    assert_eq!(options(&s, "", None).await.status(), 401);
    // A query the relay cannot read is still a stranger's request first (it got 400 and the
    // parser's plain-text message).
    assert_eq!(options(&s, "a&query=b", None).await.status(), 401);
    let signed = options(&s, "a&query=b", Some(&app_signature(b""))).await;
    assert_eq!(signed.status(), 400);
    assert!(json_body(signed).await["message"].is_string());
}

async fn save_rule(s: &TwoRobots, fields: Value, sign_with: &str) -> reqwest::Response {
    let schema = printed_schema();
    let uri = schema["elements"][0]["settings"]["uri"]
        .as_str()
        .expect("uri");
    let body = json!({"fields": fields, "installationId": "5f2b4c1e"}).to_string();
    s.app
        .http
        .post(format!("{}{uri}", s.app.address))
        .header("Content-Type", "application/json")
        .header(
            "Sentry-App-Signature",
            signature::sign(body.as_bytes(), &Secret::new(sign_with)),
        )
        .body(body)
        .send()
        .await
        .expect("relay answers")
}

#[tokio::test]
async fn saving_a_rule_is_refused_with_a_message_naming_the_problem() {
    let s = two_robots().await;
    let f = |robot: &str, mobiles: &str, level: &str| {
        json!([{"name": "robot", "value": robot}, {"name": "mobiles", "value": mobiles},
               {"name": "min_level", "value": level}, {"name": "note", "value": "看一下"}])
    };
    let ok = save_rule(
        &s,
        f("oncall", "13800001111, 13900002222", "error"),
        CLIENT_SECRET,
    )
    .await;
    assert_eq!(ok.status(), 200);
    for (fields, named) in [
        (f("paymnets", "", ""), "paymnets"),
        (f("oncall", "13800001111, 1380000", ""), "1380000"),
        (f("oncall", "", "loud"), "loud"),
        (json!([{"name": "note", "value": "x"}]), "robot"),
    ] {
        let resp = save_rule(&s, fields, CLIENT_SECRET).await;
        assert_eq!(resp.status(), 400);
        let body = json_body(resp).await;
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(named), "{message}");
    }
    let named = |field: &str, value: &str| json!([{"name": "robot", "value": "oncall"}, {"name": field, "value": value}]);
    let ok = save_rule(&s, named("people", "zhangsan, wangwu"), CLIENT_SECRET).await;
    assert_eq!(ok.status(), 200, "people the relay has");
    for (fields, says) in [
        (
            named("people", "zhangsan, zhaoliu"),
            "unknown person `zhaoliu`",
        ),
        (
            named("oncall", "frontend"),
            "unknown on-call rota `frontend`",
        ),
    ] {
        let resp = save_rule(&s, fields, CLIENT_SECRET).await;
        assert_eq!(resp.status(), 400);
        let message = json_body(resp).await["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(says), "{message}");
    }
    let forged = save_rule(&s, f("oncall", "", ""), "not-the-secret").await;
    assert_eq!(forged.status(), 401);
}
