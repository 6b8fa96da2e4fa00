//! Issue 17, point 6: no secret reaches the log, whatever `RUST_LOG` says. The relay binary runs
//! at `RUST_LOG=trace` on each store, is driven through webhooks with action links, an action
//! link's page and its use, the legacy endpoint, an operator call, a card and its button, and
//! `digest`; then its stdout and stderr are searched for every configured secret and for the
//! action-link key it stored.

mod run;
mod stored_key;

use crate::fake_openapi::{APP_SECRET, FakeOpenApi, card_robot_config};
use crate::fake_robot::{FakeRobot, TOKEN as ROBOT_TOKEN};
use crate::helpers::*;
use crate::outbox_conformance::postgres::with_database;
use run::{Run, Stopped};
use sentry_dingtalk::{Secret, card_callback_signature};
use serde_json::json;
use std::path::Path;
use stored_key::{key_forms, stored_key};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ADMIN_TOKEN: &str = "admin-t0ken-5ecret-abcdef";
const API_TOKEN: &str = "sntrys_api-t0ken-5ecret";
const CALLBACK_SECRET: &str = "card-callback-5ecret-4242";
const DB_PASSWORD: &str = "db-passw0rd-5ecret";

fn config() -> String {
    card_robot_config(CALLBACK_SECRET, r#""default", "cards""#)
}

async fn sentry_api() -> MockServer {
    let sentry = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "resolved"})))
        .mount(&sentry)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/0/organizations/acme/issues/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&sentry)
        .await;
    mount_get_404(&sentry).await;
    sentry
}

/// Runs the relay at trace level on the store `database_url` names (SQLite in `dir` without
/// one), drives every path that handles a secret, and returns the output and the stored key.
async fn run_at_trace(dir: &Path, database_url: Option<&str>) -> (String, Vec<String>) {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let fake = FakeOpenApi::start(7200).await;
    let sentry = sentry_api().await;
    let data = dir.join("data");
    let out = dir.join("out");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::create_dir_all(&out).expect("out dir");
    let config_file = dir.join("relay.toml");
    std::fs::write(&config_file, config()).expect("config");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut env: Vec<(String, String)> = [
        ("SENTRY_CLIENT_SECRET", CLIENT_SECRET),
        ("DINGTALK_WEBHOOK", robot.webhook.as_str()),
        ("DINGTALK_SECRET", ROBOT_SECRET),
        ("DINGTALK_API_URL", fake.url.as_str()),
        ("CONFIG_FILE", config_file.to_str().expect("utf-8")),
        ("DATA_DIR", data.to_str().expect("utf-8")),
        ("ADMIN_TOKEN", ADMIN_TOKEN),
        ("SENTRY_API_TOKEN", API_TOKEN),
        ("SENTRY_URL", &sentry.uri()),
        ("SENTRY_ORG", "acme"),
        ("PUBLIC_URL", "https://relay.example"),
        ("LEGACY_WEBHOOK_TOKEN", LEGACY_TOKEN),
        ("LISTEN_ADDR", &format!("127.0.0.1:{port}")),
        ("RUST_LOG", "trace"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if let Some(url) = database_url {
        env.push(("DATABASE_URL".into(), url.into()));
    }
    let run = Run { env, out };
    let mut relay = Stopped(run.command(&["serve"], "serve").spawn().expect("serve"));
    let http = reqwest::Client::new();
    assert!(wait_healthy(&http, &base).await, "relay did not start");

    // A webhook whose message carries action links; one link shown, then used.
    let body = example("event_alert-triggered.json");
    let answer = signed_webhook(&http, &base, "event_alert", body)
        .header("Content-Type", "application/json")
        .send()
        .await
        .expect("webhook");
    assert_eq!(answer.status().as_u16(), 202);
    assert!(robot.wait_for(WAIT, |p| !p.is_empty()).await, "sent");
    let text = robot.posted()[0].body.to_string();
    let token: String = text
        .split("https://relay.example/actions/")
        .nth(1)
        .expect("an action link")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let token = token.trim_end_matches('.');
    let link = format!("{base}/actions/{token}");
    assert_eq!(http.get(&link).send().await.expect("page").status(), 200);
    assert!(
        http.post(&link)
            .send()
            .await
            .expect("use")
            .status()
            .is_success()
    );

    // The legacy endpoint (its token is in the path) and an operator call.
    let legacy = http
        .post(format!("{base}/webhooks/sentry/legacy/{LEGACY_TOKEN}"))
        .header("Content-Type", "application/json")
        .body(r#"{"id":"77","message":"legacy","url":"https://sentry.io/x/","event":{"title":"legacy"}}"#)
        .send()
        .await
        .expect("legacy");
    assert_eq!(legacy.status().as_u16(), 202);
    let reload = http
        .post(format!("{base}/-/reload"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("reload");
    assert!(reload.status().is_success(), "{}", reload.status());

    // The card, and a signed click on its button.
    assert!(poll(WAIT, || fake.card_count() >= 1).await, "card made");
    let (track_id, _) = fake.cards().remove(0);
    let ts = sentry_dingtalk::now_ms().to_string();
    let content = json!({"cardPrivateData": {"params": {"action": "claim"}}});
    let click = http
        .post(format!("{base}/dingtalk/card-callback"))
        .header("x-ddpaas-signature-timestamp", &ts)
        .header(
            "x-ddpaas-signature",
            card_callback_signature(&Secret::new(CALLBACK_SECRET), &ts),
        )
        .json(
            &json!({"type": "actionCallback", "outTrackId": track_id, "userId": "u1",
                      "content": content.to_string()}),
        )
        .send()
        .await
        .expect("click");
    assert_eq!(click.status().as_u16(), 200);
    assert!(
        poll(WAIT, || fake.card(&track_id).is_some_and(|c| c
            .params
            .get("status")
            .is_some_and(|s| s == "claimed")))
        .await,
        "the click was acted on"
    );
    relay.stop();

    // A command beside it, on the same store: `digest` through the Sentry API.
    let digest = run
        .command(&["digest", "--dry-run"], "digest")
        .status()
        .expect("digest");
    assert!(digest.success(), "digest: {}", run.output());

    let key = stored_key(&data, database_url).await;
    let mut secrets: Vec<String> = [
        CLIENT_SECRET,
        ROBOT_SECRET,
        ROBOT_TOKEN,
        &robot.webhook,
        ADMIN_TOKEN,
        API_TOKEN,
        APP_SECRET,
        CALLBACK_SECRET,
        LEGACY_TOKEN,
        DB_PASSWORD,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    secrets.extend(fake.tokens_issued());
    secrets.extend(key_forms(&key));
    (run.output(), secrets)
}

fn assert_clean(output: &str, secrets: &[String]) {
    assert!(output.contains("webhook"), "the log is written: {output}");
    // LOG_FORMAT=pretty (the default) into a pipe or file: plain text, no colour codes.
    assert!(!output.contains('\u{1b}'), "colour codes in a piped log");
    for secret in secrets {
        assert!(
            !output.contains(secret.as_str()),
            "a secret ({} characters, starting {:?}) is in the output",
            secret.len(),
            secret.chars().take(4).collect::<String>()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_trace_level_no_secret_reaches_the_log_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    let (output, secrets) = run_at_trace(dir.path(), None).await;
    assert_clean(&output, &secrets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn at_trace_level_no_secret_reaches_the_log_on_postgres() {
    with_database(|url| async move {
        // The test server trusts local connections and ignores the password; the relay still
        // holds it, and must not print it.
        let url = url.replacen("postgres@", &format!("postgres:{DB_PASSWORD}@"), 1);
        assert!(url.contains(DB_PASSWORD), "{url:?} has a user part");
        let dir = tempfile::tempdir().expect("tmp");
        let (output, secrets) = run_at_trace(dir.path(), Some(&url)).await;
        assert_clean(&output, &secrets);
    })
    .await;
}
