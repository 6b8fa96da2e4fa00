//! Any way of acting stops the ladder before its next step: an act in Sentry, a silence that
//! holds the issue, the resolve link in the chat.

use super::*;
use sentry_dingtalk::outbox::MessageState;

#[tokio::test]
async fn an_act_in_sentry_stops_the_ladder_before_its_step() {
    for (action, said) in [
        ("assigned", "assigned to 张三 in Sentry"),
        ("resolved", "resolved in Sentry"),
        ("ignored", "ignored in Sentry"),
    ] {
        // The step is far off: the act comes first however loaded the machine is.
        let config = ladder(&["oncall:backend"], "1h", "");
        let (app, _dir) = app_with(config).await;
        app.post_signed("issue", &example("issue-created.json"))
            .await;
        assert!(app.robot.wait_for(WAIT, |p| !p.is_empty()).await);
        assert_eq!(ladders_open(&app).await, 1);
        let resp = app.post_signed("issue", &issue_with_action(action)).await;
        assert_eq!(resp.status(), 202, "{action}");
        assert_eq!(
            ladders_open(&app).await,
            0,
            "{action}: stopped when answered"
        );
        assert_eq!(notes(&app).await, [format!("stopped: {said}")]);
    }
}

#[tokio::test]
async fn a_silence_that_holds_the_issue_stops_the_ladder_when_its_step_comes() {
    // Time enough to make the silence before the step, even on a loaded machine.
    let config = ladder(&["oncall:backend", "all"], "5s", "");
    let (app, _dir) = app_with(config).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| !p.is_empty()).await);
    let resp = app
        .http
        .post(format!("{}/api/silences", app.address))
        .send()
        .await
        .expect("post");
    // No admin token on this relay: the API is not there; the silence goes in by the store,
    // as the `silence` command does.
    assert_eq!(resp.status(), 404);
    let silence = silence_of_the_issue(&app, 3_600_000).await;
    let step_passed = Duration::from_secs(30);
    assert!(poll_async(step_passed, || async { ladders_open(&app).await == 0 }).await);
    assert_eq!(
        notes(&app).await,
        [format!("stopped: silenced by #{}", silence.id)]
    );
    let texts: Vec<String> = app.robot.posted().iter().map(Received::text).collect();
    assert!(texts.iter().all(|t| !t.contains("无人处理")), "{texts:?}");
}

#[tokio::test]
async fn the_resolve_link_in_the_chat_stops_the_ladder() {
    let sentry = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/0/organizations/acme/issues/{ISSUE}/")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": ISSUE})))
        .expect(1)
        .mount(&sentry)
        .await;
    mount_get_404(&sentry).await;
    let dir = tempfile::tempdir().expect("tmp");
    // A step far off: the click, however slow, comes before it.
    let config = ladder(&["oncall:backend"], "1h", "");
    let uri = sentry.uri();
    let app = spawn_app_with(|s| {
        s.sentry_api_token = Some(Secret::new("api-token"));
        s.sentry_url = uri;
        s.public_url = Some("https://relay.example".into());
        with_config_file(s, dir.path(), &config);
    })
    .await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| !p.is_empty()).await);
    let buttons = app.robot.posted()[0].body["actionCard"]["btns"].clone();
    let resolve = buttons
        .as_array()
        .into_iter()
        .flatten()
        .find(|b| b["title"] == "解决")
        .and_then(|b| b["actionURL"].as_str())
        .and_then(|u| u.split("/actions/").nth(1))
        .expect("a resolve link")
        .to_owned();
    let resp = app
        .http
        .post(format!("{}/actions/{resolve}", app.address))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 200);
    assert_eq!(ladders_open(&app).await, 0);
    assert_eq!(notes(&app).await, ["stopped: resolved from the chat"]);
}

/// A follow-up still waiting for the budget when someone acts is withdrawn: "nobody acted"
/// never comes after someone did.
#[tokio::test]
async fn an_act_withdraws_a_follow_up_still_waiting_for_the_budget() {
    let config = ladder(&["oncall:backend"], "1s", "");
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app_with(|s| {
        // One message a minute: the first alert spends it, the follow-up waits.
        s.env_robot.rate_per_minute = 1;
        with_config_file(s, dir.path(), &config);
    })
    .await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    let step_taken = poll_async(WAIT, || async { notes(&app).await.len() == 1 }).await;
    assert!(step_taken, "{:?}", notes(&app).await);
    let waiting = app.messages(Some(MessageState::Pending)).await;
    assert_eq!(waiting.len(), 1, "the follow-up waits for the budget");
    let resp = app
        .post_signed("issue", &issue_with_action("assigned"))
        .await;
    assert_eq!(resp.status(), 202);
    // The ladder had taken its one step (done): nothing to stop, a follow-up to withdraw.
    assert_eq!(
        notes(&app).await[1..],
        ["withdrawn: its follow-up had not gone out"]
    );
    let pending = app.messages(Some(MessageState::Pending)).await;
    assert!(pending.iter().all(|m| m.id != waiting[0].id), "withdrawn");
    assert_eq!(app.robot.posted().len(), 1);
}

#[tokio::test]
async fn a_silence_that_held_the_alert_stops_the_ladder_though_it_ended_before_the_step() {
    // The silence (1 s) holds the alert and ends; its summary is the group's news of the
    // issue. The step (3 s) came due after the end and escalated an issue the team silenced.
    let config = ladder(&["oncall:backend", "all"], "3s", "");
    let (app, _dir) = app_with(config).await;
    let silence = silence_of_the_issue(&app, 1_000).await;
    let resp = app
        .post_signed("issue", &example("issue-created.json"))
        .await;
    assert_eq!(resp.status(), 202);
    assert!(
        poll_async(Duration::from_secs(30), || async {
            ladders_open(&app).await == 0
        })
        .await
    );
    assert_eq!(
        notes(&app).await,
        [format!("stopped: silenced by #{}", silence.id)]
    );
    let texts: Vec<String> = app.robot.posted().iter().map(Received::text).collect();
    assert!(texts.iter().all(|t| !t.contains("无人处理")), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.contains(&format!("#{}", silence.id))),
        "the silence's summary: {texts:?}"
    );
}

#[tokio::test]
async fn no_follow_up_reaches_the_group_before_its_alert() {
    // Beta waits out the group window (4 s) after Alpha; its step is due after 1 s.
    let config = ladder(&["oncall:backend", "all"], "1s", "");
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app_with(|s| {
        with_config_file(s, dir.path(), &config);
        s.robots[0].group_window = Duration::from_secs(4);
    })
    .await;
    for (id, title) in [("901", "Alpha"), ("902", "Beta")] {
        let resp = app
            .post_signed("issue", &crate::silences::issue(id, title))
            .await;
        assert_eq!(resp.status(), 202);
    }
    let beta_followed_up = |p: &[Received]| {
        p.iter()
            .any(|m| m.text().contains("无人处理") && m.text().contains("Beta"))
    };
    assert!(
        app.robot
            .wait_for(Duration::from_secs(30), beta_followed_up)
            .await,
        "Beta's follow-up"
    );
    let texts: Vec<String> = app.robot.posted().iter().map(Received::text).collect();
    let alert = texts
        .iter()
        .position(|t| t.contains("Beta") && !t.contains("无人处理"));
    let follow_up = texts
        .iter()
        .position(|t| t.contains("Beta") && t.contains("无人处理"));
    assert!(
        alert.is_some() && alert < follow_up,
        "the alert comes first: {texts:?}"
    );
}

/// A silence of `ISSUE` lasting `ms`, made in the store as the `silence` command makes it.
async fn silence_of_the_issue(app: &TestApp, ms: i64) -> sentry_dingtalk::Silence {
    let now = sentry_dingtalk::now_ms();
    app.outbox
        .add_silence(sentry_dingtalk::outbox::NewSilence {
            matchers: sentry_dingtalk::Matchers {
                issue: Some(ISSUE.into()),
                ..Default::default()
            },
            starts_at: now,
            ends_at: now + ms,
            comment: "deploy".into(),
            created_by: "ops".into(),
        })
        .await
        .expect("silence")
}
