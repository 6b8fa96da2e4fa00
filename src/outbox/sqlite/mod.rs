//! The embedded outbox: one SQLite file in `DATA_DIR`, sent from by one `serve` process at a
//! time; commands that queue work write into it beside that process.
//!
//! Two connections — one writes, one reads (WAL lets a reader run beside the writer) — each
//! owned by a thread of its own, so a slow disk never stalls the runtime threads that answer
//! webhooks.

mod cards;
mod connection;
mod enqueue;
mod lock;
mod operator;
mod port_impl;
mod port_sender;
mod schema;
mod sender;
mod shared;
mod store;
mod trace;
mod watch;

pub use store::SqliteOutbox;

use crate::outbox::types::StoreError;

pub const DB_FILE: &str = "outbox.sqlite3";
/// Held (flock) by the `serve` process that owns `DATA_DIR`.
pub const LOCK_FILE: &str = "serve.lock";

pub(crate) fn sql_error(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}
