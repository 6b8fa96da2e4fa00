//! Routing to several robots, mentions, repeat suppression, and reload, with two fake robots.

mod check_command;
mod config_files;
mod reload;

use crate::fake_robot::{FakeRobot, Received};
use crate::helpers::*;
use serde_json::json;

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
    let robots = robot_entry("payments", payments, "") + &robot_entry("oncall", oncall, "");
    format!("{top}\n{robots}{routes}")
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
