//! One sender per robot: a lease row per robot, and the fence every sender write checks. The
//! `serve` lock keeps one process per file, so the lease only hands robots over between the
//! senders of that process and its successor (see the PostgreSQL `lease.rs` for the clock).

use super::{SqliteOutbox, sql_error};
use crate::outbox::port::LeaseStore;
use crate::outbox::types::{Lease, LeaseAsk, LeaseTerm, StoreError};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

#[async_trait]
impl LeaseStore for SqliteOutbox {
    async fn acquire_lease(&self, ask: LeaseAsk<'_>) -> Result<Option<Lease>, StoreError> {
        let (robot, owner) = (ask.robot, ask.owner);
        let LeaseTerm { now, ttl_ms } = ask.term;
        let lease = Lease {
            robot: robot.to_owned(),
            owner: owner.to_owned(),
            fence: 0,
        };
        self.write_sql(move |c| {
            let tx = c.transaction()?;
            let select = "SELECT owner, fence, expires_at FROM leases WHERE robot = ?1";
            let row: Option<(String, i64, i64)> = tx
                .query_row(select, [&lease.robot], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            let fence = match row {
                Some((holder, fence, _)) if holder == lease.owner => fence,
                Some((_, fence, expires)) if expires <= now => fence + 1,
                Some(_) => return Ok(None),
                None => 1,
            };
            tx.execute(
                "INSERT INTO leases (robot, owner, fence, expires_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (robot) DO UPDATE SET owner = ?2, fence = ?3, expires_at = ?4",
                params![lease.robot, lease.owner, fence, now + ttl_ms],
            )?;
            tx.commit()?;
            Ok(Some(Lease { fence, ..lease }))
        })
        .await
    }

    async fn renew_lease(&self, lease: &Lease, now: i64, ttl_ms: i64) -> Result<bool, StoreError> {
        let lease = lease.clone();
        self.write_sql(move |c| {
            let sql = "UPDATE leases SET expires_at = ?4
                       WHERE robot = ?1 AND owner = ?2 AND fence = ?3";
            let n = c.execute(
                sql,
                params![lease.robot, lease.owner, lease.fence, now + ttl_ms],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let lease = lease.clone();
        self.write_sql(move |c| {
            let sql = "UPDATE leases SET expires_at = 0
                       WHERE robot = ?1 AND owner = ?2 AND fence = ?3";
            c.execute(sql, params![lease.robot, lease.owner, lease.fence])
        })
        .await?;
        Ok(())
    }
}

/// Runs `write` in a transaction that first proves `lease` is still the robot's current one.
pub(super) fn fenced<T>(
    conn: &mut Connection,
    lease: &Lease,
    write: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
) -> Result<T, StoreError> {
    let tx = conn.transaction().map_err(sql_error)?;
    let current: Option<i64> = tx
        .prepare_cached("SELECT fence FROM leases WHERE robot = ?1 AND owner = ?2")
        .and_then(|mut s| {
            s.query_row(params![lease.robot, lease.owner], |r| r.get(0))
                .optional()
        })
        .map_err(sql_error)?;
    if current != Some(lease.fence) {
        return Err(StoreError::LeaseLost {
            robot: lease.robot.clone(),
        });
    }
    let out = write(&tx).map_err(sql_error)?;
    tx.commit().map_err(sql_error)?;
    Ok(out)
}
