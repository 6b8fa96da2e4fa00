//! People and rotas on a running relay: a route's `mention.oncall` @-mentions whoever is on
//! call when the alert comes (the message names them), an override through the API puts
//! someone else on call at once, and `oncall` prints who is on call, until when, and next.

use crate::helpers::*;
use crate::silences::issue;
use sentry_dingtalk::Secret;
use serde_json::json;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// zhangsan's week started 2026-11-30 10:00 Shanghai; lisi's starts 2026-12-07.
pub const CONFIG: &str = concat!(
    person_zhangsan!(),
    person_lisi!(),
    rota_backend!(),
    r#"
[[routes]]
name = "payments"
robots = ["default"]
mention = { oncall = ["backend"] }
"#
);

/// Who `CONFIG`'s rota puts on call `ahead` from now (weeks from 2026-11-30T10:00+08:00).
fn rota_person_in(ahead: Duration) -> &'static str {
    const START: u64 = 1_796_004_000;
    const WEEK: u64 = 7 * 24 * 3600;
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        + ahead;
    ["zhangsan", "lisi"][(at.as_secs().saturating_sub(START) / WEEK % 2) as usize]
}

#[tokio::test]
async fn alerts_mention_who_is_on_call_and_an_override_takes_over_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        with_config_file(s, dir.path(), CONFIG);
    })
    .await;
    let (status, now) = api(&app, reqwest::Method::GET, "/api/oncall", None).await;
    assert_eq!(status, 200);
    let on_call = now[0]["person"].as_str().expect("someone").to_owned();
    assert!(["zhangsan", "lisi"].contains(&on_call.as_str()));

    // The override: lisi or zhangsan, whoever is not on call, for 8 hours.
    let other = if on_call == "zhangsan" {
        "lisi"
    } else {
        "zhangsan"
    };
    let refused = [
        (json!({"person": "nobody", "duration": "8h"}), "person"),
        (json!({"person": other, "duration": "0s"}), "duration"),
        (json!({"person": other}), "duration"),
        (
            json!({"person": other, "duration": "8h", "created_by": "x".repeat(501)}),
            "created_by",
        ),
        (
            json!({"person": other, "duration": "8h", "untill": "x"}),
            "body",
        ),
    ];
    for (body, field) in refused {
        let path = "/api/oncall/backend/overrides";
        let (status, answer) = api(&app, reqwest::Method::POST, path, Some(body)).await;
        assert_eq!(status, 400);
        assert!(
            answer["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with(field)
        );
    }
    let unknown = api(
        &app,
        reqwest::Method::POST,
        "/api/oncall/frontend/overrides",
        Some(json!({"person": other, "duration": "8h"})),
    )
    .await;
    assert_eq!(unknown.0, 404);
    assert!(
        unknown.1["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("there is no rota \"frontend\" (rotas: backend")),
        "{}",
        unknown.1
    );
    let body = json!({"person": other, "duration": "8h", "created_by": "ops"});
    let (status, made) = api(
        &app,
        reqwest::Method::POST,
        "/api/oncall/backend/overrides",
        Some(body),
    )
    .await;
    assert_eq!(status, 201);
    let id = made["id"].as_i64().expect("id");
    // Times as `GET /api/oncall` and the silences give them: RFC 3339, in the rota's zone.
    for field in ["starts_at", "ends_at"] {
        let at = made[field].as_str().unwrap_or_default();
        assert!(
            chrono::DateTime::parse_from_rfc3339(at).is_ok(),
            "{field}: {made}"
        );
    }
    assert_eq!(made["created_by"].as_str(), Some("ops"), "{made}");
    let (_, now) = api(&app, reqwest::Method::GET, "/api/oncall", None).await;
    assert_eq!(
        (now[0]["person"].as_str(), now[0]["override"].as_i64()),
        (Some(other), Some(id))
    );
    // Next: whom the rota has when the 8 hours end, which is not `on_call` in the 8 hours
    // before a handoff (the test failed there).
    assert_eq!(
        now[0]["next"].as_str(),
        Some(rota_person_in(Duration::from_secs(8 * 3600)))
    );

    assert_eq!(
        app.post_signed("issue", &issue("801", "Checkout fails"))
            .await
            .status()
            .as_u16(),
        202
    );
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    let msg = app.robot.posted()[0].clone();
    let (shown, at) = if other == "zhangsan" {
        ("张三", ("atUserIds", "manager4321"))
    } else {
        ("李四", ("atMobiles", "13800001111"))
    };
    assert_eq!(msg.body["at"][at.0], json!([at.1]), "{}", msg.body);
    assert!(
        msg.text().contains(&format!("**值班**：{shown}")),
        "{}",
        msg.text()
    );

    // Ended: whoever the rota says is on call again.
    let (status, ended) = api(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/oncall/overrides/{id}"),
        None,
    )
    .await;
    assert_eq!((status, ended["id"].as_i64()), (200, Some(id)));
    let (_, now) = api(&app, reqwest::Method::GET, "/api/oncall", None).await;
    assert_eq!(now[0]["person"].as_str(), Some(on_call.as_str()));
    let missing = api(
        &app,
        reqwest::Method::DELETE,
        "/api/oncall/overrides/999",
        None,
    )
    .await;
    assert_eq!(missing.0, 404);
    // Each 404 says what is not there, as the commands do ("not found" before).
    assert_eq!(
        missing.1["message"], "there is no override #999",
        "{}",
        missing.1
    );
    let not_an_id = api(
        &app,
        reqwest::Method::DELETE,
        "/api/oncall/overrides/abc",
        None,
    )
    .await;
    assert_eq!(not_an_id.0, 404);
    assert!(
        not_an_id.1["message"]
            .as_str()
            .is_some_and(|m| m.contains("`abc` is not an id")),
        "{}",
        not_an_id.1
    );
}

#[tokio::test]
async fn the_oncall_command_prints_who_until_when_and_next() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("sentry-dingtalk.toml");
    std::fs::write(&config, CONFIG).expect("write");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
            .args(args)
            .env_clear()
            .env("CONFIG_FILE", &config)
            .env("DATA_DIR", dir.path().join("data"))
            .env("USER", "ops")
            .output()
            .expect("runs")
    };
    let out = run(&["oncall", "--at", "2026-12-08T09:00:00+08:00"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "backend lisi until 2026-12-14T10:00:00+08:00 next zhangsan"
    );
    let out = run(&["oncall", "--at", "2026-12-07T09:59:59+08:00"]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("backend zhangsan until 2026-12-07T10:00:00+08:00")
    );
    // The rotas show before any relay ran; an override needs the relay's store (in another
    // directory it would be one no relay reads), so it waits until the relay has started once.
    let early = run(&["oncall", "override", "backend", "zhangsan", "--for", "8h"]);
    assert_eq!(early.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&early.stderr).contains("no relay has run with this DATA_DIR"));
    let robot = crate::fake_robot::FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    drop(start_relay(&robot, &dir.path().join("data"), &[]).await);
    let made = run(&["oncall", "override", "backend", "zhangsan", "--for", "8h"]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let id = String::from_utf8_lossy(&made.stdout).trim().to_owned();
    assert!(id.parse::<i64>().is_ok(), "the id alone: {id}");
    let now = run(&["oncall"]);
    let line = String::from_utf8_lossy(&now.stdout).into_owned();
    assert!(
        line.starts_with("backend zhangsan until ") && line.contains(&format!("(override #{id})")),
        "{line}"
    );
    let bad = run(&["oncall", "override", "backend", "nobody", "--for", "8h"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("person: there is no person \"nobody\""));
    let ended = run(&["oncall", "end", &id]);
    assert!(ended.status.success());
    assert!(String::from_utf8_lossy(&ended.stdout).contains("is no longer on call"));
    // Twice: it says so, as `silence expire` does (it said "ended" again).
    let again = run(&["oncall", "end", &id]);
    assert!(again.status.success());
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(said.contains("had already ended at"), "{said}");
}

/// A rota's name is free text: one with `/`, a space and 中文 is still one path segment, for
/// the API and for the console's form (which percent-encodes it).
#[tokio::test]
async fn a_rota_named_with_a_slash_takes_overrides_from_the_api_and_the_console() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = CONFIG
        .replace("name = \"backend\"", "name = \"ops/后端 east\"")
        .replace("oncall = [\"backend\"]", "oncall = [\"ops/后端 east\"]");
    let app = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        with_config_file(s, dir.path(), &config);
    })
    .await;
    let encoded = "ops%2F%E5%90%8E%E7%AB%AF%20east";
    let body = json!({"person": "lisi", "duration": "8h"});
    let path = format!("/api/oncall/{encoded}/overrides");
    let (status, made) = api(&app, reqwest::Method::POST, &path, Some(body)).await;
    assert_eq!(status, 201, "{made}");

    let s = crate::ui_session::session(&app).await;
    let (status, page) = s.get("/ui/oncall").await;
    assert_eq!(status, 200);
    let action = format!("action=\"/ui/oncall/{encoded}/overrides\"");
    assert!(page.contains(&action), "the form posts to {action}: {page}");
    let csrf = crate::ui_session::csrf_in(&page);
    let form = [("person", "zhangsan"), ("duration", "1h"), ("csrf", &csrf)];
    let (status, location) = s
        .post(&format!("/ui/oncall/{encoded}/overrides"), &form)
        .await;
    assert_eq!(status, 303, "{location}");
}

/// A metric alert that @-mentions whoever is on call names them too, as issue alerts do
/// (oncall.md: the built-in templates name them); it mentioned them without a word.
#[tokio::test]
async fn a_metric_alert_names_who_is_on_call() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app_with(|s| with_config_file(s, dir.path(), CONFIG)).await;
    let resp = app
        .post_signed("metric_alert", &example("metric_alert-critical.json"))
        .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    let shown = match rota_person_in(Duration::ZERO) {
        "zhangsan" => "张三",
        _ => "李四",
    };
    let text = app.robot.posted()[0].text();
    assert!(text.contains(&format!("**值班**：{shown}")), "{text}");
}
