//! One sender per robot: a lease row per robot, and a fence that every sender write checks.
//!
//! Clock: lease times use the `now` the caller passes (the replica's wall clock, in ms), like
//! every other time in the outbox, not the database's `now()`. One clock for all times keeps a
//! lease comparable with the budget history and the pause it guards, and gives SQLite and
//! PostgreSQL one contract that the conformance suite can drive with chosen times. Replica
//! clocks are NTP-synchronised to milliseconds, far below the lease TTL (seconds); a skew only
//! moves *when* an expired lease can be taken over, never lets two holders write: the fence
//! settles that, whatever the clocks say.
//!
//! Fencing: a fenced write runs in a transaction that first reads the lease row `FOR SHARE`
//! with the caller's owner and fence. A takeover updates that row, so it waits for a fenced
//! write in flight to commit, and a write that starts after the takeover finds the new fence
//! and fails with `LeaseLost` before changing anything. Every write of an old holder is thus
//! ordered before the new holder's first read.

use super::super::port::LeaseStore;
use super::super::types::{Lease, LeaseAsk, LeaseTerm, StoreError};
use super::PgOutbox;
use super::connection::{Conn, Params, Tx};
use super::error::db;
use async_trait::async_trait;

#[async_trait]
impl LeaseStore for PgOutbox {
    async fn acquire_lease(&self, ask: LeaseAsk<'_>) -> Result<Option<Lease>, StoreError> {
        let (robot, owner) = (ask.robot, ask.owner);
        let LeaseTerm { now, ttl_ms } = ask.term;
        // Free (released: owner ''), expired, or already ours. A different holder than the
        // last one gets the next fence; the same holder keeps its fence, so its writes in
        // flight stay valid across a renewal that came late.
        let sql = "INSERT INTO leases (robot, owner, fence, expires_at)
                   VALUES ($1, $2, 1, $3::bigint + $4::bigint)
                   ON CONFLICT (robot) DO UPDATE SET
                       owner = excluded.owner,
                       fence = CASE WHEN leases.owner = excluded.owner THEN leases.fence
                                    ELSE leases.fence + 1 END,
                       expires_at = excluded.expires_at
                   WHERE leases.owner = excluded.owner OR leases.owner = ''
                      OR leases.expires_at <= $3
                   RETURNING fence";
        let params: Params = &[&robot, &owner, &now, &ttl_ms];
        let Some(row) = self.db().await?.query_opt(sql, params).await? else {
            return Ok(None);
        };
        Ok(Some(Lease {
            robot: robot.to_owned(),
            owner: owner.to_owned(),
            fence: row.try_get(0).map_err(db)?,
        }))
    }

    async fn renew_lease(&self, lease: &Lease, now: i64, ttl_ms: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE leases SET expires_at = $4::bigint + $5::bigint
                   WHERE robot = $1 AND owner = $2 AND fence = $3";
        let params: Params = &[&lease.robot, &lease.owner, &lease.fence, &now, &ttl_ms];
        self.db().await?.claims(sql, params).await
    }

    /// Hands the robot over at once: the next `acquire` by anyone succeeds, with a new fence,
    /// and this lease's writes are refused from now on.
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        // The notification wakes the other replicas' senders for this robot, so a SIGTERM
        // hands the robot over at once instead of at their next poll. Sent in the same
        // statement: the notifier task may already be gone when a replica shuts down.
        let sql = "WITH released AS (
                       UPDATE leases SET owner = '', expires_at = 0
                       WHERE robot = $1 AND owner = $2 AND fence = $3 RETURNING robot)
                   SELECT pg_notify($4, robot) FROM released";
        let channel = super::wakeup::CHANNEL;
        let params: Params = &[&lease.robot, &lease.owner, &lease.fence, &channel];
        self.db().await?.query(sql, params).await?;
        Ok(())
    }
}

/// Begins a transaction in which `lease` is proven current and stays so until it ends;
/// `LeaseLost` (and nothing written) when another holder's fence replaced it.
pub(super) async fn fenced<'a>(conn: &'a mut Conn, lease: &Lease) -> Result<Tx<'a>, StoreError> {
    let tx = conn.transaction().await?;
    let check = "SELECT 1 FROM leases WHERE robot = $1 AND owner = $2 AND fence = $3 FOR SHARE";
    let params: Params = &[&lease.robot, &lease.owner, &lease.fence];
    if tx.query_opt(check, params).await?.is_none() {
        return Err(StoreError::LeaseLost {
            robot: lease.robot.clone(),
        });
    }
    Ok(tx)
}
