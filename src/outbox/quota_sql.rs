//! The quota part's SQL (`quota_port.rs`), one text for both backends (parameters in
//! increasing order, as `quiet_sql.rs` explains).

use super::columns::{Columns, in_column_order};
use crate::domain::quota::MonthCalls;

pub(super) const COUNT: &str =
    "INSERT INTO open_api_calls (robot, month, calls, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (robot, month) DO UPDATE SET
         calls = open_api_calls.calls + excluded.calls, updated_at = excluded.updated_at
     RETURNING calls, spent_at";

pub(super) const READ: &str =
    "SELECT calls, spent_at FROM open_api_calls WHERE robot = $1 AND month = $2";

/// The latest `90020` of the month is kept: the robot tries again a while after it.
pub(super) const SPENT: &str =
    "INSERT INTO open_api_calls (robot, month, calls, updated_at, spent_at)
     VALUES ($1, $2, 0, $3, $3)
     ON CONFLICT (robot, month) DO UPDATE SET
         spent_at = excluded.spent_at, updated_at = excluded.updated_at";

/// A row of `COUNT` or `READ`, in either backend.
pub(super) fn month_calls_of<R: Columns>(r: &R) -> Result<MonthCalls, R::Error> {
    Ok(in_column_order!(r => MonthCalls { calls, spent_at }))
}
