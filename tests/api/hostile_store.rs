//! Issue 9, the storage side: readiness that means "a webhook would be stored now", one sending
//! process per data directory, and unreadable rows set aside instead of blocking a robot.

use crate::helpers::*;
use sentry_dingtalk::outbox::types::Enqueue;
use sentry_dingtalk::outbox::{Access, MessageState};
use std::time::Duration;

/// A small tmpfs for a full-disk test, unmounted on drop. `None` when mounting is not allowed.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Self { dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes zeros until the disk says it is full.
fn fill(path: &std::path::Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).expect("filler");
    let block = vec![0u8; 64 * 1024];
    while f.write_all(&block).is_ok() {}
    let _ = f.sync_all();
}

#[tokio::test]
#[ignore = "needs root (mounts a small tmpfs)"]
async fn disk_full_makes_readyz_and_webhooks_503_and_both_recover() {
    let disk = SmallDisk::mount("3m");
    needs(disk.is_some(), "root, to mount a small tmpfs");
    let Some(disk) = disk else { return };
    let data = disk.dir.path().join("data");
    let app = spawn_app_with(|s| s.data_dir = data.clone()).await;
    let ready = |app: &TestApp| {
        let url = format!("{}/readyz", app.address);
        let http = app.http.clone();
        async move {
            http.get(url)
                .send()
                .await
                .expect("readyz")
                .status()
                .as_u16()
        }
    };
    assert_eq!(ready(&app).await, 200);
    fill(&disk.dir.path().join("filler"));
    // Writes may still land in space SQLite already holds (a restarted WAL is reused), so the
    // answers can flip for a moment; soon a webhook and readyz must both say 503, and every
    // webhook answered 202 meanwhile must really be stored (checked at the end).
    let accepted = std::sync::atomic::AtomicUsize::new(0);
    let serial = std::sync::atomic::AtomicUsize::new(0);
    let relay = &app;
    let ready_metric = move |want: f64| async move {
        metric(&relay.http, &relay.address, "sentry_dingtalk_ready").await == Some(want)
    };
    // All three are asked in one round, and each round posts again: space a checkpoint frees
    // lets a lone check write land, so a round only counts while the disk stays full.
    let all_refuse = poll_async(Duration::from_secs(20), || async {
        let i = serial.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let body = format!(
            r#"{{"action":"created","data":{{"issue":{{"id":"{i}","title":"disk {i} {}"}}}}}}"#,
            "x".repeat(2000)
        );
        let status = app
            .post_signed("issue", body.as_bytes())
            .await
            .status()
            .as_u16();
        assert!(status == 202 || status == 503, "unexpected status {status}");
        if status == 202 {
            accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return false;
        }
        ready(&app).await == 503 && ready_metric(0.0).await
    })
    .await;
    assert!(
        all_refuse,
        "a full disk must give webhooks and readyz 503, and the scrape must tell it"
    );
    let accepted = accepted.into_inner();
    std::fs::remove_file(disk.dir.path().join("filler")).expect("free space");
    assert!(
        poll_async(WAIT, || async { ready(&app).await == 200 }).await,
        "ready again once there is space"
    );
    assert!(
        poll_async(WAIT, || ready_metric(1.0)).await,
        "and so does the scrape"
    );
    let answer = app
        .post_signed("issue", &example("issue-created.json"))
        .await;
    assert_eq!(answer.status().as_u16(), 202);
    // Nothing answered 202 was lost: every accepted alert reaches the robot.
    assert!(
        app.robot
            .wait_for(Duration::from_secs(20), |p| p.len() > accepted)
            .await
            || app.stats().await.iter().map(|s| s.count).sum::<i64>() > accepted as i64,
        "accepted alerts are stored"
    );
}

#[tokio::test]
async fn a_second_serve_on_one_data_dir_refuses_to_start_and_commands_still_work() {
    let robot = crate::fake_robot::FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let data = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let mut first = serve(&robot, data.path(), port, &[]);
    let client = reqwest::Client::new();
    assert!(wait_healthy(&client, &format!("http://127.0.0.1:{port}")).await);
    let second = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .arg("serve")
        .env_clear()
        .env("SENTRY_CLIENT_SECRET", CLIENT_SECRET)
        .env("LISTEN_ADDR", format!("127.0.0.1:{}", free_port()))
        .env("DATA_DIR", data.path())
        .output()
        .expect("second serve");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "the second serve must exit");
    assert!(
        stderr.contains("in use by another"),
        "clear message: {stderr}"
    );
    let stats = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .args(["outbox", "stats"])
        .env_clear()
        .env("DATA_DIR", data.path())
        .output()
        .expect("outbox stats");
    assert!(
        stats.status.success(),
        "read-only commands work beside the relay: {}",
        String::from_utf8_lossy(&stats.stderr)
    );
    let _ = first.kill();
    let _ = first.wait();
}

#[tokio::test]
async fn an_unreadable_row_is_set_aside_as_dead_and_the_robot_goes_on() {
    let data = tempfile::tempdir().expect("tmp");
    {
        // Two alerts queued by an earlier run; the first one's stored JSON is then damaged.
        let outbox =
            sentry_dingtalk::outbox::open_sqlite(data.path(), Access::Shared).expect("open");
        for name in ["issue-created.json", "issue-assigned.json"] {
            let value = serde_json::from_slice(&example(name)).expect("json");
            let parsed = sentry_dingtalk::payload::parse_integration(
                "issue",
                &value,
                &sentry_dingtalk::payload::LinkBase::default(),
            );
            let sentry_dingtalk::payload::Parsed::Alert(alert) = parsed else {
                panic!("alert")
            };
            let item = sentry_dingtalk::outbox::Delivery {
                robot: "default".into(),
                queued: sentry_dingtalk::outbox::QueuedAlert {
                    alert: *alert,
                    at: Default::default(),
                    mute: Vec::new(),
                    storm_exempt: false,
                },
                repeat: Vec::new(),
                escalate: Vec::new(),
            };
            outbox
                .enqueue(Enqueue {
                    identity: vec![name.into()],
                    about: None,
                    items: vec![item],
                    record: None,
                    now: 1,
                })
                .await
                .expect("enqueue");
        }
        let conn = rusqlite::Connection::open(data.path().join("outbox.sqlite3")).expect("db");
        conn.execute(
            "UPDATE alerts SET payload = '{not json' WHERE id = (SELECT MIN(id) FROM alerts)",
            [],
        )
        .expect("damage");
    }
    let app = spawn_app_with(|s| s.data_dir = data.path().to_path_buf()).await;
    assert!(
        app.robot.wait_for(WAIT, |p| p.len() == 1).await,
        "the readable alert behind the bad row is sent"
    );
    let dead = app.messages(Some(MessageState::Dead)).await;
    assert_eq!(dead.len(), 1, "{dead:?}");
    let reason = dead[0].last_error.clone().unwrap_or_default();
    assert!(reason.contains("unreadable alert row"), "{reason}");
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("sentry_dingtalk_alerts_set_aside_total{robot=\"default\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn metrics_have_samples_before_any_traffic() {
    let app = spawn_app().await;
    let text = app.metrics().await;
    for family in [
        "sentry_dingtalk_webhooks_total{resource=\"issue\",result=\"accepted\"} 0",
        // What the legacy endpoint counts while LEGACY_WEBHOOK_TOKEN is unset.
        "sentry_dingtalk_webhooks_total{resource=\"legacy\",result=\"not_found\"} 0",
        "sentry_dingtalk_deliveries_total{outcome=\"sent\",robot=\"default\"} 0",
        "sentry_dingtalk_outbox_messages{robot=\"default\",state=\"waiting\"} 0",
        "sentry_dingtalk_storms_total{robot=\"default\"} 0",
        "sentry_dingtalk_alerts_in_storms_total{robot=\"default\"} 0",
    ] {
        assert!(text.contains(family), "missing {family} in:\n{text}");
    }
}
