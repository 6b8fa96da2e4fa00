//! Work another process queued — `digest` or `replay` run beside `serve` — wakes the senders.
//! SQLite tells no other process of a commit, so the relay looks: `PRAGMA data_version` (one
//! read of the shared WAL index, no I/O) changes when any other connection committed, and only
//! then are the robots of the alert and message rows added since woken. This process's own
//! enqueues wake their robots directly; seen here again, they cost a sender one look at the
//! store.

use super::sql_error;
use crate::outbox::types::StoreError;
use rusqlite::Connection;
use std::path::Path;
use std::sync::Weak;
use std::time::Duration;
use tokio::sync::broadcast;

/// How often the relay looks: work queued beside it is picked up within about this.
pub const WATCH_EVERY: Duration = Duration::from_millis(500);

/// The newest rows seen, and the file's version when they were.
struct Seen {
    version: i64,
    alert: i64,
    message: i64,
}

/// Watches `path` for as long as `alive` does, sending each woken robot's name to `wake`.
pub fn spawn_watcher(
    path: &Path,
    wake: broadcast::Sender<String>,
    alive: Weak<()>,
) -> Result<(), StoreError> {
    let conn = Connection::open(path).map_err(sql_error)?;
    conn.busy_timeout(Duration::from_secs(1))
        .map_err(sql_error)?;
    let mut seen = Seen::now(&conn).map_err(sql_error)?;
    std::thread::Builder::new()
        .name("outbox-watch".into())
        .spawn(move || {
            while alive.upgrade().is_some() {
                std::thread::sleep(WATCH_EVERY);
                // A failed look (the file busy, say) is tried again at the next one.
                if let Ok(robots) = seen.new_work(&conn) {
                    for robot in robots {
                        let _ = wake.send(robot);
                    }
                }
            }
        })
        .map(|_| ())
        .map_err(|e| StoreError::Setup(format!("cannot start the outbox watch thread: {e}")))
}

fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
}

impl Seen {
    fn now(conn: &Connection) -> rusqlite::Result<Self> {
        let version = data_version(conn)?;
        let (alert, message) = newest_ids(conn)?;
        Ok(Self {
            version,
            alert,
            message,
        })
    }

    /// The robots with alerts or messages added since the last look, if anyone committed.
    fn new_work(&mut self, conn: &Connection) -> rusqlite::Result<Vec<String>> {
        let version = data_version(conn)?;
        if version == self.version {
            return Ok(Vec::new());
        }
        // The newest ids first, then the robots up to them: a row committed in between is
        // left to the next look (its commit changes the version again).
        let (alert, message) = newest_ids(conn)?;
        let mut stmt = conn.prepare_cached(
            "SELECT robot FROM alerts WHERE id > ?1 AND id <= ?2
             UNION SELECT robot FROM messages WHERE id > ?3 AND id <= ?4",
        )?;
        let robots = stmt
            .query_map([self.alert, alert, self.message, message], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        *self = Self {
            version,
            alert,
            message,
        };
        Ok(robots)
    }
}

fn newest_ids(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM alerts), (SELECT COALESCE(MAX(id), 0) FROM messages)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}
