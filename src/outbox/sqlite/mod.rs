//! The embedded outbox: one SQLite file in `DATA_DIR`, sent from by one `serve` process at a
//! time; commands that queue work write into it beside that process. One file per part of the
//! port, named as in the PostgreSQL outbox, each holding that part's SQL: [`intake`] (with
//! [`repeats`]), [`lease`], [`sender`], [`trace`], [`operator`], [`shared`], [`cards`];
//! [`connection`], [`lock`], [`watch`] and [`migrate`] below them.
//!
//! Two connections — one writes, one reads (WAL lets a reader run beside the writer) — each
//! owned by a thread of its own, so a slow disk never stalls the runtime threads that answer
//! webhooks.

mod backup;
mod cards;
mod connection;
mod console;
mod escalation;
mod intake;
mod lease;
mod lock;
mod migrate;
mod oncall;
mod operator;
mod quiet;
mod quota;
mod repeats;
mod sender;
mod shared;
mod storm;
mod trace;
mod watch;

use crate::outbox::columns::{Columns, Value};
use crate::outbox::types::{Lease, StoreError};
use connection::{ConnectionThread, alive_token, open_connection, spawn_checkpointer};
use lock::{lock_data_dir, try_lock_data_dir};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::broadcast;

pub use backup::backup;

pub const DB_FILE: &str = "outbox.sqlite3";
/// Held (flock) by the `serve` process that owns `DATA_DIR`.
pub const LOCK_FILE: &str = "serve.lock";

fn sql_error(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// The shared row mappings (`columns.rs`) read SQLite rows inside rusqlite's own callbacks.
impl Columns for rusqlite::Row<'_> {
    type Error = rusqlite::Error;

    fn column<T: Value>(&self, index: usize) -> rusqlite::Result<T> {
        self.get(index)
    }
}

/// The row `sql` (prepared once per connection) finds with `params`, read by `read`; `None`
/// when it finds none.
fn optional_row<T>(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    read: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Option<T>> {
    use rusqlite::OptionalExtension;
    c.prepare_cached(sql)?.query_row(params, read).optional()
}

fn make_dir(data_dir: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| StoreError::Setup(format!("data directory {}: {e}", data_dir.display())))
}

/// The work of every port method runs on the writer's or the reader's connection thread.
/// Nothing in it is secret, so `Debug` shows it all.
#[derive(Debug)]
pub struct SqliteOutbox {
    writer: ConnectionThread,
    reader: ConnectionThread,
    path: PathBuf,
    wake: broadcast::Sender<String>,
    /// The `serve` lock on `DATA_DIR`, held for as long as this outbox lives.
    _lock: Option<std::fs::File>,
    /// The checkpointer runs while this lives.
    _alive: Arc<()>,
}

impl SqliteOutbox {
    /// Opens (creating and migrating) `DATA_DIR/outbox.sqlite3`. `exclusive` takes the data
    /// directory's `serve` lock: a second sender on one file would double-post.
    pub fn open(data_dir: &Path, exclusive: bool) -> Result<Self, StoreError> {
        make_dir(data_dir)?;
        let lock = if exclusive {
            Some(lock_data_dir(data_dir)?)
        } else {
            None
        };
        Self::open_with(data_dir, lock)
    }

    /// For a command that queues work: takes the `serve` lock when it is free — no relay
    /// runs, and the command sends what it queued itself — and otherwise opens beside the
    /// running `serve`, which sends it. `sends_here` tells which.
    pub fn open_to_queue(data_dir: &Path) -> Result<Self, StoreError> {
        make_dir(data_dir)?;
        let lock = try_lock_data_dir(data_dir)?;
        Self::open_with(data_dir, lock)
    }

    /// Whether this process holds the `serve` lock, so it is the one that sends.
    pub fn sends_here(&self) -> bool {
        self._lock.is_some()
    }

    fn open_with(data_dir: &Path, lock: Option<std::fs::File>) -> Result<Self, StoreError> {
        let exclusive = lock.is_some();
        let path = data_dir.join(DB_FILE);
        let mut writer = open_connection(&path)?;
        migrate::apply(&mut writer).map_err(sql_error)?;
        // Checkpoints fsync; done inline they stall a webhook for tens of milliseconds.
        // A background connection does them instead, the inline one is only a safety net.
        writer
            .pragma_update(None, "wal_autocheckpoint", 20_000)
            .map_err(sql_error)?;
        if exclusive {
            // Nobody else sends from this file while we hold the lock: leases left by a killed
            // predecessor are void, so its robots are taken over at once, not after their TTL.
            writer
                .execute("UPDATE leases SET expires_at = 0", [])
                .map_err(sql_error)?;
        }
        let reader = open_connection(&path)?;
        let alive = alive_token();
        spawn_checkpointer(&path, Arc::downgrade(&alive))?;
        let wake = broadcast::channel(256).0;
        if exclusive {
            // The sender hears of work that commands beside it queue.
            watch::spawn_watcher(&path, wake.clone(), Arc::downgrade(&alive))?;
        }
        Ok(Self {
            writer: ConnectionThread::spawn("outbox-writer", writer)?,
            reader: ConnectionThread::spawn("outbox-reader", reader)?,
            path,
            wake,
            _lock: lock,
            _alive: alive,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.writer.run(f).await
    }

    pub(super) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.reader.run(f).await
    }

    /// A write of plain SQL on the writer's thread.
    pub(super) async fn write_sql<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.writer.run(move |c| f(c).map_err(sql_error)).await
    }

    /// A read of plain SQL on the reader's thread.
    pub(super) async fn read_sql<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.reader.run(move |c| f(c).map_err(sql_error)).await
    }

    /// A sender's write, in a transaction that first proves `lease` is still current.
    pub(super) async fn fenced<T: Send + 'static>(
        &self,
        lease: &Lease,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &Lease) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let lease = lease.clone();
        self.write(move |c| lease::fenced(c, &lease, |tx| f(tx, &lease)))
            .await
    }

    /// A write of one statement that claims a row (`INSERT … ON CONFLICT …`, `INSERT OR
    /// IGNORE`); true when it did.
    pub(super) async fn claim<P>(&self, sql: &'static str, values: P) -> Result<bool, StoreError>
    where
        P: rusqlite::Params + Send + 'static,
    {
        self.write_sql(move |c| Ok(c.execute(sql, values)? == 1))
            .await
    }

    /// One number about `robot`: `sql` takes the robot as `?1`.
    pub(super) async fn robot_scalar(
        &self,
        sql: &'static str,
        robot: &str,
    ) -> Result<Option<i64>, StoreError> {
        let robot = robot.to_owned();
        self.read_sql(move |c| c.prepare_cached(sql)?.query_row([robot], |r| r.get(0)))
            .await
    }

    pub(super) fn subscribe(&self) -> broadcast::Receiver<String> {
        self.wake.subscribe()
    }

    /// Tells this process's senders that `robot` has something to send.
    pub(super) fn wake(&self, robot: String) {
        let _ = self.wake.send(robot);
    }
}
