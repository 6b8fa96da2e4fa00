//! What a robot's sender reads and writes. Every write checks the sender's lease fence in the
//! same transaction, so a sender that lost its robot cannot change what the new one owns.

use super::sql_error;
use crate::outbox::types::{
    ATTEMPT_LOG_KEEP_MS, Lease, MessageRow, MessageState, StoreError, UnreadableAlert,
    WaitingAlert, WaitingAlerts,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

pub fn acquire_lease(
    conn: &mut Connection,
    robot: &str,
    owner: &str,
    now: i64,
    ttl_ms: i64,
) -> rusqlite::Result<Option<Lease>> {
    let tx = conn.transaction()?;
    let row: Option<(String, i64, i64)> = tx
        .query_row(
            "SELECT owner, fence, expires_at FROM leases WHERE robot = ?1",
            [robot],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let fence = match row {
        Some((holder, fence, _)) if holder == owner => fence,
        Some((_, fence, expires)) if expires <= now => fence + 1,
        Some(_) => return Ok(None),
        None => 1,
    };
    tx.execute(
        "INSERT INTO leases (robot, owner, fence, expires_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (robot) DO UPDATE SET owner = ?2, fence = ?3, expires_at = ?4",
        params![robot, owner, fence, now + ttl_ms],
    )?;
    tx.commit()?;
    Ok(Some(Lease {
        robot: robot.to_string(),
        owner: owner.to_string(),
        fence,
    }))
}

pub fn renew_lease(
    conn: &Connection,
    lease: &Lease,
    now: i64,
    ttl_ms: i64,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE leases SET expires_at = ?4 WHERE robot = ?1 AND owner = ?2 AND fence = ?3",
        params![lease.robot, lease.owner, lease.fence, now + ttl_ms],
    )?;
    Ok(n == 1)
}

pub fn release_lease(conn: &Connection, lease: &Lease) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE leases SET expires_at = 0 WHERE robot = ?1 AND owner = ?2 AND fence = ?3",
        params![lease.robot, lease.owner, lease.fence],
    )?;
    Ok(())
}

/// Runs `write` in a transaction that first proves `lease` is still the robot's current one.
pub fn fenced<T>(
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

pub fn waiting_alerts(
    conn: &Connection,
    robot: &str,
    limit: usize,
) -> rusqlite::Result<WaitingAlerts> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, payload, received_at FROM alerts WHERE robot = ?1 AND message_id IS NULL
         ORDER BY level DESC, id ASC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![robot, limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1),
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = WaitingAlerts::default();
    for row in rows {
        let (id, payload, received_at) = row?;
        let parsed = payload
            .map_err(|e| e.to_string())
            .and_then(|p| serde_json::from_str(&p).map_err(|e| e.to_string()));
        match parsed {
            Ok(queued) => out.alerts.push(WaitingAlert {
                id,
                received_at,
                queued,
            }),
            Err(reason) => out.unreadable.push(UnreadableAlert { id, reason }),
        }
    }
    Ok(out)
}

pub fn oldest_waiting(conn: &Connection, robot: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT received_at FROM alerts WHERE robot = ?1 AND message_id IS NULL ORDER BY id LIMIT 1",
    )?
    .query_row([robot], |r| r.get(0))
    .optional()
}

pub fn scalar(conn: &Connection, sql: &str, robot: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(sql)?.query_row([robot], |r| r.get(0))
}

pub fn due_message(
    conn: &Connection,
    robot: &str,
    now: i64,
) -> rusqlite::Result<Option<MessageRow>> {
    let sql = format!(
        "{SELECT_MESSAGE} WHERE robot = ?1 AND state = 'pending' AND next_attempt_at <= ?2 ORDER BY id LIMIT 1"
    );
    conn.prepare_cached(&sql)?
        .query_row(params![robot, now], message_row)
        .optional()
}

pub fn attempts_since(conn: &Connection, robot: &str, since: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT counted_at FROM send_attempts WHERE robot = ?1 AND counted_at >= ?2 ORDER BY counted_at",
    )?;
    let rows = stmt.query_map(params![robot, since], |r| r.get(0))?;
    rows.collect()
}

/// One more attempt against the robot's budget; its counts past `ATTEMPT_LOG_KEEP_MS` go.
pub fn count_attempt(tx: &Transaction<'_>, robot: &str, id: i64, at: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM send_attempts WHERE robot = ?1 AND counted_at < ?2")?
        .execute(params![robot, at - ATTEMPT_LOG_KEEP_MS])?;
    tx.prepare_cached(
        "INSERT INTO send_attempts (robot, message_id, counted_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![robot, id, at])?;
    Ok(())
}

/// The answer came: the message's last attempt, and its latest count, move to `now`.
pub fn record_attempt_end(
    tx: &Transaction<'_>,
    robot: &str,
    id: i64,
    now: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE messages SET last_attempt_at = ?2 WHERE id = ?1")?
        .execute(params![id, now])?;
    tx.prepare_cached(
        "UPDATE send_attempts SET counted_at = ?3 WHERE id =
             (SELECT MAX(id) FROM send_attempts WHERE robot = ?1 AND message_id = ?2)",
    )?
    .execute(params![robot, id, now])?;
    Ok(())
}

/// Inserts a pending message and assigns the alerts to it.
pub fn insert_message(
    tx: &Transaction<'_>,
    robot: &str,
    alert_ids: &[i64],
    body: &str,
    msg_uuid: &str,
    now: i64,
) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO messages (robot, msg_uuid, body, alert_count, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![robot, msg_uuid, body, alert_ids.len() as i64, now])?;
    let id = tx.last_insert_rowid();
    let mut assign = tx
        .prepare_cached("UPDATE alerts SET message_id = ?1 WHERE id = ?2 AND message_id IS NULL")?;
    for alert_id in alert_ids {
        assign.execute(params![id, alert_id])?;
    }
    Ok(id)
}

pub const SELECT_MESSAGE: &str = "SELECT id, robot, msg_uuid, body, alert_count, state, attempts,
    next_attempt_at, created_at, sent_at, last_error FROM messages";

pub fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageRow> {
    let state: String = r.get(5)?;
    Ok(MessageRow {
        id: r.get(0)?,
        robot: r.get(1)?,
        msg_uuid: r.get(2)?,
        body: r.get(3)?,
        alert_count: r.get(4)?,
        // The CHECK constraint keeps other values out; read one as dead rather than fail.
        state: MessageState::parse(&state).unwrap_or(MessageState::Dead),
        attempts: r.get(6)?,
        next_attempt_at: r.get(7)?,
        created_at: r.get(8)?,
        sent_at: r.get(9)?,
        last_error: r.get(10)?,
    })
}

/// One number per robot, for `SqliteOutbox::robot_scalar`.
pub const WAITING_COUNT: &str =
    "SELECT COUNT(*) FROM alerts WHERE robot = ?1 AND message_id IS NULL";
pub const NEXT_DUE_AT: &str =
    "SELECT MIN(next_attempt_at) FROM messages WHERE robot = ?1 AND state = 'pending'";
pub const LAST_CREATED_AT: &str = "SELECT MAX(created_at) FROM messages WHERE robot = ?1";
pub const LAST_SENT_AT: &str = "SELECT MAX(sent_at) FROM messages WHERE robot = ?1";
pub const PAUSED_UNTIL: &str = "SELECT MAX(paused_until) FROM robot_state WHERE robot = ?1";
