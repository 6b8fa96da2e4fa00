//! Issue 17, point 9: `/readyz` runs the rows a webhook writes, so a damaged page on that path
//! makes it 503 as it makes the webhook 503 (it said 200 "writable" before).

use crate::helpers::*;
use sentry_dingtalk::outbox::Access;

/// Overwrites the first page of the b-tree `name` (a table or an index) with garbage, as a
/// disk or a stray write might.
fn damage_btree(db: &std::path::Path, name: &str) {
    use std::io::{Seek, SeekFrom, Write};
    let (page_size, root): (i64, i64) = {
        let conn = rusqlite::Connection::open(db).expect("db");
        // Everything in the main file, so the damage is what a reader finds.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
        let size = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .expect("page size");
        let root = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .expect("root page");
        (size, root)
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(db)
        .expect("open the file");
    file.seek(SeekFrom::Start(((root - 1) * page_size) as u64))
        .expect("seek");
    file.write_all(&vec![0xA5; page_size as usize])
        .expect("damage");
    file.sync_all().expect("sync");
}

#[tokio::test]
async fn a_damaged_page_on_the_webhook_path_makes_readyz_503_like_the_webhook() {
    let data = tempfile::tempdir().expect("tmp");
    drop(sentry_dingtalk::outbox::open_sqlite(data.path(), Access::Shared).expect("create"));
    // The index every dedup key goes into: read by nothing but a webhook's insert and prune.
    damage_btree(&data.path().join("outbox.sqlite3"), "dedup_seen");
    let app = spawn_app_with(|s| s.data_dir = data.path().to_path_buf()).await;
    let answer = app
        .post_signed("issue", &example("issue-created.json"))
        .await;
    assert_eq!(
        answer.status().as_u16(),
        503,
        "the webhook cannot be stored"
    );
    let ready = app
        .http
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("readyz");
    assert_eq!(
        ready.status().as_u16(),
        503,
        "readyz says what a webhook gets"
    );
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["outbox"], "not writable");
}
