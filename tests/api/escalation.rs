//! Escalation: a new issue nobody acts on climbs its route's ladder — a follow-up that
//! @-mentions whoever is on call, a person, everyone; the alert in another group; a DING —
//! one step per `escalate_after`, each traced and counted; and any way of acting stops it.

mod race;
mod stopping;

use crate::fake_robot::{FakeRobot, Received};
use crate::helpers::*;
use sentry_dingtalk::Secret;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const ISSUE: &str = "5128840021";

/// zhangsan is always on call for `backend` (one person, shifts from 2025 on).
pub const TEAM: &str = concat!(
    person_zhangsan!(),
    person_wangwu!(),
    r#"
[[oncall]]
name = "backend"
rotation = ["zhangsan"]
shift = "1w"
start = "2025-01-06T10:00:00+08:00"
"#
);

/// The team, and one route to the default robot escalating by `steps` every `after`.
pub fn ladder(steps: &[&str], after: &str, extra: &str) -> String {
    let steps: Vec<String> = steps.iter().map(|s| format!("\"{s}\"")).collect();
    format!(
        "{TEAM}{extra}\n[[routes]]\nname = \"backend\"\nrobots = [\"default\"]\nescalate_after = \"{after}\"\nescalation = [{}]\n",
        steps.join(", ")
    )
}

async fn app_with(config: String) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app_with(|s| with_config_file(s, dir.path(), &config)).await;
    (app, dir)
}

/// `issue-created.json` with another action (`resolved`, `assigned`, …).
pub fn issue_with_action(action: &str) -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(&example("issue-created.json")).expect("json");
    body["action"] = json!(action);
    if action == "assigned" {
        body["data"]["issue"]["assignedTo"] = json!({"type": "user", "id": "7", "name": "张三"});
    }
    serde_json::to_vec(&body).expect("json")
}

fn at(msg: &Received, key: &str) -> Value {
    msg.body["at"][key].clone()
}

async fn notes(app: &TestApp) -> Vec<String> {
    let notes = app.outbox.ladder_notes(ISSUE).await.expect("notes");
    notes.into_iter().map(|n| n.note).collect()
}

async fn ladders_open(app: &TestApp) -> usize {
    app.outbox.open_ladders().await.expect("ladders").len()
}

#[tokio::test]
async fn nobody_acting_climbs_the_ladder_one_step_per_wait_mentioning_each_in_turn() {
    let config = ladder(&["oncall:backend", "person:wangwu", "all"], "1s", "");
    let (app, _dir) = app_with(config).await;
    let resp = app
        .post_signed("issue", &example("issue-created.json"))
        .await;
    assert_eq!(resp.status(), 202);
    assert!(
        app.robot.wait_for(WAIT, |p| p.len() == 4).await,
        "the alert and three follow-ups: {:?}",
        app.robot
            .posted()
            .iter()
            .map(Received::text)
            .collect::<Vec<_>>()
    );
    let posted = app.robot.posted();
    let (oncall, person, all) = (&posted[1], &posted[2], &posted[3]);
    for follow_up in [oncall, person, all] {
        let text = follow_up.text();
        assert!(text.contains("无人处理"), "{text}");
        assert!(
            text.contains("ZeroDivisionError"),
            "names the issue: {text}"
        );
        assert!(
            text.contains("\n[ZeroDivisionError: division by zero](https://"),
            "by its own title, as escalation.md shows it: {text}"
        );
    }
    assert!(
        oncall.text().contains("请值班（backend）处理：张三"),
        "{}",
        oncall.text()
    );
    assert_eq!(at(oncall, "atUserIds"), json!(["manager4321"]));
    assert!(person.text().contains("王五"));
    assert_eq!(at(person, "atMobiles"), json!(["13900002222"]));
    assert!(
        person.text().contains("@13900002222"),
        "the @ is in the text too"
    );
    assert_eq!(at(all, "isAtAll"), json!(true));
    // One wait between steps, never a burst. Stamped when the robot received them, so a
    // loaded machine's send delay shortens a 1 s gap by some hundred milliseconds; a burst
    // would be a few.
    for pair in posted.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(500), "steps {gap:?} apart");
    }
    let notes = notes(&app).await;
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(
        notes[0].starts_with("escalated to 张三 (on call for backend) after ")
            && notes[0].ends_with(" s"),
        "{notes:?}"
    );
    assert!(notes[1].starts_with("escalated to 王五 after"), "{notes:?}");
    assert!(
        notes[2].starts_with("escalated to everyone in the group of robot default"),
        "{notes:?}"
    );
    assert_eq!(ladders_open(&app).await, 0, "the last step ends the ladder");
    let metrics = app.metrics().await;
    for step in ["oncall", "person", "all"] {
        let line =
            format!("sentry_dingtalk_escalations_total{{route=\"backend\",step=\"{step}\"}} 1");
        assert!(metrics.contains(&line), "{line}");
    }
}

#[tokio::test]
async fn the_robot_step_posts_the_alert_in_the_other_group_headed_escalated() {
    let (leads, robot) = leads_robot().await;
    let config = ladder(&["robot:ops-leads"], "1s", &robot);
    let (app, _dir) = app_with(config).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(leads.wait_for(WAIT, |p| p.len() == 1).await);
    let text = leads.posted()[0].text();
    assert!(
        text.starts_with("### ⏫ 升级：default 群 ") && text.contains(" s 无人处理"),
        "{text}"
    );
    assert!(
        text.contains("ZeroDivisionError"),
        "the alert itself: {text}"
    );
    assert_eq!(
        app.robot.posted().len(),
        1,
        "nothing more in the first group"
    );
    assert_eq!(notes(&app).await.len(), 1);
    assert!(notes(&app).await[0].starts_with("escalated to robot ops-leads after"));
}

#[tokio::test]
async fn a_level_below_the_minimum_and_a_repeat_of_a_known_issue_start_nothing() {
    let config = ladder(&["all"], "1s", "").replace(
        "escalate_after",
        "escalate_min_level = \"fatal\"\nescalate_after",
    );
    let (app, _dir) = app_with(config).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| !p.is_empty()).await);
    assert_eq!(ladders_open(&app).await, 0, "an error is below fatal");
    let config = ladder(&["all"], "1h", "");
    let (app, _dir) = app_with(config).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    app.post_signed("issue", &issue_with_action("resolved"))
        .await;
    assert_eq!(ladders_open(&app).await, 0);
    app.post_signed("event_alert", &example("event_alert-triggered.json"))
        .await;
    assert_eq!(
        ladders_open(&app).await,
        0,
        "an event of a known issue starts none"
    );
    app.post_signed("issue", &issue_with_action("unresolved"))
        .await;
    assert_eq!(ladders_open(&app).await, 1, "a regression starts it again");
}

#[tokio::test]
async fn the_copy_in_the_other_group_names_who_is_on_call_when_the_step_runs() {
    let (leads, robot) = leads_robot().await;
    let config = ladder(&["robot:ops-leads"], "3s", &robot).replace(
        "escalate_after",
        "mention = { oncall = [\"backend\"] }\nescalate_after",
    );
    let (app, _dir) = app_with(config).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    assert!(app.robot.posted()[0].text().contains("**值班**：张三"));
    // 王五 takes over before the step: the leads must be told who is on call now.
    let now = sentry_dingtalk::now_ms();
    app.outbox
        .add_override(sentry_dingtalk::Override {
            id: 0,
            rota: "backend".into(),
            person: "wangwu".into(),
            starts_at: now,
            ends_at: now + 3_600_000,
            created_by: "ops".into(),
        })
        .await
        .expect("override");
    assert!(leads.wait_for(WAIT, |p| p.len() == 1).await);
    let text = leads.posted()[0].text();
    assert!(text.contains("**值班**：王五"), "{text}");
}

/// The `ops-leads` group's fake robot, and its `[[robots]]` entry.
async fn leads_robot() -> (FakeRobot, String) {
    let leads = FakeRobot::start(Some("SEClead"), None, 20).await;
    let robot = format!(
        "[[robots]]\nname = \"ops-leads\"\nwebhook = \"{}\"\nsecret = \"SEClead\"\ngroup_window = \"0s\"\n",
        leads.webhook
    );
    (leads, robot)
}
