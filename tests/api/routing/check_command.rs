//! `sentry-dingtalk check`: the routing table, the mute windows, and where an example alert goes.

use std::path::Path;
use std::process::Output;

/// `sentry-dingtalk check ARGS` on the routing file `config`, without the environment's robot.
fn check(config: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .arg("check")
        .args(args)
        .env("CONFIG_FILE", config)
        .env_remove("DINGTALK_WEBHOOK")
        .output()
        .expect("check runs")
}

/// `check --explain` of the example alert on `config`, which must succeed; what it printed.
fn explain(config: &Path) -> String {
    let out = check(
        config,
        &["--explain", "examples/payloads/event_alert-triggered.json"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn check_prints_the_routing_table_and_explains() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("r.toml");
    std::fs::write(&path, "[[robots]]\nname = \"pay\"\nwebhook = \"https://x.example/r?access_token=secret-token\"\n\n[[routes]]\nname = \"pay-route\"\nprojects = [\"payments-*\"]\nrobots = [\"pay\"]\nmention = { mobiles = [\"13800001111\"] }\n").expect("write");
    let stdout = explain(&path);
    assert!(
        stdout.contains("route 0 pay-route: projects=payments-* → pay | mention @13800001111"),
        "{stdout}"
    );
    assert!(
        stdout.contains("→ robot pay mentions @13800001111 (route pay-route"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("secret-token"),
        "robot URL leaked: {stdout}"
    );
}

#[test]
fn check_shows_mute_windows_and_which_targets_are_held_now() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("m.toml");
    std::fs::write(
        &path,
        "[[robots]]\nname = \"pay\"\nwebhook = \"https://x.example/r?access_token=t\"\n\n\
         [[mute_times]]\nname = \"always\"\nzone = \"UTC\"\ntimes = [\"00:00-24:00\"]\n\n\
         [[routes]]\nname = \"quiet\"\nrobots = [\"pay\"]\nmute_times = [\"always\"]\n\n\
         [[routes]]\nrobots = [\"pay\"]\n",
    )
    .expect("write");
    let stdout = explain(&path);
    for expected in [
        "mute window always: every day 00:00-24:00 UTC (active all the time)",
        "route 0 quiet: any alert → pay",
        // An unnamed route goes by its number alone.
        "route 1: any alert → pay",
        "  mute: always (active all the time)",
        "→ robot pay mentions nobody (route quiet",
        "    held now by mute window always",
    ] {
        assert!(stdout.contains(expected), "{expected}\nnot in:\n{stdout}");
    }

    std::fs::write(
        &path,
        "[[robots]]\nname = \"pay\"\nwebhook = \"https://x.example/r?access_token=t\"\n\n\
         [[routes]]\nrobots = [\"pay\"]\nmute_times = [\"nihgts\"]\n",
    )
    .expect("write");
    let out = check(&path, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("routes[0].mute_times: unknown window \"nihgts\""),
        "{stderr}"
    );
}
