//! The on-call overrides' SQL (`oncall_port.rs`), one text for both backends (parameters in
//! increasing order, as `quiet_sql.rs` explains).

use super::columns::{Columns, in_column_order};
use crate::domain::oncall::Override;

pub(super) const INSERT_OVERRIDE: &str =
    "INSERT INTO oncall_overrides (rota, person, starts_at, ends_at, created_by)
     VALUES ($1, $2, $3, $4, $5) RETURNING id";

pub(super) const OVERRIDES_ENDING_AFTER: &str =
    "SELECT id, rota, person, starts_at, ends_at, created_by FROM oncall_overrides
     WHERE ends_at > $1 ORDER BY id";

pub(super) const OVERRIDE_BY_ID: &str =
    "SELECT id, rota, person, starts_at, ends_at, created_by FROM oncall_overrides WHERE id = $1";

pub(super) const END_OVERRIDE: &str =
    "UPDATE oncall_overrides SET ends_at = $1 WHERE id = $2 AND ends_at > $1";

/// A row of the override selects above, in either backend.
pub(super) fn override_of<R: Columns>(r: &R) -> Result<Override, R::Error> {
    Ok(in_column_order!(r => Override { id, rota, person, starts_at, ends_at, created_by }))
}
