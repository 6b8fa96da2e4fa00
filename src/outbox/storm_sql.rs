//! The storm part's SQL (`storm_port.rs`), one text for both backends (parameters in
//! increasing order, as `quiet_sql.rs` explains).

use super::columns::{Columns, in_column_order};
use crate::domain::storm::Storm;

const STORM_COLUMNS: &str =
    "SELECT id, robot, started_at, ended_at, last_message_at, messages, top FROM storms";

pub(super) fn current_sql() -> String {
    format!("{STORM_COLUMNS} WHERE robot = $1 AND ended_at IS NULL")
}

pub(super) fn by_id_sql() -> String {
    format!("{STORM_COLUMNS} WHERE id = $1")
}

pub(super) fn newest_sql() -> String {
    format!("{STORM_COLUMNS} ORDER BY id DESC LIMIT $1")
}

/// A new storm; the unique index on open storms makes a second one for the robot fail, and
/// the caller then reads the one that is open.
pub(super) const OPEN: &str = "INSERT INTO storms (robot, started_at) VALUES ($1, $2)
     ON CONFLICT DO NOTHING";

pub(super) const NOTE_MESSAGE: &str =
    "UPDATE storms SET last_message_at = $1, messages = messages + 1, top = $2, ended_at = $3
     WHERE id = $4 AND robot = $5 AND ended_at IS NULL";

pub(super) const NEWEST: &str =
    "SELECT received_at FROM alerts WHERE held_by = $1 ORDER BY id DESC LIMIT 1";

pub(super) const ALERTS: &str = "SELECT id, payload, received_at FROM alerts
     WHERE held_by = $1 AND id > $2 ORDER BY id LIMIT $3";

/// A row of the storm selects above, in either backend, with its `top` JSON read back.
pub(super) fn storm_of<R: Columns>(r: &R) -> Result<Storm, R::Error> {
    let top: String = r.column(6)?;
    Ok(in_column_order!(r => Storm {
        id, robot, started_at, ended_at, last_message_at, messages;
        top: serde_json::from_str(&top).unwrap_or_default()
    }))
}

/// The summary's top, as stored.
pub(super) fn top_text(top: &[String]) -> String {
    serde_json::to_string(top).unwrap_or_else(|_| "[]".into())
}
