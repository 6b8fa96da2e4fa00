//! The escalation part's SQL (`escalation_port.rs`), one text for both backends (parameters
//! in increasing order, as `quiet_sql.rs` explains).

use super::columns::{Columns, in_column_order};
use super::types::{Delivery, LadderMove, LadderNote, LadderRow};
use crate::domain::escalation::{LadderStart, ladder_key};
use crate::routing::LadderRule;

/// A ladder that starts again: a new or regressed issue restarts one that ended.
pub(super) const START_AGAIN: &str =
    "INSERT INTO escalations (route, issue, short_id, robot, alert, started_at, next_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (route, issue) DO UPDATE SET short_id = excluded.short_id,
         robot = excluded.robot, alert = excluded.alert, started_at = excluded.started_at,
         next_at = excluded.next_at, step = 0, state = 'open', ended_by = NULL
     WHERE escalations.state <> 'open'";

/// A ladder for an issue not seen before; an issue with a ladder, open or ended, keeps it.
pub(super) const START_IF_UNSEEN: &str =
    "INSERT INTO escalations (route, issue, short_id, robot, alert, started_at, next_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (route, issue) DO NOTHING";

const LADDER_COLUMNS: &str =
    "SELECT id, route, issue, short_id, robot, alert, started_at, next_at, step FROM escalations";

pub(super) fn due_sql() -> String {
    format!(
        "{LADDER_COLUMNS} WHERE robot = $1 AND state = 'open' AND next_at <= $2 ORDER BY next_at, id LIMIT $3"
    )
}

pub(super) fn open_sql() -> String {
    format!("{LADDER_COLUMNS} WHERE state = 'open' ORDER BY next_at, id")
}

/// The notes of the ladders an act ends, written before it ends them.
pub(super) const NOTE_ACTED: &str =
    "INSERT INTO escalation_notes (ladder, issue, short_id, route, at, note)
     SELECT id, issue, short_id, route, $1, 'stopped: ' || $2 FROM escalations
     WHERE issue = $3 AND state = 'open'";

/// Withdraws the follow-ups of the ladders `which` names with `$1` that are not in flight:
/// never tried, or waiting for a retry (its next attempt set after its last one ended, by the
/// sender's own clock; an attempt is recorded before its request goes out, so one on the wire
/// has `last_attempt_at` at or past `next_attempt_at`, and a sender that read one since finds
/// it gone and sends nothing). They carry no alert. Returns each one's ladder.
fn withdraw_sql(which: &str) -> String {
    format!(
        "DELETE FROM messages WHERE ladder {which} AND state = 'pending'
         AND (attempts = 0 OR next_attempt_at > last_attempt_at)
         RETURNING ladder"
    )
}

/// A follow-up (`$1`) whose send failed after an act ended its ladder: the act left it, being
/// in flight, and it is withdrawn now instead of retried. Returns its ladder and when the
/// failed attempt ended (the withdrawal's time).
pub(super) const WITHDRAW_FAILED: &str = "DELETE FROM messages WHERE id = $1 AND state = 'pending'
     AND ladder IN (SELECT id FROM escalations WHERE state = 'acted')
     RETURNING ladder, COALESCE(last_attempt_at, created_at)";

/// What an act on issue `$1` withdraws: its ladders' follow-ups, open or done with their
/// last step.
pub(super) fn withdraw_acted_sql() -> String {
    withdraw_sql("IN (SELECT id FROM escalations WHERE issue = $1)")
}

/// What a ladder `$1` that ends acted (a silence holds its issue) withdraws.
pub(super) fn withdraw_ladder_sql() -> String {
    withdraw_sql("= $1")
}

/// Each ladder once, in order, of the follow-ups `WITHDRAW_ACTED` returned.
pub(super) fn ladders_of(mut withdrawn: Vec<i64>) -> Vec<i64> {
    withdrawn.sort_unstable();
    withdrawn.dedup();
    withdrawn
}

/// The note `$2` at `$1` of ladder `$3` whose follow-up was withdrawn ([`UNSENT`] or
/// [`SEND_FAILED`]).
pub(super) const NOTE_WITHDRAWN: &str =
    "INSERT INTO escalation_notes (ladder, issue, short_id, route, at, note)
     SELECT id, issue, short_id, route, $1, $2 FROM escalations WHERE id = $3";

/// An act withdrew a follow-up that was never tried or waited for a retry.
pub(super) const UNSENT: &str = "withdrawn: its follow-up had not gone out";

/// A follow-up failed to send after an act (`WITHDRAW_FAILED`): a send that timed out may
/// still have reached DingTalk, so it does not say "had not gone out".
pub(super) const SEND_FAILED: &str =
    "withdrawn: its send failed after someone acted, and is not retried";

/// A step's follow-up, which knows its ladder.
pub(super) const LADDER_MESSAGE: &str =
    "INSERT INTO messages (robot, msg_uuid, body, alert_count, next_attempt_at, created_at, ladder)
     VALUES ($1, $2, $3, 0, $4, $4, $5)";

/// Ends the ladders an act ends; `next_at` becomes the end, which `prune` counts from.
pub(super) const END_ACTED: &str =
    "UPDATE escalations SET state = 'acted', ended_by = $1, next_at = $2
     WHERE issue = $3 AND state = 'open'";

/// What `prune` forgets: notes older than the cutoff, and ladders that ended before it (an
/// event of such an issue starts a new ladder, as for an issue not seen before). A forgotten
/// ladder's messages forget it first: SQLite may give its id to a new ladder, whose act must
/// not withdraw them.
pub(super) const PRUNE: [&str; 3] = [
    "DELETE FROM escalation_notes WHERE at < $1",
    "UPDATE messages SET ladder = NULL WHERE ladder IN
         (SELECT id FROM escalations WHERE state <> 'open' AND next_at < $1)",
    "DELETE FROM escalations WHERE state <> 'open' AND next_at < $1",
];

/// Every move of a ladder: only from the step it was read at, only while open, and only in
/// the life it was read in (`started_at`: a restart after an act reuses the row at step 0).
pub(super) const MOVE: &str =
    "UPDATE escalations SET step = $1, next_at = $2, state = $3, ended_by = $4
     WHERE id = $5 AND step = $6 AND started_at = $7 AND state = 'open'";

pub(super) const NOTE: &str =
    "INSERT INTO escalation_notes (ladder, issue, short_id, route, at, note)
     VALUES ($1, $2, $3, $4, $5, $6)";

pub(super) const NOTES: &str = "SELECT at, route, note FROM escalation_notes
     WHERE issue = $1 OR lower(short_id) = lower($1) ORDER BY id";

/// A row of the ladder selects above, in either backend.
pub(super) fn ladder_of<R: Columns>(r: &R) -> Result<LadderRow, R::Error> {
    Ok(in_column_order!(r => LadderRow {
        id, route, issue, short_id, robot, alert, started_at, next_at, step
    }))
}

/// A row of `NOTES`.
pub(super) fn note_of<R: Columns>(r: &R) -> Result<LadderNote, R::Error> {
    Ok(in_column_order!(r => LadderNote { at, route, note }))
}

/// The values `MOVE` sets for a move of `ladder` at `now`: step, next_at, state, ended_by;
/// and the note to write with it.
pub(super) struct MoveValues<'a> {
    pub step: i64,
    pub next_at: i64,
    pub state: &'static str,
    pub ended_by: Option<&'a str>,
    pub note: Option<&'a str>,
}

pub(super) fn move_values<'a>(
    ladder: &LadderRow,
    how: &LadderMove<'a>,
    now: i64,
) -> MoveValues<'a> {
    match *how {
        LadderMove::Took { note, next_at, .. } => MoveValues {
            step: ladder.step + 1,
            next_at: next_at.unwrap_or(now),
            state: if next_at.is_some() { "open" } else { "done" },
            ended_by: None,
            note: Some(note),
        },
        LadderMove::Postpone { at } => MoveValues {
            step: ladder.step,
            next_at: at,
            state: "open",
            ended_by: None,
            note: None,
        },
        LadderMove::End { note, acted } => MoveValues {
            step: ladder.step,
            next_at: now,
            state: if acted { "acted" } else { "done" },
            ended_by: Some(note),
            note: Some(note),
        },
    }
}

/// A ladder a stored delivery starts: its statement (`START_*`) and values, in the order of
/// its parameters (the alert's JSON and the time stored come from the caller).
pub(super) struct LadderOpen<'a> {
    pub sql: &'static str,
    pub route: &'a str,
    pub issue: String,
    pub short_id: Option<&'a str>,
    pub robot: &'a str,
    pub next_at: i64,
}

/// The ladders `item` starts when stored at `now`; none when its alert has no issue.
pub(super) fn ladder_opens<'a>(item: &'a Delivery, now: i64) -> Vec<LadderOpen<'a>> {
    let alert = &item.queued.alert;
    let Some(issue) = ladder_key(alert) else {
        return Vec::new();
    };
    let open = |rule: &'a LadderRule| LadderOpen {
        sql: match rule.start {
            LadderStart::Again => START_AGAIN,
            LadderStart::IfUnseen => START_IF_UNSEEN,
        },
        route: &rule.route,
        issue: issue.clone(),
        short_id: alert.short_id.as_deref(),
        robot: &item.robot,
        next_at: now + rule.after_ms,
    };
    item.escalate.iter().map(open).collect()
}
