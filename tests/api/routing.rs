//! Routing to several robots, mentions, repeat suppression, and reload, with two fake robots.

use crate::fake_robot::{FakeRobot, Received};
use crate::helpers::*;
use sentry_dingtalk::{ConfigError, Settings};
use serde_json::json;
use std::time::Duration;

fn event(project: &str, env: &str, level: &str, issue: u64, tags: &[(&str, &str)]) -> Vec<u8> {
    let tags: Vec<_> = tags.iter().map(|(k, v)| json!([k, v])).collect();
    json!({"action": "triggered", "data": {"event": {
        "event_id": format!("{:032x}", rand_id()), "issue_id": issue.to_string(), "title": format!("Boom in {project}"),
        "level": level, "environment": env, "tags": tags,
        "url": format!("https://sentry.io/api/0/projects/acme/{project}/events/x/"),
        "web_url": format!("https://sentry.io/organizations/acme/issues/{issue}/events/x/")}}})
    .to_string()
    .into_bytes()
}

fn rand_id() -> u128 {
    uuid::Uuid::new_v4().as_u128()
}

/// Top-level keys (like `unmatched`) go before the first `[[…]]` table, routes after robots.
fn config(payments: &FakeRobot, oncall: &FakeRobot, routes: &str) -> String {
    let (top, routes) = match routes.find("[[") {
        Some(i) => routes.split_at(i),
        None => (routes, ""),
    };
    format!(
        r#"{top}
[[robots]]
name = "payments"
webhook = "{}"
secret = "{ROBOT_SECRET}"
group_window = "0s"

[[robots]]
name = "oncall"
webhook = "{}"
secret = "{ROBOT_SECRET}"
group_window = "0s"
{routes}"#,
        payments.webhook, oncall.webhook
    )
}

struct Setup {
    app: TestApp,
    payments: FakeRobot,
    oncall: FakeRobot,
    _dir: tempfile::TempDir,
}

async fn setup(routes: &str) -> Setup {
    let payments = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let oncall = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let text = config(&payments, &oncall, routes);
    let app = spawn_app_with(|s| with_config_file(s, dir.path(), &text)).await;
    Setup {
        app,
        payments,
        oncall,
        _dir: dir,
    }
}

fn texts(r: &[Received]) -> Vec<String> {
    r.iter().map(|x| x.text()).collect()
}

#[tokio::test]
async fn routes_by_project_environment_level_and_tag_with_continue_and_default() {
    let s = setup(
        r#"
[[routes]]
name = "payments-prod"
projects = ["payments-*"]
environments = ["production"]
min_level = "error"
tags = { region = "cn-*" }
robots = ["payments"]
continue = true

[[routes]]
name = "fatal-oncall"
min_level = "fatal"
robots = ["oncall"]
mention = { mobiles = ["13800001111"], user_ids = ["ops01"] }
"#,
    )
    .await;
    let s = &s;
    let post = |b: Vec<u8>| async move { s.app.post_signed("event_alert", &b).await };
    // payments route and, through continue, the fatal route.
    post(event(
        "payments-api",
        "production",
        "fatal",
        1,
        &[("region", "cn-hangzhou")],
    ))
    .await;
    // Matches nothing: staging → default robot.
    post(event(
        "payments-api",
        "staging",
        "error",
        2,
        &[("region", "cn-hangzhou")],
    ))
    .await;
    // Wrong tag value → not payments; not fatal → default robot.
    post(event(
        "payments-api",
        "production",
        "error",
        3,
        &[("region", "us-east")],
    ))
    .await;
    // Project glob misses, fatal → oncall only.
    post(event("web-frontend", "production", "fatal", 4, &[])).await;
    // An issue webhook carries no environment or tags: the payments route still takes it.
    let issue = json!({"action": "created", "data": {"issue": {"id": "5", "title": "Issue five", "level": "error",
        "project": {"slug": "payments-api"}}}});
    s.app
        .post_signed("issue", issue.to_string().as_bytes())
        .await;

    assert!(
        s.payments.wait_for(WAIT, |p| p.len() == 2).await,
        "payments: {:?}",
        texts(&s.payments.posted())
    );
    assert!(
        s.oncall.wait_for(WAIT, |p| p.len() == 2).await,
        "oncall: {:?}",
        texts(&s.oncall.posted())
    );
    assert!(
        s.app.robot.wait_for(WAIT, |p| p.len() == 2).await,
        "default: {:?}",
        texts(&s.app.robot.posted())
    );
    let pay = texts(&s.payments.posted()).join("\n");
    assert!(
        pay.contains("/issues/1/") && pay.contains("/issues/5/"),
        "{pay}"
    );
    let oncall = s.oncall.posted();
    let on = texts(&oncall).join("\n");
    assert!(
        on.contains("/issues/1/") && on.contains("/issues/4/"),
        "{on}"
    );
    let def = texts(&s.app.robot.posted()).join("\n");
    assert!(
        def.contains("/issues/2/") && def.contains("/issues/3/"),
        "{def}"
    );
    // Mentions: in `at` and written as @… in the text.
    for r in &oncall {
        assert_eq!(r.body["at"]["atMobiles"], json!(["13800001111"]));
        assert_eq!(r.body["at"]["atUserIds"], json!(["ops01"]));
        assert!(r.text().contains("@13800001111 @ops01"), "{}", r.text());
    }
    assert!(
        s.payments
            .posted()
            .iter()
            .all(|r| r.body["at"]["atMobiles"] == json!([]))
    );
}

#[tokio::test]
async fn unmatched_drop_and_merged_routes_to_one_robot() {
    let s = setup(
        r#"
unmatched = "drop"

[[routes]]
projects = ["payments-*"]
robots = ["payments"]
mention = { mobiles = ["13800001111"], min_level = "fatal" }
continue = true

[[routes]]
environments = ["production"]
robots = ["payments"]
mention = { user_ids = ["lead01"] }
"#,
    )
    .await;
    s.app
        .post_signed(
            "event_alert",
            &event("payments-api", "production", "fatal", 10, &[]),
        )
        .await;
    let resp = s
        .app
        .post_signed("event_alert", &event("other", "staging", "error", 11, &[]))
        .await;
    assert_eq!(json_body(resp).await["status"], "dropped");
    s.app
        .post_signed(
            "event_alert",
            &event("payments-api", "production", "error", 12, &[]),
        )
        .await;
    assert!(s.payments.wait_for(WAIT, |p| p.len() == 2).await);
    let posted = s.payments.posted();
    let fatal = posted
        .iter()
        .find(|r| r.text().contains("/issues/10/"))
        .expect("fatal alert");
    assert_eq!(
        fatal.body["at"]["atMobiles"],
        json!(["13800001111"]),
        "both routes, one message"
    );
    assert_eq!(fatal.body["at"]["atUserIds"], json!(["lead01"]));
    let error = posted
        .iter()
        .find(|r| r.text().contains("/issues/12/"))
        .expect("error alert");
    assert_eq!(
        error.body["at"]["atMobiles"],
        json!([]),
        "the mobile is only for fatal"
    );
    assert!(!error.text().contains("@13800001111"));
    assert!(
        s.app.robot.log().is_empty() && s.oncall.log().is_empty(),
        "nothing else was sent"
    );
}

#[tokio::test]
async fn repeats_are_suppressed_within_the_interval_and_state_changes_pass() {
    let s = setup(
        r#"
[[routes]]
projects = ["payments-*"]
robots = ["payments"]
repeat_interval = "1h"
"#,
    )
    .await;
    let s = &s;
    let post = |b: Vec<u8>| async move { s.app.post_signed("event_alert", &b).await };
    assert_eq!(
        json_body(post(event("payments-api", "production", "error", 7, &[])).await).await["status"],
        "queued"
    );
    for _ in 0..2 {
        let resp =
            json_body(post(event("payments-api", "production", "error", 7, &[])).await).await;
        assert_eq!(resp["status"], "suppressed", "{resp}");
    }
    // Another issue is not a repeat.
    assert_eq!(
        json_body(post(event("payments-api", "production", "error", 8, &[])).await).await["status"],
        "queued"
    );
    // A state change always passes and says how many repeats were folded in.
    let resolved = json!({"action": "resolved", "data": {"issue": {"id": "7", "title": "Boom in payments-api",
        "project": {"slug": "payments-api"}}}});
    assert_eq!(
        json_body(
            s.app
                .post_signed("issue", resolved.to_string().as_bytes())
                .await
        )
        .await["status"],
        "queued"
    );
    assert!(s.payments.wait_for(WAIT, |p| p.len() == 3).await);
    let last = s
        .payments
        .posted()
        .into_iter()
        .find(|r| r.text().contains("问题已解决"))
        .expect("resolved message");
    assert!(last.text().contains("2"), "{}", last.text());
    assert!(
        last.text().contains("此前未通知的重复告警"),
        "{}",
        last.text()
    );
}

#[tokio::test]
async fn reload_takes_a_good_file_and_refuses_a_bad_one() {
    let payments = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let oncall = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let first = config(&payments, &oncall, "[[routes]]\nrobots = [\"payments\"]\n");
    let app = spawn_app_with(|s| {
        with_config_file(s, dir.path(), &first);
        s.admin_token = Some(sentry_dingtalk::Secret::new("admin-secret-0123456789"));
    })
    .await;
    let reload = |token: &str| {
        app.http
            .post(format!("{}/-/reload", app.address))
            .header("Authorization", format!("Bearer {token}"))
            .send()
    };
    assert_eq!(
        reload("wrong").await.expect("answer").status().as_u16(),
        401
    );
    app.post_signed("event_alert", &event("a", "production", "error", 20, &[]))
        .await;
    assert!(payments.wait_for(WAIT, |p| p.len() == 1).await);

    std::fs::write(
        dir.path().join("sentry-dingtalk.toml"),
        config(&payments, &oncall, "[[routes]]\nrobots = [\"oncall\"]\n"),
    )
    .expect("write");
    assert_eq!(
        reload("admin-secret-0123456789")
            .await
            .expect("answer")
            .status()
            .as_u16(),
        200
    );
    app.post_signed("event_alert", &event("a", "production", "error", 21, &[]))
        .await;
    assert!(
        oncall.wait_for(WAIT, |p| p.len() == 1).await,
        "the new route is in force"
    );

    std::fs::write(
        dir.path().join("sentry-dingtalk.toml"),
        "[[routes]]\nrobots = [\"ghost\"]\n",
    )
    .expect("write");
    let refused = reload("admin-secret-0123456789").await.expect("answer");
    assert_eq!(refused.status().as_u16(), 422);
    assert!(
        json_body(refused).await["message"]
            .as_str()
            .unwrap_or_default()
            .contains("ghost")
    );
    app.post_signed("event_alert", &event("a", "production", "error", 22, &[]))
        .await;
    assert!(
        oncall.wait_for(WAIT, |p| p.len() == 2).await,
        "the last good configuration keeps serving"
    );
    assert_eq!(payments.posted().len(), 1);
}

#[tokio::test]
async fn reload_is_404_without_an_admin_token() {
    let app = spawn_app().await;
    let resp = app
        .http
        .post(format!("{}/-/reload", app.address))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status().as_u16(), 404);
}

fn load(toml: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("c.toml");
    std::fs::write(&path, toml).expect("write");
    let mut vars: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    vars.push(("CONFIG_FILE".into(), path.display().to_string()));
    Settings::from_lookup(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
}

#[test]
fn bad_config_files_are_refused_with_a_message_that_names_the_problem() {
    let robot =
        "[[robots]]\nname = \"a\"\nwebhook = \"https://x.example/robot/send?access_token=t\"\n";
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a [&'a str]);
    let cases: Vec<Case> = vec![
        (
            format!("{robot}colour = \"red\"\n"),
            vec![],
            &["colour", "line 4"],
        ),
        (
            format!("{robot}{robot}"),
            vec![],
            &["duplicate robot name", "`a`"],
        ),
        (
            "[[routes]]\nrobots = [\"nobody\"]\n".into(),
            vec![],
            &["robot `nobody` is not defined"],
        ),
        (
            format!("{robot}[[routes]]\nprojects = [\"pay[\"]\nrobots = [\"a\"]\n"),
            vec![],
            &["malformed glob", "pay["],
        ),
        (
            "[[robots]]\nname = \"a\"\nwebhook = \"${ROBOT_URL}\"\n".into(),
            vec![],
            &["ROBOT_URL is not set"],
        ),
        (
            format!("{robot}[[routes]]\nmin_level = \"loud\"\nrobots = [\"a\"]\n"),
            vec![],
            &["min_level", "loud"],
        ),
        (
            format!("{robot}[[routes]]\nrobots = [\"a\"]\nrepeat_interval = \"soon\"\n"),
            vec![],
            &["repeat_interval"],
        ),
        (
            "[[robots]]\nname = \"default\"\nwebhook = \"https://x.example/r?access_token=t\"\n"
                .into(),
            vec![("DINGTALK_WEBHOOK", "https://y.example/r?access_token=u")],
            &["defined both"],
        ),
    ];
    for (toml, env, wants) in cases {
        let err = load(&toml, &env)
            .err()
            .unwrap_or_else(|| panic!("accepted:\n{toml}"))
            .to_string();
        for want in wants {
            assert!(err.contains(want), "{want:?} not in {err:?}");
        }
        assert!(!err.contains("access_token=t"), "a robot URL leaked: {err}");
    }
}

#[test]
fn env_vars_are_substituted_into_secrets() {
    let toml = "[[robots]]\nname = \"p\"\nwebhook = \"${P_URL}\"\nsecret = \"${P_SECRET}\"\nrate_per_minute = 10\ngroup_window = \"5s\"\n";
    let s = load(
        toml,
        &[
            (
                "P_URL",
                "https://oapi.dingtalk.com/robot/send?access_token=abc",
            ),
            ("P_SECRET", "SECabc"),
        ],
    )
    .expect("loads");
    let p = s.robot("p").expect("robot p");
    assert_eq!(
        p.webhook.as_ref().map(|w| w.expose()),
        Some("https://oapi.dingtalk.com/robot/send?access_token=abc")
    );
    assert_eq!(p.secret.as_ref().map(|w| w.expose()), Some("SECabc"));
    assert_eq!(
        (p.rate_per_minute, p.group_window),
        (10, Duration::from_secs(5))
    );
    assert!(
        s.robot("default").is_some(),
        "the env robot stays as `default`"
    );
}

#[test]
fn the_example_file_loads() {
    let text = std::fs::read_to_string(repo_path("sentry-dingtalk.example.toml")).expect("example");
    let env = [
        (
            "PAYMENTS_ROBOT_URL",
            "https://oapi.dingtalk.com/robot/send?access_token=p",
        ),
        ("PAYMENTS_ROBOT_SECRET", "SECp"),
        (
            "ONCALL_ROBOT_URL",
            "https://oapi.dingtalk.com/robot/send?access_token=o",
        ),
        ("ONCALL_ROBOT_SECRET", "SECo"),
    ];
    let s = load(&text, &env).expect("the example is valid");
    assert_eq!(s.routes.len(), 2);
    assert!(
        s.routes[1].escalation.is_some(),
        "the on-call route escalates"
    );
    assert_eq!(
        s.robots.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["default", "payments", "oncall"]
    );
}

#[test]
fn check_prints_the_routing_table_and_explains() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("r.toml");
    std::fs::write(&path, "[[robots]]\nname = \"pay\"\nwebhook = \"https://x.example/r?access_token=secret-token\"\n\n[[routes]]\nname = \"pay-route\"\nprojects = [\"payments-*\"]\nrobots = [\"pay\"]\nmention = { mobiles = [\"13800001111\"] }\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .args([
            "check",
            "--explain",
            "examples/payloads/event_alert-triggered.json",
        ])
        .env("CONFIG_FILE", &path)
        .env_remove("DINGTALK_WEBHOOK")
        .output()
        .expect("check runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("route 0 pay-route: projects=payments-* → pay | mention @13800001111"),
        "{stdout}"
    );
    assert!(
        stdout.contains("→ robot pay mentions @13800001111 (route pay-route"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("secret-token"),
        "robot URL leaked: {stdout}"
    );
}

#[test]
fn check_shows_mute_windows_and_which_targets_are_held_now() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("m.toml");
    std::fs::write(
        &path,
        "[[robots]]\nname = \"pay\"\nwebhook = \"https://x.example/r?access_token=t\"\n\n\
         [[mute_times]]\nname = \"always\"\nzone = \"UTC\"\ntimes = [\"00:00-24:00\"]\n\n\
         [[routes]]\nname = \"quiet\"\nrobots = [\"pay\"]\nmute_times = [\"always\"]\n",
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .args([
            "check",
            "--explain",
            "examples/payloads/event_alert-triggered.json",
        ])
        .env("CONFIG_FILE", &path)
        .env_remove("DINGTALK_WEBHOOK")
        .output()
        .expect("check runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "mute window always: every day 00:00-24:00 UTC (active all the time)",
        "route 0 quiet: any alert → pay",
        "  mute: always (active all the time)",
        "→ robot pay mentions nobody (route quiet",
        "    held now by mute window always",
    ] {
        assert!(stdout.contains(expected), "{expected}\nnot in:\n{stdout}");
    }

    std::fs::write(
        &path,
        "[[robots]]\nname = \"pay\"\nwebhook = \"https://x.example/r?access_token=t\"\n\n\
         [[routes]]\nrobots = [\"pay\"]\nmute_times = [\"nihgts\"]\n",
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .arg("check")
        .env("CONFIG_FILE", &path)
        .env_remove("DINGTALK_WEBHOOK")
        .output()
        .expect("check runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("routes[0].mute_times: unknown window \"nihgts\""),
        "{stderr}"
    );
}

#[tokio::test]
async fn sighup_reloads_the_file_and_a_broken_one_keeps_the_last_good() {
    let payments = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let oncall = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("routes.toml");
    std::fs::write(
        &file,
        config(&payments, &oncall, "[[routes]]\nrobots = [\"payments\"]\n"),
    )
    .expect("write");
    let port = free_port();
    let file_s = file.display().to_string();
    let mut child = serve(
        &payments,
        &dir.path().join("data"),
        port,
        &[("CONFIG_FILE", file_s.as_str())],
    );
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    assert!(wait_healthy(&client, &base).await);
    let post = |issue: u64| {
        let body = event("a", "production", "error", issue, &[]);
        let sig =
            sentry_dingtalk::signature::sign(&body, &sentry_dingtalk::Secret::new(CLIENT_SECRET));
        client
            .post(format!("{base}/webhooks/sentry"))
            .header("Sentry-Hook-Resource", "event_alert")
            .header("Sentry-Hook-Signature", sig)
            .body(body)
            .send()
    };
    let hup = || {
        std::process::Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status()
            .expect("kill -HUP")
    };
    post(30).await.expect("posted");
    let first = payments.wait_for(WAIT, |p| p.len() == 1).await;

    std::fs::write(
        &file,
        config(&payments, &oncall, "[[routes]]\nrobots = [\"oncall\"]\n"),
    )
    .expect("write");
    assert!(hup().success());
    // The reload is asynchronous: post until a message lands at the new robot.
    let mut moved = false;
    for issue in 31..60 {
        post(issue).await.expect("posted");
        if oncall
            .wait_for(Duration::from_millis(300), |p| !p.is_empty())
            .await
        {
            moved = true;
            break;
        }
    }
    std::fs::write(&file, "[[routes]]\nrobots = [\"ghost\"]\n").expect("write");
    assert!(hup().success());
    let log = dir.path().join("data").join("relay.log");
    let refused = poll(WAIT, || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("reload refused")
    })
    .await;
    let before = oncall.posted().len();
    post(99).await.expect("posted");
    let kept = oncall.wait_for(WAIT, |p| p.len() == before + 1).await;
    child.kill().ok();
    child.wait().ok();
    assert!(first, "the first file routed to payments");
    assert!(moved, "after SIGHUP the new route is in force");
    assert!(
        refused,
        "the broken file was refused, with the reason in the log"
    );
    assert!(
        kept,
        "a broken file on SIGHUP keeps the last good configuration"
    );
}
