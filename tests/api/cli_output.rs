//! What a newcomer meets on the command line: every file named, words instead of Rust debug
//! text, columns that line up, exit codes as documented, a closed pipe that is no crash.

use crate::helpers::*;
use sentry_dingtalk::payload::{LinkBase, Parsed};
use sentry_dingtalk::{Envelope, Lang, Renderer, interpret};
use std::process::{Command, Output, Stdio};

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"));
    cmd.args(args)
        .env_remove("DINGTALK_WEBHOOK")
        .env_remove("SENTRY_CLIENT_SECRET")
        .env_remove("LEGACY_WEBHOOK_TOKEN")
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env("SENTRY_ORG", "acme");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    command(args, env).output().expect("binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn replay_to_goes_past_a_payload_it_cannot_send_and_names_it() {
    let app = spawn_app_with(|s| s.robots[0].rate_per_minute = 60).await;
    let address = app.address.clone();
    let out = tokio::task::spawn_blocking(move || {
        let args = [
            "replay",
            "--to",
            &address,
            "examples/payloads/legacy-plugin.json",
            "examples/payloads/legacy-plugin-sentry9.json",
            "examples/payloads/metric_alert-critical.json",
        ];
        run(&args, &[("SENTRY_CLIENT_SECRET", CLIENT_SECRET)])
    })
    .await
    .expect("join");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(!out.status.success(), "two were not sent: {stderr}");
    for file in ["legacy-plugin.json", "legacy-plugin-sentry9.json"] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(file) && l.contains("LEGACY_WEBHOOK_TOKEN")),
            "{file} named with the reason: {stderr}"
        );
    }
    assert!(
        stdout.contains("metric_alert-critical.json: metric_alert → HTTP 202"),
        "the payload after them was still sent: {stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("2 of 3 payloads were not accepted"),
        "{stderr}"
    );
}

/// The reader has gone before the command writes (`| head` that read enough): exit 0, quietly.
#[test]
fn a_closed_stdout_ends_replay_dry_run_and_schema_quietly() {
    for args in [
        &["replay", "--dry-run", "examples/payloads"][..],
        &["schema"][..],
    ] {
        let mut child = command(args, &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?} said: {stderr}");
    }
}

#[test]
fn a_missing_client_secret_is_a_configuration_error_exit_2() {
    let out = run(&["serve"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("configuration: SENTRY_CLIENT_SECRET is required"));
}

#[test]
fn check_says_its_settings_in_words() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("sentry-dingtalk.toml");
    std::fs::write(
        &config,
        "unmatched = \"drop\"\n[[routes]]\nname = \"all\"\nrobots = [\"default\"]\n",
    )
    .expect("write");
    let out = run(
        &["check", "--explain", "examples/payloads/issue-created.json"],
        &[("CONFIG_FILE", config.to_str().expect("utf8"))],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for debug in ["None", "Some(", "Drop", "Default", "Zh:", "ns,"] {
        assert!(!stdout.contains(debug), "{debug:?} in\n{stdout}");
    }
    for words in [
        "no keyword",
        "group window 30s, throttle pause 10m",
        "alerts no route matches are dropped",
        "project payments-api",
        "zh: rendered 24 samples",
        "storm mode from 360 waiting alerts: a summary every 1m, over after 1m",
    ] {
        assert!(stdout.contains(words), "{words:?} missing in\n{stdout}");
    }
}

/// A data directory whose outbox holds one sent message (replayed without a robot URL, so
/// written to the log), and the environment that points the commands at it.
fn replayed_outbox() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().to_str().expect("utf8");
    let out = run(
        &["replay", "examples/payloads/issue-created.json"],
        &outbox_env(data),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir
}

fn outbox_env(data: &str) -> [(&str, &str); 2] {
    [("DATA_DIR", data), ("DINGTALK_GROUP_WINDOW", "0")]
}

#[test]
fn outbox_list_and_trace_line_up_their_columns() {
    let dir = replayed_outbox();
    let env = outbox_env(dir.path().to_str().expect("utf8"));
    // Each header word starts where its column's values start.
    let aligned = |stdout: &str, head: &[&str]| {
        let mut lines = stdout.lines();
        let header = lines.next().unwrap_or_default();
        let row = lines.next().unwrap_or_default();
        let starts: Vec<usize> = head
            .iter()
            .map(|h| header.find(h).unwrap_or(usize::MAX))
            .collect();
        starts.iter().skip(1).all(|&at| {
            row.is_char_boundary(at) && row[..at].ends_with(' ') && !row[at..].starts_with(' ')
        })
    };
    let list = text(&run(&["outbox", "list"], &env).stdout);
    let head = ["id", "state", "robot", "alerts", "attempts"];
    assert!(aligned(&list, &head), "\n{list}");
    let trace = text(&run(&["outbox", "trace", "PAYMENTS-API-3F"], &env).stdout);
    let head = [
        "received",
        "resource.action",
        "outcome",
        "issue",
        "rule / request",
    ];
    assert!(aligned(&trace, &head), "\n{trace}");
}

#[test]
fn outbox_retry_says_whether_the_message_was_sent_or_does_not_exist() {
    let dir = replayed_outbox();
    let env = outbox_env(dir.path().to_str().expect("utf8"));
    let missing = run(&["outbox", "retry", "999"], &env);
    assert!(!missing.status.success());
    let said = text(&missing.stderr);
    assert!(said.contains("there is no message 999"), "{said}");
    let sent = run(&["outbox", "retry", "1"], &env);
    assert!(!sent.status.success());
    let said = text(&sent.stderr);
    assert!(said.contains("message 1 was sent"), "{said}");
}

/// One event fired by two rules is two alerts in a batch: each line says which rule.
#[test]
fn a_batch_line_names_the_rule_that_fired() {
    let base = LinkBase {
        sentry_url: "https://sentry.io".into(),
        org: Some("acme".into()),
        learned_org: None,
    };
    let alerts: Vec<_> = ["two-rules-a", "two-rules-b"]
        .iter()
        .map(|n| {
            let body = example(&format!("event_alert-triggered-{n}.json"));
            let value = serde_json::from_slice(&body).expect("json");
            match interpret(&value, None, None, &base).1 {
                Parsed::Alert(a) => (*a).clone(),
                _ => panic!("{n} is an alert"),
            }
        })
        .collect();
    let renderer = Renderer::load(None, Lang::En).expect("templates");
    let msg = renderer
        .render_batch(&alerts, &Envelope::default())
        .expect("batch");
    let text = msg.0.markdown.text;
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(['1', '2'])).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_ne!(lines[0], lines[1], "{text}");
    for a in &alerts {
        let rule = a.triggered_rule.as_deref().expect("a rule");
        assert!(text.contains(rule), "{rule} missing in\n{text}");
    }
}

/// A second command on the same database meets the migrations applied: no PostgreSQL NOTICE,
/// no `PgOutbox { … }` on stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (TEST_POSTGRES_URL)"]
async fn cli_on_postgres_prints_no_notice_or_debug_text() {
    crate::outbox_conformance::postgres::with_database(|url| async move {
        for _ in 0..2 {
            let url = url.clone();
            let out = tokio::task::spawn_blocking(move || {
                run(&["outbox", "stats"], &[("DATABASE_URL", &url)])
            })
            .await
            .expect("join");
            let stderr = text(&out.stderr);
            assert!(out.status.success(), "{stderr}");
            assert!(
                !stderr.contains("NOTICE") && !stderr.contains("PgOutbox"),
                "{stderr}"
            );
        }
    })
    .await;
}

/// `storm_threshold = 0` and the default read alike in a file's absence: `check` says which.
#[test]
fn check_says_whether_storm_mode_is_on() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("sentry-dingtalk.toml");
    std::fs::write(
        &config,
        "[[robots]]\nname = \"quiet\"\nwebhook = \"https://oapi.dingtalk.com/robot/send?access_token=x\"\nstorm_threshold = 0\n\n[[robots]]\nname = \"loud\"\nwebhook = \"https://oapi.dingtalk.com/robot/send?access_token=y\"\nstorm_threshold = 50\nstorm_interval = \"2m\"\nrate_per_minute = 25\n",
    )
    .expect("write");
    let out = run(
        &["check"],
        &[("CONFIG_FILE", config.to_str().expect("utf8"))],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("robot quiet: ")
            && stdout.contains("  storm mode off (storm_threshold = 0)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  storm mode from 50 waiting alerts: a summary every 2m,"),
        "{stdout}"
    );
    // Above DingTalk's 20 a minute the robot would be throttled for 10 minutes.
    assert!(
        stdout
            .contains("  warning: robot loud may send 25 messages a minute, but DingTalk takes 20"),
        "{stdout}"
    );
    assert_eq!(stdout.matches("may send").count(), 1, "{stdout}");
}

/// With `LOG_FORMAT=json` a command's last words are a JSON line like every log line: the
/// one that explains a crash loop must not be dropped by a JSON log pipeline.
#[test]
fn a_fatal_error_is_a_json_line_when_the_log_is_json() {
    let out = run(&["serve"], &[("LOG_FORMAT", "json")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let line: serde_json::Value = serde_json::from_str(stderr.trim()).expect("one JSON line");
    assert_eq!(line["level"], "ERROR");
    assert_eq!(
        line["message"],
        "configuration: SENTRY_CLIENT_SECRET is required"
    );
}
