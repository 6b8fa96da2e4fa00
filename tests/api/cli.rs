//! The binary's commands, run as a user would.

use crate::helpers::*;
use std::process::{Command, Output};
use std::time::Duration;

fn relay(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"));
    cmd.args(args)
        .env_remove("DINGTALK_WEBHOOK")
        .env_remove("SENTRY_CLIENT_SECRET")
        .env("SENTRY_ORG", "acme");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

/// `serve` on `data` with nothing from this environment but `vars`, its stderr in `log`.
fn serve_logging_to(
    data: &std::path::Path,
    log: &std::path::Path,
    vars: &[(&str, &str)],
) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"));
    cmd.arg("serve")
        .env_clear()
        .env("SENTRY_CLIENT_SECRET", "cli-test-secret")
        .env("LISTEN_ADDR", format!("127.0.0.1:{}", free_port()))
        .env("DATA_DIR", data)
        .envs(vars.iter().copied())
        .stderr(std::fs::File::create(log).expect("log"));
    cmd.spawn().expect("serve")
}

#[test]
fn replay_dry_run_prints_one_dingtalk_body_per_alert_payload() {
    let out = relay(
        &["replay", "--dry-run", "examples/payloads"],
        &[("DINGTALK_KEYWORD", "Sentry")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let bodies: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON per line"))
        .collect();
    assert_eq!(
        bodies.len(),
        27,
        "29 examples minus 2 installation payloads"
    );
    for b in &bodies {
        assert_eq!(b["msgtype"], "markdown");
        assert!(
            b["markdown"]["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Sentry"),
            "keyword in {b}"
        );
        assert!(b["msgUuid"].as_str().is_some_and(|u| !u.is_empty()));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("installation-created.json"), "{stderr}");
}

#[test]
fn replay_names_a_missing_or_broken_file() {
    let out = relay(&["replay", "--dry-run", "does-not-exist.json"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does-not-exist.json"));
    let dir = tempfile::tempdir().expect("tmp");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{ not json").expect("write");
    let out = relay(
        &["replay", "--dry-run", broken.to_str().expect("utf8")],
        &[],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.json") && stderr.contains("not a JSON payload"),
        "{stderr}"
    );
}

#[tokio::test]
async fn replay_to_posts_signed_payloads_that_the_relay_accepts() {
    let app = spawn_app_with(|s| s.robots[0].rate_per_minute = 60).await;
    let files = [
        "examples/payloads/event_alert-triggered.json",
        "examples/payloads/legacy-plugin.json",
        "examples/payloads/bare-event.json",
    ];
    let mut args = vec!["replay", "--to", &app.address];
    args.extend(files);
    let out = tokio::task::spawn_blocking({
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        move || {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            relay(
                &refs,
                &[
                    ("SENTRY_CLIENT_SECRET", CLIENT_SECRET),
                    ("LEGACY_WEBHOOK_TOKEN", LEGACY_TOKEN),
                ],
            )
        }
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("HTTP 202").count(), 3, "{stdout}");
    assert!(
        app.robot
            .wait_for(Duration::from_secs(10), |p| p.len() == 3)
            .await
    );
    let texts: Vec<String> = app.robot.posted().iter().map(|r| r.text()).collect();
    assert!(
        texts.iter().any(|t| t.contains("nil pointer dereference")),
        "{texts:#?}"
    );
}

#[test]
fn replay_to_a_wrong_secret_fails_with_the_status() {
    let out = relay(
        &[
            "replay",
            "--to",
            "http://127.0.0.1:1",
            "examples/payloads/issue-created.json",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SENTRY_CLIENT_SECRET"));
}

#[test]
fn check_renders_every_sample_and_names_a_broken_template_line() {
    let out = relay(&["check"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("rendered 24 samples"));
    // The legacy plugin's three samples only when its endpoint is on.
    let legacy = relay(
        &["check"],
        &[("LEGACY_WEBHOOK_TOKEN", "0123456789abcdef0123")],
    );
    assert!(String::from_utf8_lossy(&legacy.stdout).contains("rendered 27 samples"));

    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("issue.md.tera"),
        "### ok\n\n{{ alert.title }\n",
    )
    .expect("write");
    let out = relay(
        &["check"],
        &[("TEMPLATES_DIR", dir.path().to_str().expect("utf8"))],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("issue.md.tera") && stderr.contains("3:"),
        "{stderr}"
    );

    std::fs::write(
        dir.path().join("issue.md.tera"),
        "### {{ alert.no_such_field }}\n",
    )
    .expect("write");
    let out = relay(
        &["check"],
        &[("TEMPLATES_DIR", dir.path().to_str().expect("utf8"))],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(2) && stderr.contains("no_such_field"),
        "a template is configuration: exit 2, {stderr}"
    );
    std::fs::remove_file(dir.path().join("issue.md.tera")).expect("rm");

    // The templates no sample alert renders are proven too: a hold's summary and the digest.
    for name in ["silence_summary.md.tera", "open_issues.md.tera"] {
        std::fs::write(dir.path().join(name), "{{ no_such_variable }}\n").expect("write");
        let out = relay(
            &["check"],
            &[("TEMPLATES_DIR", dir.path().to_str().expect("utf8"))],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.code() == Some(2) && stderr.contains(name),
            "{name}: {stderr}"
        );
        std::fs::remove_file(dir.path().join(name)).expect("rm");
    }
}

/// A template that compiles but fails on an alert stops `serve` at start (exit 2, naming the
/// template), instead of turning every alert into its title and link.
#[test]
fn serve_refuses_templates_that_fail_on_the_samples() {
    let data = tempfile::tempdir().expect("tmp");
    let templates = tempfile::tempdir().expect("tmp");
    std::fs::write(
        templates.path().join("metric_alert.md.tera"),
        "{{ alert.title | no_such_filter }}\n",
    )
    .expect("write");
    let log = data.path().join("relay.log");
    let templates_dir = templates.path().to_str().expect("utf8");
    let mut child = serve_logging_to(data.path(), &log, &[("TEMPLATES_DIR", templates_dir)]);
    // A relay that took the templates would serve on: wait for the exit with a deadline.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        match child.try_wait().expect("child") {
            Some(status) => break Some(status),
            None if std::time::Instant::now() > deadline => break None,
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let ended = status.is_some();
    child.kill().ok();
    child.wait().ok();
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(ended, "serve started with the broken template: {stderr}");
    assert_eq!(status.and_then(|s| s.code()), Some(2), "{stderr}");
    assert!(
        stderr.contains("metric_alert.md.tera") && stderr.contains("no_such_filter"),
        "{stderr}"
    );
}

#[test]
fn check_explain_says_where_a_payload_goes() {
    let out = relay(
        &["check", "--explain", "examples/payloads/issue-created.json"],
        &[],
    );
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("→ robot default"), "{stdout}");
}

#[test]
fn serve_without_a_client_secret_refuses_to_start() {
    let out = relay(&["serve"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SENTRY_CLIENT_SECRET"));
}

/// Configuration errors exit 2, as commands.md promises: a `LISTEN_ADDR` that is no address
/// (it failed at the bind, exit 1), and `digest` without the Sentry API settings.
#[test]
fn a_bad_listen_addr_or_a_digest_without_the_api_is_a_configuration_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().to_string_lossy().to_string();
    let out = relay(
        &["serve"],
        &[
            ("SENTRY_CLIENT_SECRET", "x"),
            ("LISTEN_ADDR", "0.0.0.0:80x"),
            ("DATA_DIR", &data),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("LISTEN_ADDR"), "{err}");
    let out = relay(&["digest", "--dry-run"], &[("DATA_DIR", &data)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("SENTRY_API_TOKEN is required"), "{err}");
}

/// The previews mention whoever the rotation has on call, as the relay will (overrides live in
/// the store; `check` says they are not read).
#[test]
fn check_explain_and_a_dry_run_name_whoever_is_on_call() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("sentry-dingtalk.toml");
    let route = "[[routes]]\nname = \"backend\"\nrobots = [\"default\"]\nmention = { oncall = [\"backend\"] }\n";
    std::fs::write(&path, format!("{}\n{route}", crate::escalation::TEAM)).expect("config");
    let config = path.to_string_lossy().to_string();
    let payload = "examples/payloads/issue-created.json";
    let out = relay(
        &["check", "--explain", payload],
        &[("CONFIG_FILE", &config)],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("mentions @manager4321"), "{stdout}");
    assert!(stdout.contains("| mention on call (backend) |"), "{stdout}");
    assert!(
        stdout.contains("on call (backend) now by the rotation: 张三"),
        "{stdout}"
    );
    let out = relay(
        &["replay", "--dry-run", payload],
        &[("CONFIG_FILE", &config)],
    );
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one body");
    assert_eq!(body["at"]["atUserIds"], serde_json::json!(["manager4321"]));
}

/// A `TEMPLATES_DIR` that is no directory, or holds a file no template is called, is said —
/// not passed over with the built-in templates in force.
#[test]
fn check_names_a_templates_dir_that_is_missing_or_misnamed() {
    let dir = tempfile::tempdir().expect("tmp");
    for (path, said) in [
        (dir.path().join("nope"), "not a directory"),
        (
            dir.path().to_path_buf(),
            "isue.md.tera is no template's name",
        ),
    ] {
        std::fs::write(dir.path().join("isue.md.tera"), "### {{ alert.title }}\n").expect("write");
        let out = relay(
            &["check"],
            &[("TEMPLATES_DIR", path.to_str().expect("utf8"))],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(said), "{stderr}");
    }
}

/// A `.env` line that cannot be read stops the start (exit 2) and is named, never shown: it
/// may hold a secret. The loader had dropped it and every line after it without a word.
#[test]
fn a_broken_env_file_is_a_configuration_error_that_shows_no_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let env = "DINGTALK_KEYWORD=kw\nTHIS IS BROKEN SEC5e3a9f0c1b2d\nALERT_LANG=en\n";
    std::fs::write(dir.path().join(".env"), env).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .arg("check")
        .current_dir(dir.path())
        .env_clear()
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(".env") && stderr.contains("cannot be read"),
        "{stderr}"
    );
    assert!(!stderr.contains("SEC5e3a"), "the line was shown: {stderr}");
}

/// `serve` without a robot webhook says so at start: its alerts go to the log and are marked
/// sent, so a forgotten `DINGTALK_WEBHOOK` would otherwise look healthy.
#[tokio::test]
async fn serve_without_a_webhook_warns_that_messages_go_to_the_log() {
    let data = tempfile::tempdir().expect("tmp");
    let log = data.path().join("relay.log");
    let mut child = serve_logging_to(data.path(), &log, &[("RUST_LOG", "warn")]);
    let said = || std::fs::read_to_string(&log).unwrap_or_default();
    let warned = poll(Duration::from_secs(10), || said().contains("no webhook")).await;
    child.kill().ok();
    child.wait().ok();
    assert!(warned, "{}", said());
    assert!(said().contains("robot=default"), "{}", said());
}

/// A template whose own text is past DingTalk's limit leaves only the title and link; the log
/// names the template, so nobody wonders where the message went.
#[test]
fn a_template_too_long_for_dingtalk_is_named_in_the_log() {
    let templates = tempfile::tempdir().expect("tmp");
    std::fs::write(
        templates.path().join("error.md.tera"),
        "{% for i in range(end=1000) %}0123456789 0123456789 0123456789 {% endfor %}\n",
    )
    .expect("write");
    let out = relay(
        &[
            "replay",
            "--dry-run",
            "examples/payloads/error-created.json",
        ],
        &[("TEMPLATES_DIR", templates.path().to_str().expect("utf8"))],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("too long") && stderr.contains("error.md.tera"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("0123456789 0123456789"));
}

/// The operator commands work on a relay's store and never make one: run with a `DATA_DIR` no
/// relay used (another directory, a typo), they say so with exit 2 and leave no file behind.
#[test]
fn operator_commands_refuse_a_data_dir_no_relay_used() {
    let data = tempfile::tempdir().expect("tmp");
    let dir = data.path().join("data");
    for args in [
        &["silence", "add", "--all", "--for", "1h"][..],
        &["silence", "list"],
        &["outbox", "list"],
        &["oncall", "end", "1"],
    ] {
        let out = relay(args, &[("DATA_DIR", dir.to_str().expect("utf8"))]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("DATA_DIR") && stderr.contains("outbox.sqlite3"),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?} printed no id or list");
        assert!(!dir.exists(), "{args:?} made no store");
    }
}

/// The proof renders what each template really meets: the digest lists issues (they all have
/// a short id), and the legacy plugin's samples count only when its endpoint is on.
#[test]
fn check_proves_templates_with_the_alerts_they_really_meet() {
    let dir = tempfile::tempdir().expect("tmp");
    let templates = [("TEMPLATES_DIR", dir.path().to_str().expect("utf8"))];
    let accepted = [
        (
            "open_issues.md.tera",
            "{% for a in alerts %}{{ a.short_id | upper }}\n{% endfor %}",
        ),
        // Integration event alerts name their rule.
        (
            "event_alert.md.tera",
            "### {{ alert.triggered_rule | upper }}\n",
        ),
    ];
    for (name, text) in accepted {
        std::fs::write(dir.path().join(name), text).expect("write");
        let out = relay(&["check"], &templates);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
    }
    let legacy = [
        templates[0],
        ("LEGACY_WEBHOOK_TOKEN", "0123456789abcdef0123"),
    ];
    let out = relay(&["check"], &legacy);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(2) && stderr.contains("legacy-plugin"),
        "with the legacy endpoint on, its samples are proven: {stderr}"
    );
}

/// A metric alert's resolution names no severity (it reads as "info"): a route's `min_level`
/// does not judge it, so the recovery reaches the group that got the alert, not the floor.
#[test]
fn a_metric_alerts_recovery_passes_the_routes_min_level() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("routes.toml");
    std::fs::write(
        &config,
        "unmatched = \"drop\"\n\n[[robots]]\nname = \"payments\"\nwebhook = \"https://oapi.dingtalk.com/robot/send?access_token=x\"\n\n[[routes]]\nprojects = [\"payments-*\"]\nmin_level = \"error\"\nrobots = [\"payments\"]\n",
    )
    .expect("write");
    let env = [("CONFIG_FILE", config.to_str().expect("utf8"))];
    for sample in ["metric_alert-critical.json", "metric_alert-resolved.json"] {
        let path = format!("examples/payloads/{sample}");
        let out = relay(&["check", "--explain", &path], &env);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("→ robot payments"), "{sample}: {stdout}");
    }
    let resolved = "examples/payloads/metric_alert-resolved.json";
    let said = relay(&["check", "--explain", resolved], &env);
    let said = String::from_utf8_lossy(&said.stdout);
    assert!(
        said.contains("metric_alert.resolved no level (min_level does not apply)"),
        "{said}"
    );
    let warning = relay(
        &[
            "check",
            "--explain",
            "examples/payloads/metric_alert-warning.json",
        ],
        &env,
    );
    let stdout = String::from_utf8_lossy(&warning.stdout);
    assert!(
        !stdout.contains("→ robot payments"),
        "a warning stays below error: {stdout}"
    );
}
