//! The `serve` lock on `DATA_DIR`: one process sends from an outbox file. Commands that only
//! queue work write beside it (SQLite takes a second writer process safely, one commit at a
//! time); sending stays with the lock's holder.

use super::LOCK_FILE;
use crate::outbox::types::StoreError;
use std::fs::File;
use std::path::Path;

/// The lock, or an error that says another `serve` holds it.
pub fn lock_data_dir(data_dir: &Path) -> Result<File, StoreError> {
    try_lock_data_dir(data_dir)?.ok_or_else(|| {
        StoreError::Setup(format!(
            "DATA_DIR {} is in use by another `sentry-dingtalk serve` (it holds {}); \
             two relays on one outbox would post every alert twice. Stop the other one, or \
             give this one its own DATA_DIR (or a shared DATABASE_URL for several replicas)",
            data_dir.display(),
            data_dir.join(LOCK_FILE).display()
        ))
    })
}

/// The lock, or `None` while another process (a running `serve`) holds it.
pub fn try_lock_data_dir(data_dir: &Path) -> Result<Option<File>, StoreError> {
    let path = data_dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::Setup(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Setup(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}
