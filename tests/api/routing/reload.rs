//! Reloading the routing file: `POST /-/reload` with the admin token, and SIGHUP to a child relay;
//! a broken file is refused and the last good configuration keeps serving.

use super::{config, event};
use crate::fake_robot::{FakeRobot, Received};
use crate::helpers::*;
use std::time::Duration;

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
    let said = json_body(resp).await;
    assert_eq!(said["error"], "not_found");
    assert!(
        said["message"]
            .as_str()
            .unwrap_or_default()
            .contains("set ADMIN_TOKEN"),
        "says how to turn it on: {said}"
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
        signed_webhook(&client, &base, "event_alert", body).send()
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
    post(99).await.expect("posted");
    // Issue 99 itself, whatever else of the loop above is still on its way.
    let about_99 = |p: &[Received]| p.iter().any(|m| m.text().contains("/issues/99/"));
    let kept = oncall.wait_for(WAIT, about_99).await;
    let strayed = about_99(&payments.posted());
    child.kill().ok();
    child.wait().ok();
    assert!(first, "the first file routed to payments");
    assert!(moved, "after SIGHUP the new route is in force");
    assert!(
        refused,
        "the broken file was refused, with the reason in the log"
    );
    assert!(
        kept && !strayed,
        "a broken file on SIGHUP keeps the last good configuration"
    );
}

/// A template can compile and still fail on every alert (a variable no alert has). A reload
/// renders the built-in samples with it first: refused, with the variable named, and the
/// templates in force keep rendering; a good one then takes effect.
#[tokio::test]
async fn reload_refuses_a_template_that_fails_on_an_alert_and_keeps_the_last_good() {
    let templates = tempfile::tempdir().expect("tmp");
    let app = spawn_app_with(|s| {
        s.templates_dir = Some(templates.path().to_path_buf());
        s.admin_token = Some(sentry_dingtalk::Secret::new("admin-secret-0123456789"));
    })
    .await;
    let reload = || {
        app.http
            .post(format!("{}/-/reload", app.address))
            .bearer_auth("admin-secret-0123456789")
            .send()
    };
    let file = templates.path().join("event_alert.md.tera");
    std::fs::write(&file, "### {{ alert.no_such_field }}\n").expect("write");
    let refused = reload().await.expect("answer");
    assert_eq!(refused.status().as_u16(), 422);
    let said = json_body(refused).await["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        said.contains("no_such_field") && said.contains("event_alert.md.tera"),
        "{said}"
    );
    app.post_signed("event_alert", &event("a", "production", "error", 40, &[]))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    let text = app.robot.posted()[0].text();
    assert!(
        text.contains("**Boom in a**") && text.contains("production"),
        "the built-in template kept rendering, not the fallback: {text}"
    );

    std::fs::write(&file, "### custom {{ alert.title }}\n").expect("write");
    assert_eq!(reload().await.expect("answer").status().as_u16(), 200);
    app.post_signed("event_alert", &event("b", "production", "error", 41, &[]))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 2).await);
    assert!(app.robot.posted()[1].text().contains("custom Boom in b"));
}
