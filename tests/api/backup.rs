//! `outbox backup FILE` beside a running relay while webhooks keep coming (sqlite3's `.backup`
//! started over at every write and never finished under steady traffic): the copy is made,
//! opens as an outbox, and holds what was stored; a file that exists is never overwritten.

use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[tokio::test]
async fn a_backup_completes_while_webhooks_keep_coming() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let (_relay, base) = start_relay(&robot, &data, &[("DINGTALK_GROUP_WINDOW", "0")]).await;

    // Webhooks without pause until the backup is done: the store is written all along.
    let posting = Arc::new(AtomicBool::new(true));
    let poster = {
        let (posting, base) = (posting.clone(), base.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut sent = 0u32;
            while posting.load(Ordering::Relaxed) {
                let body = format!(
                    r#"{{"action":"triggered","data":{{"event":{{"issue_id":"{}","title":"Boom {sent}","level":"error"}}}}}}"#,
                    1000 + sent
                );
                let answer = signed_webhook(&client, &base, "event_alert", body.into_bytes())
                    .send()
                    .await;
                assert_eq!(answer.map(|r| r.status().as_u16()).ok(), Some(202));
                sent += 1;
            }
            sent
        })
    };
    while robot.posted().len() < 3 {
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let copy = dir.path().join("copy.sqlite3");
    let copy_s = copy.to_str().expect("utf8");
    let out = run_beside(&robot, &data, &["outbox", "backup", copy_s], &[]).await;
    posting.store(false, Ordering::Relaxed);
    let sent = poster.await.expect("poster");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.starts_with("copied the outbox to "), "{said}");
    assert!(sent > 3, "webhooks kept coming during the backup ({sent})");

    // The copy is an outbox: put in place in another DATA_DIR, the commands read it.
    let restored = dir.path().join("restored");
    std::fs::create_dir(&restored).expect("mkdir");
    std::fs::copy(&copy, restored.join("outbox.sqlite3")).expect("cp");
    let stats = run_beside(&robot, &restored, &["outbox", "stats", "--json"], &[]).await;
    let rows: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("stats json");
    let messages: i64 = rows
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["count"].as_i64())
        .sum();
    assert!(messages >= 3, "the copy holds what was stored: {rows}");

    let again = run_beside(&robot, &data, &["outbox", "backup", copy_s], &[]).await;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists: name a new file"));

    // No store there: an error, and no empty outbox made.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let other = dir.path().join("other.sqlite3");
    let args = ["outbox", "backup", other.to_str().expect("utf8")];
    let none = run_beside(&robot, &empty, &args, &[]).await;
    assert!(!none.status.success());
    assert!(!empty.join("outbox.sqlite3").exists() && !other.exists());
}
