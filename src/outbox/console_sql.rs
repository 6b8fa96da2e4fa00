//! The console part's SQL (`console_port.rs`), one text for both backends.

use super::console_port::MessageIssue;
use super::types::QueuedAlert;
use crate::domain::tally::{Tally, TallyKind};

pub(super) const ADD: &str = "INSERT INTO tallies (robot, kind, bucket, n) VALUES ($1, $2, $3, $4)
     ON CONFLICT (robot, kind, bucket) DO UPDATE SET n = tallies.n + excluded.n";

pub(super) const SINCE: &str = "SELECT robot, kind, bucket, n FROM tallies WHERE bucket >= $1
     ORDER BY robot, kind, bucket";

pub(super) const PRUNE: &str = "DELETE FROM tallies WHERE bucket < $1";

/// A message's alerts, oldest first; enough of them to find `limit` distinct issues in a
/// batch of repeats.
pub(super) const PAYLOADS: &str =
    "SELECT payload FROM alerts WHERE message_id = $1 ORDER BY id LIMIT 500";

/// A row of `SINCE`; a kind no build writes is left out (`None`).
pub(super) fn tally_of<R: super::columns::Columns>(r: &R) -> Result<Option<Tally>, R::Error> {
    let kind: String = r.column(1)?;
    let Some(kind) = TallyKind::parse(&kind) else {
        return Ok(None);
    };
    Ok(Some(Tally {
        robot: r.column(0)?,
        kind,
        bucket: r.column(2)?,
        n: r.column(3)?,
    }))
}

/// The distinct issues of a message's alert payloads, at most `limit`.
pub(super) fn issues_of(payloads: &[String], limit: usize) -> Vec<MessageIssue> {
    let mut out: Vec<MessageIssue> = Vec::new();
    for payload in payloads {
        if out.len() >= limit {
            break;
        }
        let Ok(queued) = serde_json::from_str::<QueuedAlert>(payload) else {
            continue;
        };
        let alert = queued.alert;
        let issue = MessageIssue {
            title: alert.title,
            issue_id: alert.issue_id,
            short_id: alert.short_id,
        };
        let seen = out.iter().any(|o| match (&o.issue_id, &issue.issue_id) {
            (Some(a), Some(b)) => a == b,
            _ => o.title == issue.title && o.short_id == issue.short_id,
        });
        if !seen {
            out.push(issue);
        }
    }
    out
}
