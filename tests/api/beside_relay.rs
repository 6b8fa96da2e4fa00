//! Commands that queue work (`replay`, `digest`) beside a running `serve` on SQLite (issue 17):
//! they write into its outbox and exit, and the relay sends; a second `serve` is still
//! refused; with no relay running, the command sends itself.

use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use serde_json::json;
use std::process::Output;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Work queued beside the relay reaches the robot within this (the relay looks every 0.5 s;
/// generous for a loaded machine).
const PICKED_UP: Duration = Duration::from_secs(5);

/// The binary with the robot the relay has, on the relay's `DATA_DIR`, run to its end.
async fn command(
    robot: &FakeRobot,
    data: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let env: Vec<(&str, &str)> = [("SENTRY_ORG", "acme")]
        .into_iter()
        .chain(env.iter().copied())
        .collect();
    run_beside(robot, data, args, &env).await
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} exits 0 beside the relay: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn sentry_with_open_issues() -> MockServer {
    let server = MockServer::start().await;
    let issues = json!([{"id": "41", "title": "Digest beside the relay", "shortId": "PAY-41",
        "permalink": "https://acme.sentry.io/issues/41/", "count": "12", "userCount": 3,
        "level": "error", "project": {"slug": "payments-api"}}]);
    Mock::given(method("GET"))
        .and(path("/api/0/organizations/acme/issues/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issues))
        .mount(&server)
        .await;
    server
}

/// `replay` of one sample issue (queue mode) against `data_dir`.
async fn replay_sample(robot: &FakeRobot, data_dir: &std::path::Path) -> Output {
    let payload = repo_path("examples/payloads/issue-created.json");
    command(
        robot,
        data_dir,
        &["replay", &payload.to_string_lossy()],
        &[],
    )
    .await
}

#[tokio::test]
async fn replay_and_digest_beside_a_running_serve_queue_into_it_and_the_relay_sends() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let data = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let relay = Relay(serve(&robot, data.path(), port, &[]));
    let client = reqwest::Client::new();
    assert!(wait_healthy(&client, &format!("http://127.0.0.1:{port}")).await);

    let replay = replay_sample(&robot, data.path()).await;
    ok(&replay, "replay");
    assert!(
        robot.wait_for(PICKED_UP, |p| p.len() == 1).await,
        "the relay sends what replay queued"
    );
    assert!(robot.posted()[0].text().contains("ZeroDivisionError"));

    let sentry = sentry_with_open_issues().await;
    let digest = command(
        &robot,
        data.path(),
        &["digest"],
        &[
            ("SENTRY_API_TOKEN", "api-token"),
            ("SENTRY_URL", &sentry.uri()),
        ],
    )
    .await;
    ok(&digest, "digest");
    assert!(
        robot
            .wait_for(PICKED_UP, |p| p.len() == 2
                && p[1].text().contains("PAY-41"))
            .await,
        "the relay sends the digest: {:?}",
        robot.posted().iter().map(|r| r.text()).collect::<Vec<_>>()
    );

    let second = command(
        &robot,
        data.path(),
        &["serve"],
        &[
            ("SENTRY_CLIENT_SECRET", CLIENT_SECRET),
            ("LISTEN_ADDR", &format!("127.0.0.1:{}", free_port())),
        ],
    )
    .await;
    assert!(!second.status.success(), "a second serve must exit");
    assert!(String::from_utf8_lossy(&second.stderr).contains("in use by another"));
    drop(relay);
    assert!(robot.rejections().is_empty(), "{:?}", robot.rejections());
}

#[tokio::test]
async fn replay_with_no_relay_running_sends_itself() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let data = tempfile::tempdir().expect("tmp");
    let replay = replay_sample(&robot, data.path()).await;
    ok(&replay, "replay");
    assert_eq!(robot.posted().len(), 1, "sent before the command exits");
    assert!(
        String::from_utf8_lossy(&replay.stdout).contains("sent"),
        "the outbox stats follow"
    );
}

/// What a command sent itself counts on the console's chart: the next `serve` on the same
/// `DATA_DIR` shows it as the robot's `out`.
#[tokio::test]
async fn what_a_command_sent_itself_is_on_the_status_chart() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let data = tempfile::tempdir().expect("tmp");
    ok(&replay_sample(&robot, data.path()).await, "replay");
    assert_eq!(robot.posted().len(), 1, "sent by replay");
    let (_relay, base) = start_relay(&robot, data.path(), &[("ADMIN_TOKEN", ADMIN)]).await;
    let html = page_at(&base, "/ui", ADMIN).await;
    let out = crate::ui_status::series(&html, "default", "out");
    assert_eq!(out, Some((1, 1)), "the replayed message on the chart");
}
