//! The action-link key the relay stored (SQLite or PostgreSQL), and every form in which it
//! could be printed.

use base64::Engine;
use std::path::Path;

/// Every way the key could be printed: hex, base64 (both alphabets, padded or not), and the
/// `Debug` of a byte slice, which is how a driver shows a `bytea` parameter.
pub(super) fn key_forms(key: &[u8]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let debug = format!("{key:?}");
    vec![
        hex::encode(key),
        hex::encode_upper(key),
        STANDARD.encode(key),
        STANDARD_NO_PAD.encode(key),
        URL_SAFE.encode(key),
        URL_SAFE_NO_PAD.encode(key),
        debug.trim_matches(['[', ']']).to_string(),
    ]
}

pub(super) async fn stored_key(data: &Path, database_url: Option<&str>) -> Vec<u8> {
    const SQL: &str = "SELECT value FROM settings_kv WHERE key = 'action_key'";
    match database_url {
        None => rusqlite::Connection::open(data.join("outbox.sqlite3"))
            .expect("db")
            .query_row(SQL, [], |r| r.get(0))
            .expect("the stored key"),
        Some(url) => {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(connection);
            client.query_one(SQL, &[]).await.expect("key").get(0)
        }
    }
}
