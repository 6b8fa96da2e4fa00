//! Outages, an expired token and a SIGKILL cost no card and make no second one; no secret or
//! token reaches the log.

use super::*;

#[tokio::test]
async fn an_expired_token_is_renewed_and_an_outage_delays_the_card_without_losing_it() {
    let fake = FakeOpenApi::start(7200).await;
    fake.fail_next(3);
    let app = card_app(&fake, None).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    wait_card(&fake, &app.outbox, |c| param(c, "count") == "1").await;
    assert_eq!(fake.card_count(), 1);
    let retried = app.messages(None).await;
    assert!(
        retried.iter().any(|m| m.attempts >= 2),
        "the 500s were retried: {retried:?}"
    );
    // DingTalk drops the token: the next update fetches a new one and goes through.
    fake.revoke_tokens();
    app.post_signed("event_alert", &repeat(1)).await;
    wait_card(&fake, &app.outbox, |c| param(c, "count") == "2").await;
    assert_eq!(fake.tokens_issued().len(), 2);
    assert_eq!(fake.unauthorized(), 1);
    assert_eq!(fake.card_count(), 1);
}

/// Posts `body` to a child relay as Sentry would.
async fn post_child(base: &str, resource: &str, body: Vec<u8>) -> u16 {
    signed_webhook(&reqwest::Client::new(), base, resource, body)
        .header("Content-Type", "application/json")
        .header("Request-ID", uuid::Uuid::new_v4().simple().to_string())
        .header("Sentry-Hook-Timestamp", "1700000000")
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

fn child(
    robot: &FakeRobot,
    fake: &FakeOpenApi,
    data: &std::path::Path,
    port: u16,
) -> std::process::Child {
    let config = data.join("cards.toml");
    std::fs::create_dir_all(data).expect("dir");
    std::fs::write(&config, config_text()).expect("config");
    serve(
        robot,
        data,
        port,
        &[
            ("CONFIG_FILE", config.to_str().expect("utf-8")),
            ("DINGTALK_API_URL", &fake.url),
            ("RUST_LOG", "trace"),
        ],
    )
}

fn config_text() -> String {
    config(ROBOT)
}

/// A SIGKILL after DingTalk made the card but before the relay recorded it: the restarted
/// relay updates that card, never makes a second. No secret or token reaches the log, at
/// trace level.
#[tokio::test]
async fn after_sigkill_and_restart_the_same_card_is_updated_and_nothing_secret_is_logged() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let fake = FakeOpenApi::start(7200).await;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut relay = child(&robot, &fake, &data, port);
    assert!(wait_healthy(&http, &base).await, "relay did not start");
    // The create is made at the fake, its answer held back; the relay dies waiting for it.
    // Held 8 s (the relay's timeout is 10 s): the kill lands inside it however late it comes.
    fake.set_delay(Duration::from_secs(8));
    assert_eq!(
        post_child(&base, "issue", example("issue-created.json")).await,
        202
    );
    assert!(poll(WAIT, || fake.card_count() == 1).await);
    relay.kill().expect("SIGKILL");
    let _ = relay.wait();
    fake.set_delay(Duration::ZERO);

    let mut relay = child(&robot, &fake, &data, port);
    assert!(wait_healthy(&http, &base).await, "relay did not restart");
    let only = |f: &FakeOpenApi| {
        f.log()
            .iter()
            .filter(|r| r.path.ends_with("instances"))
            .count()
    };
    assert!(
        poll(WAIT, || only(&fake) >= 1).await,
        "the restarted relay updated the card"
    );
    assert_eq!(post_child(&base, "event_alert", repeat(9)).await, 202);
    let counted = poll(WAIT, || {
        fake.log()
            .iter()
            .filter(|r| r.path.ends_with("instances") && r.status == 200)
            .count()
            >= 2
    })
    .await;
    assert!(counted, "{:?}", fake.log());
    assert_eq!(fake.card_count(), 1, "never a second card");
    let creates: Vec<u16> = fake
        .log()
        .iter()
        .filter(|r| r.path.ends_with("createAndDeliver"))
        .map(|r| r.status)
        .collect();
    assert_eq!(creates, vec![200, 400], "the retried create found the card");
    // A click, signed and not, so the callback path logs too.
    let outbox =
        sentry_dingtalk::outbox::open_sqlite(&data, sentry_dingtalk::outbox::Access::Shared)
            .expect("outbox");
    let id = track_id(&outbox).await.expect("card");
    let card = fake.card(&id).expect("card");
    assert_eq!(param(&card, "count"), "2");
    assert_eq!(click(&base, &id, "claim", "u1", CALLBACK_SECRET).await, 200);
    assert_eq!(click(&base, &id, "claim", "u2", "nope").await, 401);
    assert!(
        poll(WAIT, || fake
            .card(&id)
            .is_some_and(|c| param(&c, "status") == "claimed"))
        .await
    );
    relay.kill().expect("kill");
    let _ = relay.wait();
    let log = std::fs::read_to_string(data.join("relay.log")).expect("log");
    assert!(log.contains("card operation"), "trace log is written");
    for secret in [APP_SECRET, CALLBACK_SECRET] {
        assert!(!log.contains(secret), "secret in the log");
    }
    for token in fake.tokens_issued() {
        assert!(!log.contains(&token), "token in the log");
    }
}
