//! The quiet part's SQL (`quiet_port.rs`), one text for both backends (`$1`, `$2` as in
//! `robot_reads.rs`: SQLite numbers them in the order they first appear, so each text uses them
//! in order).

use super::columns::{Columns, in_column_order};

pub(super) const INSERT_SILENCE: &str =
    "INSERT INTO silences (matchers, starts_at, ends_at, comment, created_by)
     VALUES ($1, $2, $3, $4, $5) RETURNING id";

pub(super) const SILENCES_ENDING_AFTER: &str =
    "SELECT id, matchers, starts_at, ends_at, comment, created_by, held FROM silences
     WHERE ends_at >= $1 ORDER BY id DESC";

pub(super) const SILENCE_BY_ID: &str =
    "SELECT id, matchers, starts_at, ends_at, comment, created_by, held FROM silences
     WHERE id = $1";

pub(super) const END_SILENCE: &str =
    "UPDATE silences SET ends_at = $1 WHERE id = $2 AND ends_at > $1";

pub(super) const COUNT_HELD: &str = "UPDATE silences SET held = held + $1 WHERE id = $2";

pub(super) const HOLDS: &str = "SELECT DISTINCT held_by FROM alerts
     WHERE robot = $1 AND held_by IS NOT NULL AND message_id IS NULL ORDER BY held_by";

pub(super) const HELD_ALERTS: &str = "SELECT id, payload, received_at FROM alerts
     WHERE robot = $1 AND held_by = $2 AND message_id IS NULL AND id > $3
     ORDER BY id LIMIT $4";

/// A silence's matchers as stored: their JSON.
pub(super) fn matchers_text(
    matchers: &crate::domain::silence::Matchers,
) -> Result<String, super::StoreError> {
    serde_json::to_string(matchers).map_err(|e| super::StoreError::Corrupt {
        id: 0,
        reason: e.to_string(),
    })
}

/// A stored silence's matchers, read back (they were checked before they were stored).
pub(super) fn matchers(
    id: i64,
    text: &str,
) -> Result<crate::domain::silence::Matchers, super::StoreError> {
    serde_json::from_str(text).map_err(|e| super::StoreError::Corrupt {
        id,
        reason: format!("silence matchers not readable: {e}"),
    })
}

/// A row of the silence selects above as read, in either backend; its matchers are read back
/// after (`into_silence`), with the store's error.
pub(super) struct SilenceColumns {
    id: i64,
    matchers: String,
    starts_at: i64,
    ends_at: i64,
    comment: String,
    created_by: String,
    held: i64,
}

pub(super) fn silence_columns<R: Columns>(r: &R) -> Result<SilenceColumns, R::Error> {
    Ok(in_column_order!(r => SilenceColumns {
        id, matchers, starts_at, ends_at, comment, created_by, held
    }))
}

impl SilenceColumns {
    pub(super) fn into_silence(self) -> Result<crate::domain::silence::Silence, super::StoreError> {
        Ok(crate::domain::silence::Silence {
            id: self.id,
            matchers: matchers(self.id, &self.matchers)?,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            comment: self.comment,
            created_by: self.created_by,
            held: self.held,
        })
    }
}
