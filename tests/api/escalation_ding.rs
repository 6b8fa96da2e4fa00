//! DING as an escalation step: sent through the card robot's app to the people the step
//! reaches (their DingTalk user ids), with the app's token, the robot code and the remind type
//! the route asks for; an edition without DING refuses it, and the ladder goes on.

use crate::escalation::{ISSUE, TEAM};
use crate::fake_openapi::{FakeOpenApi, card_robot_entry};
use crate::helpers::*;

fn config(steps: &str) -> String {
    let robot = card_robot_entry("oncall-app", "cb-secret", "");
    format!(
        r#"{TEAM}
{robot}

[[routes]]
name = "backend"
robots = ["default"]
escalate_after = "1s"
escalation = [{steps}]
ding_robot = "oncall-app"
ding_type = "call"
"#
    )
}

async fn app_on(api: &FakeOpenApi, steps: &str) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let url = api.url.clone();
    let text = config(steps);
    let app = spawn_app_with(|s| {
        s.dingtalk_api_url = url;
        with_config_file(s, dir.path(), &text);
    })
    .await;
    (app, dir)
}

async fn notes(app: &TestApp) -> Vec<String> {
    let notes = app.outbox.ladder_notes(ISSUE).await.expect("notes");
    notes.into_iter().map(|n| n.note).collect()
}

#[tokio::test]
async fn a_ding_goes_to_whoever_is_on_call_with_the_apps_token_by_phone() {
    let api = FakeOpenApi::start(7200).await;
    let (app, _dir) = app_on(&api, "\"ding:oncall:backend\"").await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(poll(WAIT, || !api.dings().is_empty()).await, "a DING");
    let dings = api.dings();
    assert_eq!(dings.len(), 1);
    let ding = &dings[0];
    assert_eq!(ding.remind_type, 3, "ding_type = call");
    assert_eq!(ding.user_ids, ["manager4321"], "张三, on call for backend");
    assert!(ding.content.contains("无人处理"), "{}", ding.content);
    assert!(
        ding.content
            .ends_with("无人处理：ZeroDivisionError: division by zero"),
        "the issue's own title, nothing read out as an emoji: {}",
        ding.content
    );
    assert!(
        ding.content.contains("ZeroDivisionError"),
        "{}",
        ding.content
    );
    assert!(
        api.tokens_issued().contains(&ding.token),
        "the app's own token"
    );
    assert!(poll_async(WAIT, || async { !notes(&app).await.is_empty() }).await);
    let notes = notes(&app).await;
    assert!(
        notes[0].starts_with("DING (call) to 张三 (on call for backend) after"),
        "{notes:?}"
    );
    // A DING is not a chat message: the group got the alert only.
    assert_eq!(app.robot.posted().len(), 1);
}

#[tokio::test]
async fn a_refused_ding_is_logged_counted_and_the_ladder_goes_on() {
    let api = FakeOpenApi::start(7200).await;
    api.refuse_dings();
    let (app, _dir) = app_on(&api, "\"ding:person:zhangsan\", \"oncall:backend\"").await;
    // The ladder's series exist from the start, so the first failure is an increase.
    let before = app.metrics().await;
    for series in [
        "sentry_dingtalk_ding_failures_total{route=\"backend\"} 0",
        "sentry_dingtalk_escalations_total{route=\"backend\",step=\"ding\"} 0",
        "sentry_dingtalk_escalations_total{route=\"backend\",step=\"oncall\"} 0",
    ] {
        assert!(before.contains(series), "missing {series} in:\n{before}");
    }
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(
        app.robot.wait_for(WAIT, |p| p.len() == 2).await,
        "the next step, a follow-up, still came"
    );
    assert!(api.dings().is_empty());
    let notes = notes(&app).await;
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(
        notes[0].starts_with("DING (call) to 张三 after"),
        "{notes:?}"
    );
    assert!(
        notes[1].starts_with("DING not sent: permanent:")
            && notes[1].contains("AccessTokenPermissionDenied"),
        "{notes:?}"
    );
    assert!(notes[2].starts_with("escalated to 张三 (on call for backend)"));
    let metrics = app.metrics().await;
    assert!(metrics.contains("sentry_dingtalk_ding_failures_total{route=\"backend\"} 1"));
    assert!(
        metrics.contains("sentry_dingtalk_escalations_total{route=\"backend\",step=\"ding\"} 1")
    );
}
