//! `outbox backup FILE`: a consistent copy of the outbox while the relay runs. `VACUUM INTO`
//! reads one snapshot and writes it out; sqlite3's `.backup` starts over whenever another
//! connection writes, and a running relay writes every few seconds (leases, readiness), so
//! under steady webhooks it never finished. The copy is compact and needs no `-wal` beside it.

use super::{DB_FILE, sql_error};
use crate::outbox::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Copies `DATA_DIR/outbox.sqlite3` to `to`, which must not exist yet; its size in bytes.
pub fn backup(data_dir: &Path, to: &Path) -> Result<u64, StoreError> {
    if to.exists() {
        return Err(StoreError::Setup(format!(
            "{} exists: name a new file",
            to.display()
        )));
    }
    let target = to
        .to_str()
        .ok_or_else(|| StoreError::Setup(format!("{} is not UTF-8", to.display())))?;
    // Opened without CREATE: a missing store is an error, never a new empty one.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(data_dir.join(DB_FILE), flags).map_err(sql_error)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sql_error)?;
    conn.execute("VACUUM INTO ?1", [target])
        .map_err(sql_error)?;
    std::fs::metadata(to)
        .map(|m| m.len())
        .map_err(|e| StoreError::Setup(format!("{}: {e}", to.display())))
}
