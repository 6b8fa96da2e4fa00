//! Rows both backends read alike: for the selects whose column lists are the same in SQLite and
//! PostgreSQL, the select and its row → value mapping are written once, over [`Columns`], which
//! each backend implements for its driver's row with that driver's own error.

use super::types::{
    AlertFate, CardRow, MessageRow, MessageState, RobotDecision, StoreError, TraceAlert,
    TraceEntry, WebhookFacts, WebhookOutcome,
};

/// A column type both drivers read (integers, text, their `Option`s, `bool`).
pub(super) trait Value:
    for<'a> tokio_postgres::types::FromSql<'a> + rusqlite::types::FromSql
{
}

impl<T> Value for T where T: for<'a> tokio_postgres::types::FromSql<'a> + rusqlite::types::FromSql {}

/// One result row of either backend, read by column index.
pub(super) trait Columns {
    /// The backend's error for a column that cannot be read as asked.
    type Error;

    fn column<T: Value>(&self, index: usize) -> Result<T, Self::Error>;
}

/// Reads a row's columns one after the other, from the first (see [`in_column_order`]).
pub(super) struct ColumnCursor<'r, R> {
    row: &'r R,
    next: usize,
}

impl<'r, R: Columns> ColumnCursor<'r, R> {
    pub(super) fn new(row: &'r R) -> Self {
        Self { row, next: 0 }
    }

    pub(super) fn next<T: Value>(&mut self) -> Result<T, R::Error> {
        let index = self.next;
        self.next += 1;
        self.row.column(index)
    }
}

/// `$ty { a, b, …; c: value, … }` read from `$row`: field `a` from the first column, `b` from
/// the second and so on (a struct literal evaluates its fields in the order written); the
/// fields after `;` are given, not read. For the rows whose select starts with exactly these
/// columns in this order: the list beside the select is then the only place the two are
/// matched, with no column numbers to keep in step. `in_column_order!(&mut columns => $ty {…})`
/// reads on from a [`ColumnCursor`] already part-way (a group of columns in the middle of a row).
macro_rules! in_column_order {
    (&mut $columns:ident => $ty:path {
        $($field:ident),+ $(,)?
    }) => {{
        $ty { $($field: $columns.next()?,)+ }
    }};
    ($row:expr => $ty:path {
        $($field:ident),+ $(; $($given:ident: $value:expr),+)? $(,)?
    }) => {{
        let mut columns = $crate::outbox::columns::ColumnCursor::new($row);
        $ty { $($field: columns.next()?,)+ $($($given: $value),+)? }
    }};
}
pub(super) use in_column_order;

pub(super) const SELECT_CARD: &str =
    "SELECT robot, card_key, out_track_id, status, count, first_seen,
    last_seen, claimed_by, created, alert, message_id FROM cards";

/// A row of [`SELECT_CARD`]. `created` is a BOOLEAN in PostgreSQL and 0/1 in SQLite; both
/// drivers read either as `bool`.
pub(super) fn card_of<R: Columns>(r: &R) -> Result<CardRow, R::Error> {
    Ok(in_column_order!(r => CardRow {
        robot, card_key, out_track_id, status, count, first_seen,
        last_seen, claimed_by, created, alert, message_id
    }))
}

pub(super) const SELECT_MESSAGE: &str = "SELECT id, robot, msg_uuid, body, alert_count, state,
    attempts, next_attempt_at, created_at, sent_at, last_error FROM messages";

/// A row of [`SELECT_MESSAGE`]; `unknown_state` decides about a state no version wrote (the
/// backends differ there: PostgreSQL reports the row, SQLite's CHECK keeps such rows out).
pub(super) fn message_of<R: Columns>(
    r: &R,
    unknown_state: impl FnOnce(i64, String) -> Result<MessageState, R::Error>,
) -> Result<MessageRow, R::Error> {
    let id = r.column(0)?;
    let state: String = r.column(5)?;
    let state = match MessageState::parse(&state) {
        Some(state) => state,
        None => unknown_state(id, state)?,
    };
    Ok(MessageRow {
        id,
        robot: r.column(1)?,
        msg_uuid: r.column(2)?,
        body: r.column(3)?,
        alert_count: r.column(4)?,
        state,
        attempts: r.column(6)?,
        next_attempt_at: r.column(7)?,
        created_at: r.column(8)?,
        sent_at: r.column(9)?,
        last_error: r.column(10)?,
    })
}

/// The webhook records of an issue (`$1`: an issue id or short id), newest `$2` first.
pub(super) const TRACE_RECORDS: &str = "SELECT id, received_at, issue_id, short_id, resource,
        action, rule, request_id, note, outcome, robots
    FROM webhooks
    WHERE issue_id = $1 OR short_id IN ($1, upper($1)) OR issue_id = (
        SELECT issue_id FROM webhooks WHERE short_id IN ($1, upper($1))
        AND issue_id IS NOT NULL ORDER BY id DESC LIMIT 1)
    ORDER BY id DESC LIMIT $2";

/// A row of [`TRACE_RECORDS`], its outcome and robots still as stored.
pub(super) struct StoredRecord {
    entry: TraceEntry,
    outcome: String,
    robots: String,
}

pub(super) fn record_of<R: Columns>(r: &R) -> Result<StoredRecord, R::Error> {
    let mut columns = ColumnCursor::new(r);
    let (id, received_at) = (columns.next()?, columns.next()?);
    let webhook = in_column_order!(&mut columns => WebhookFacts {
        issue_id, short_id, resource, action, rule, request_id
    });
    let entry = TraceEntry {
        id,
        received_at,
        webhook,
        note: columns.next()?,
        outcome: WebhookOutcome::Routed,
        robots: Vec::new(),
        alerts: Vec::new(),
    };
    Ok(StoredRecord {
        entry,
        outcome: columns.next()?,
        robots: columns.next()?,
    })
}

impl StoredRecord {
    /// The trace entry, without its alerts; a stored text no version wrote is `Corrupt`.
    pub(super) fn entry(self) -> Result<TraceEntry, StoreError> {
        let Self {
            mut entry,
            outcome,
            robots,
        } = self;
        let id = entry.id;
        entry.outcome = WebhookOutcome::parse(&outcome).ok_or_else(|| StoreError::Corrupt {
            id,
            reason: format!("unknown webhook outcome `{outcome}`"),
        })?;
        let robots: Vec<RobotDecision> =
            serde_json::from_str(&robots).map_err(|e| StoreError::Corrupt {
                id,
                reason: format!("webhook record robots: {e}"),
            })?;
        entry.robots = robots;
        Ok(entry)
    }
}

/// The alerts of traced webhooks with their messages; a backend adds its `WHERE`.
pub(super) const SELECT_TRACE_ALERTS: &str = "SELECT a.id, a.robot, a.message_id, m.state,
        m.attempts, m.sent_at, m.last_error, a.held_by, a.webhook_id
    FROM alerts a LEFT JOIN messages m ON m.id = a.message_id";

/// A row of [`SELECT_TRACE_ALERTS`] (its `webhook_id`, column 8, is the caller's to read).
pub(super) fn trace_alert_of<R: Columns>(r: &R) -> Result<TraceAlert, R::Error> {
    let state: Option<String> = r.column(3)?;
    let last_error: Option<String> = r.column(6)?;
    let held_by: Option<String> = r.column(7)?;
    let state = state.as_deref().and_then(MessageState::parse);
    Ok(TraceAlert {
        alert_id: r.column(0)?,
        robot: r.column(1)?,
        fate: AlertFate::of(state, last_error.as_deref(), held_by.as_deref()),
        message_id: r.column(2)?,
        held_by,
        attempts: r.column::<Option<i64>>(4)?.unwrap_or(0),
        sent_at: r.column(5)?,
        last_error,
    })
}
