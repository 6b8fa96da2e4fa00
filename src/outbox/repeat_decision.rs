//! Noise control per issue, decided once for both backends: a route notifies a robot about the
//! same issue at most once per `repeat_interval`; state changes and comments always pass and
//! start the interval again. Each backend reads and writes the repeat rows inside the enqueue's
//! transaction (`sqlite/repeats.rs`, `postgres/repeats.rs`) and asks [`decide`] what they mean.

use super::types::{Delivery, WebhookOutcome};

/// What the repeat rules say about one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// Send, saying how many repeats were kept silent since the last notification.
    Notify {
        folded: u64,
    },
    Silent,
}

/// One repeat row as read: when its route last notified the robot about the issue (`None`:
/// never, or a row made empty just before it was read) and how many repeats it kept silent
/// since. A missing row is the default.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RepeatState {
    pub(super) notified_at: Option<i64>,
    pub(super) suppressed: i64,
}

/// The issue whose repeat rows `item` reads and writes; `None` when the alert names no issue
/// or no route that sent it there repeats — such a delivery always notifies and keeps no state.
pub(super) fn watched_issue(item: &Delivery) -> Option<&str> {
    let issue = item.queued.alert.issue_id.as_deref();
    issue.filter(|_| !item.repeat.is_empty())
}

/// The decision for `item` at `now`, given the state of its watched issue's row for each of
/// its repeat rules, in `item.repeat`'s order. The robot stays silent only when the alert is a
/// repeatable kind and every route that sent it there notified within its interval; a
/// notification reports the most repeats any of those routes kept silent.
pub(super) fn decide(
    item: &Delivery,
    now: i64,
    states: impl IntoIterator<Item = RepeatState>,
) -> Decision {
    if watched_issue(item).is_none() {
        return Decision::Notify { folded: 0 };
    }
    let mut silent_everywhere = item.queued.alert.is_repeatable();
    let mut folded = 0u64;
    for (rule, state) in item.repeat.iter().zip(states) {
        let interval = i64::try_from(rule.interval.as_millis()).unwrap_or(i64::MAX);
        silent_everywhere &= state.notified_at.is_some_and(|at| now - at < interval);
        folded = folded.max(u64::try_from(state.suppressed).unwrap_or(0));
    }
    if silent_everywhere {
        Decision::Silent
    } else {
        Decision::Notify { folded }
    }
}

/// Which deliveries stay silent, in order, and what the webhook's record says it came to:
/// `Suppressed` when there were deliveries and every one stays silent.
pub(super) fn outcome_of(decisions: &[Decision]) -> (Vec<bool>, WebhookOutcome) {
    let silent: Vec<bool> = decisions.iter().map(|d| *d == Decision::Silent).collect();
    let outcome = if !silent.is_empty() && silent.iter().all(|s| *s) {
        WebhookOutcome::Suppressed
    } else {
        WebhookOutcome::Routed
    };
    (silent, outcome)
}
