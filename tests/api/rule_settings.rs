//! Alerts whose Sentry rule settings pick the robot: issue alerts, metric alerts, the fallback
//! to the routes, and "Send Test Notification".

use crate::alert_rules::{TwoRobots, two_robots};
use crate::helpers::*;
use sentry_dingtalk::payload::{self, LinkBase, Parsed};
use sentry_dingtalk::{Envelope, Lang, Renderer};
use serde_json::{Value, json};
use std::time::Duration;

fn issue_alert(rule_id: i64, settings: Value) -> Vec<u8> {
    let event_id = uuid::Uuid::new_v4().simple().to_string();
    // A new issue each time, so a route's repeat interval does not silence the next one.
    let issue = (uuid::Uuid::new_v4().as_u128() % 1_000_000_000).to_string();
    json!({"action": "triggered", "installation": {"uuid": "5f2b4c1e"}, "data": {
        "event": {"event_id": event_id, "issue_id": issue, "title": "ZeroDivisionError: division by zero",
            "level": "error", "url": "https://sentry.io/api/0/projects/acme/payments-api/events/x/",
            "web_url": format!("https://sentry.io/organizations/acme/issues/{issue}/events/x/")},
        "triggered_rule": "Payments errors",
        "issue_alert": {"id": rule_id, "title": "Payments errors", "sentry_app_id": 3, "settings": settings}},
        "actor": {"type": "application", "id": "sentry", "name": "Sentry"}})
    .to_string()
    .into_bytes()
}

fn choosing(robot: &str) -> Value {
    json!([{"name": "robot", "value": robot}, {"name": "mobiles", "value": "13800001111"},
           {"name": "note", "value": "先查 *数据库* [链接](http://evil.example) @all"}])
}

async fn queued_for(s: &TwoRobots, resource: &str, body: &[u8]) -> Value {
    let resp = s.app.post_signed(resource, body).await;
    assert_eq!(resp.status(), 202);
    json_body(resp).await
}

#[tokio::test]
async fn an_issue_alert_whose_settings_name_the_second_robot_reaches_only_it() {
    let s = two_robots().await;
    let body = queued_for(&s, "event_alert", &issue_alert(12, choosing("oncall"))).await;
    assert_eq!(body, json!({"status": "queued", "robots": ["oncall"]}));
    assert!(s.oncall.wait_for(WAIT, |p| p.len() == 1).await);
    let msg = &s.oncall.posted()[0];
    assert_eq!(msg.body["at"]["atMobiles"], json!(["13800001111"]));
    let text = msg.text();
    assert!(text.contains("@13800001111"), "{text}");
    // The note is shown, and escaped like any payload text.
    assert!(text.contains("先查 \\*数据库\\*"), "{text}");
    assert!(
        !text.contains("](http://evil") && !text.contains("@all"),
        "{text}"
    );
    assert!(s.payments.posted().is_empty());
}

#[tokio::test]
async fn the_rules_people_and_whoever_its_rota_puts_on_call_are_mentioned() {
    let s = two_robots().await;
    let settings = json!([{"name": "robot", "value": "oncall"},
        {"name": "people", "value": "wangwu"}, {"name": "oncall", "value": "backend"}]);
    queued_for(&s, "event_alert", &issue_alert(14, settings)).await;
    assert!(s.oncall.wait_for(WAIT, |p| p.len() == 1).await);
    let msg = &s.oncall.posted()[0];
    assert_eq!(
        msg.body["at"]["atMobiles"],
        json!(["13900002222"]),
        "wangwu by mobile"
    );
    assert_eq!(
        msg.body["at"]["atUserIds"],
        json!(["manager4321"]),
        "张三, on call"
    );
    assert!(
        msg.text().contains("张三"),
        "the on-call is named: {}",
        msg.text()
    );
}

#[tokio::test]
async fn a_metric_alert_whose_action_names_the_second_robot_reaches_only_it() {
    let s = two_robots().await;
    let ours = json!({"id": "31", "type": "sentry_app", "targetType": "sentry_app", "sentryAppId": 3,
        "settings": [{"name": "robot", "value": "oncall"}, {"name": "user_ids", "value": "ops01"}]});
    let other = json!({"id": "30", "type": "sentry_app", "sentryAppId": 4,
        "settings": [{"name": "channel", "value": "#general"}]});
    let body = json!({"action": "critical", "data": {
        "metric_alert": {"id": "88", "identifier": "17", "title": "Too many errors", "projects": ["payments-api"],
            "alert_rule": {"id": 9, "name": "Too many errors", "triggers": [
                {"label": "critical", "actions": [other, ours]}]}},
        "description_title": "Critical: Too many errors", "description_text": "1000 events in the last 10 minutes",
        "web_url": "https://sentry.io/organizations/acme/alerts/rules/details/9/?alert=17"}})
    .to_string();
    let answer = queued_for(&s, "metric_alert", body.as_bytes()).await;
    assert_eq!(answer, json!({"status": "queued", "robots": ["oncall"]}));
    assert!(s.oncall.wait_for(WAIT, |p| p.len() == 1).await);
    assert_eq!(
        s.oncall.posted()[0].body["at"]["atUserIds"],
        json!(["ops01"])
    );
    assert!(s.payments.posted().is_empty());
}

#[tokio::test]
async fn without_usable_settings_the_route_applies() {
    let s = two_robots().await;
    for settings in [json!([]), choosing("no-such-robot")] {
        let body = queued_for(&s, "event_alert", &issue_alert(12, settings)).await;
        assert_eq!(body["robots"], json!(["payments"]), "{body}");
    }
    let mut plain: Value = serde_json::from_slice(&issue_alert(12, json!([]))).expect("json");
    plain["data"]
        .as_object_mut()
        .expect("data")
        .remove("issue_alert");
    let body = queued_for(&s, "event_alert", plain.to_string().as_bytes()).await;
    assert_eq!(body["robots"], json!(["payments"]));
    assert!(s.payments.wait_for(WAIT, |p| p.len() == 3).await);
    assert!(s.oncall.posted().is_empty());
}

#[tokio::test]
async fn a_test_notification_says_it_is_one_and_is_sent_every_time() {
    let s = two_robots().await;
    let first = issue_alert(-1, choosing("oncall"));
    for _ in 0..2 {
        // The same body twice: a person pressing the button again gets a second message.
        let body = queued_for(&s, "event_alert", &first).await;
        assert_eq!(body["robots"], json!(["oncall"]), "{body}");
    }
    assert!(s.oncall.wait_for(WAIT, |p| p.len() == 2).await);
    let msg = &s.oncall.posted()[0];
    let title = msg.body["markdown"]["title"].as_str().unwrap_or_default();
    assert!(title.starts_with("【测试】"), "{title}");
    assert!(
        msg.text().contains("测试通知：这不是真实告警"),
        "{}",
        msg.text()
    );
    // A real alert from the same rule carries no such mark.
    queued_for(&s, "event_alert", &issue_alert(12, choosing("oncall"))).await;
    assert!(s.oncall.wait_for(WAIT, |p| p.len() == 3).await);
    assert!(!s.oncall.posted()[2].text().contains("测试通知"));
}

#[test]
fn the_test_mark_is_in_both_languages_even_with_a_template_that_lacks_it() {
    let base = LinkBase::default();
    let value = payload::parse_json(&issue_alert(-1, choosing("oncall"))).expect("json");
    let Parsed::Alert(alert) = payload::parse_integration("event_alert", &value, &base) else {
        panic!("not an alert")
    };
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("event_alert.md.tera"),
        "### {{ alert.title }}",
    )
    .expect("write");
    for (lang, mark, notice) in [
        (Lang::Zh, "【测试】", "测试通知"),
        (Lang::En, "[TEST]", "Test notification: not a real incident"),
    ] {
        for templates in [None, Some(dir.path())] {
            let renderer = Renderer::load(templates, lang).expect("templates");
            let msg = renderer
                .render_alert(&alert, &Envelope::default())
                .expect("renders");
            let body: Value = serde_json::from_str(&msg.to_json()).expect("json");
            let text = body["markdown"]["text"].as_str().unwrap_or_default();
            assert!(
                body["markdown"]["title"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(mark))
            );
            assert_eq!(
                text.matches(notice).count(),
                1,
                "{lang:?} {templates:?}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn a_test_notification_is_not_held_by_the_group_window() {
    let robot = crate::fake_robot::FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let text = format!(
        "[[robots]]\nname = \"oncall\"\nwebhook = \"{}\"\nsecret = \"{ROBOT_SECRET}\"\ngroup_window = \"60s\"\n",
        robot.webhook
    );
    let app = spawn_app_with(|s| with_config_file(s, dir.path(), &text)).await;
    // A real alert opens the group's 60 s window...
    let real = app
        .post_signed("event_alert", &issue_alert(12, choosing("oncall")))
        .await;
    assert_eq!(real.status(), 202);
    assert!(robot.wait_for(WAIT, |p| p.len() == 1).await);
    // ...a second real one is held by it, but the test notification goes at once, alone.
    app.post_signed("event_alert", &issue_alert(12, choosing("oncall")))
        .await;
    app.post_signed("event_alert", &issue_alert(-1, choosing("oncall")))
        .await;
    let arrived = robot
        .wait_for(Duration::from_secs(8), |p| p.len() >= 2)
        .await;
    assert!(
        arrived,
        "the test notification waited for the window: {:?} {:?}",
        app.stats().await,
        app.messages(None).await
    );
    let second = robot.posted()[1].text();
    assert!(second.contains("测试通知"), "{second}");
    assert!(
        !second.contains("告警汇总"),
        "the test is not batched with the held alert: {second}"
    );
    // The held real alert still waits for its window (60 s): nothing else within 2 s.
    let third = poll(Duration::from_secs(2), || robot.log().len() > 2).await;
    assert!(!third, "the held alert was released by the test");
}

/// The same event (same event id) fired by two rules, each choosing its own robot.
fn same_event_other_rule(rule_id: i64, robot: &str) -> Vec<u8> {
    json!({"action": "triggered", "installation": {"uuid": "5f2b4c1e"}, "data": {
        "event": {"event_id": "4d1c7a0e9b3f4c2a8e6d5b1a0c9f8e7d", "issue_id": "5128840021",
            "title": "ZeroDivisionError: division by zero", "level": "error",
            "web_url": "https://sentry.io/organizations/acme/issues/5128840021/events/4d1c/"},
        "triggered_rule": format!("rule {rule_id}"),
        "issue_alert": {"id": rule_id, "title": format!("rule {rule_id}"), "sentry_app_id": 3,
            "settings": [{"name": "robot", "value": robot}]}}})
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn one_event_fired_by_two_rules_for_two_robots_reaches_both() {
    let s = two_robots().await;
    let first = queued_for(&s, "event_alert", &same_event_other_rule(12, "payments")).await;
    let second = queued_for(&s, "event_alert", &same_event_other_rule(13, "oncall")).await;
    assert_eq!(first["robots"], json!(["payments"]), "{first}");
    assert_eq!(second["robots"], json!(["oncall"]), "{second}");
    assert!(s.payments.wait_for(WAIT, |p| p.len() == 1).await);
    assert!(s.oncall.wait_for(WAIT, |p| p.len() == 1).await);
    // A true re-delivery of the second rule's webhook still folds.
    let again = queued_for(&s, "event_alert", &same_event_other_rule(13, "oncall")).await;
    assert_eq!(again["status"], "duplicate", "{again}");
}
