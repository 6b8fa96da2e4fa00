//! Escalation ladders (`EscalationStore`) and storm summaries (`StormStore`) as they cross the
//! port.

use super::QueuedMessage;

/// One ladder: a route escalating one issue, climbed by the sender of `robot`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LadderRow {
    pub id: i64,
    pub route: String,
    /// The Sentry issue id, or `incident:ID` (`domain::escalation::ladder_key`).
    pub issue: String,
    pub short_id: Option<String>,
    pub robot: String,
    /// The alert that started it (`QueuedAlert` JSON).
    pub alert: String,
    pub started_at: i64,
    pub next_at: i64,
    /// The index of the next step.
    pub step: i64,
}

/// What a sender does with a due ladder (`EscalationStore::move_ladder`).
#[derive(Debug, Clone, Copy)]
pub enum LadderMove<'a> {
    /// Took the step: its note for the trace, the message it queues (if any), and when the
    /// next step is due (`None`: that was the last).
    Took {
        note: &'a str,
        message: Option<QueuedMessage<'a>>,
        next_at: Option<i64>,
    },
    /// Not now (a mute window holds the issue): look again at `at`.
    Postpone { at: i64 },
    /// Over without a step: someone acted (`acted`: a silence holds the issue), or the route no
    /// longer escalates.
    End { note: &'a str, acted: bool },
}

/// A line of a ladder's story, for the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LadderNote {
    pub at: i64,
    pub route: String,
    pub note: String,
}
