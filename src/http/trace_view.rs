//! What became of a webhook, in words: the lines `/ui/trace` shows and `outbox trace` prints.
//! Pure; the caller says how a time reads (its zone).

use crate::domain::silence::Hold;
use crate::outbox::{AlertFate, TraceAlert, TraceEntry, WebhookOutcome};

/// One line per robot (or one for the whole webhook when it reached none): where it went,
/// why, and where its alert is now.
pub fn fates(entry: &TraceEntry, at: &dyn Fn(i64) -> String) -> Vec<String> {
    match entry.outcome {
        WebhookOutcome::Duplicate => {
            return vec![
                "duplicate: the same webhook (same body or Request-ID) was stored within 24 h; \
                 nothing new was queued"
                    .into(),
            ];
        }
        WebhookOutcome::Dropped => {
            let why = entry.note.as_deref().unwrap_or("no route takes it");
            return vec![format!("dropped: {why}; nothing was queued")];
        }
        WebhookOutcome::Ignored => {
            let why = entry
                .note
                .as_deref()
                .unwrap_or("not a notified resource or action");
            return vec![format!("ignored: {why}")];
        }
        WebhookOutcome::Routed | WebhookOutcome::Suppressed => {}
    }
    let mut lines = Vec::new();
    for decision in &entry.robots {
        let why = if decision.reason.is_empty() {
            String::new()
        } else {
            format!(" ({})", decision.reason)
        };
        if !decision.suppressed_by.is_empty() {
            lines.push(format!(
                "robot {}{why}: suppressed as a repeat by {}",
                decision.robot,
                decision.suppressed_by.join(" and ")
            ));
            continue;
        }
        let alerts: Vec<&TraceAlert> = entry
            .alerts
            .iter()
            .filter(|a| a.robot == decision.robot)
            .collect();
        if alerts.is_empty() {
            lines.push(format!(
                "robot {}{why}: queued; its alert is no longer kept",
                decision.robot
            ));
        }
        for alert in alerts {
            lines.push(format!(
                "robot {}{why}: {}",
                decision.robot,
                fate(alert, at)
            ));
        }
    }
    if lines.is_empty() {
        lines.push(format!("{}: no robot", entry.outcome));
    }
    lines
}

/// `sent in message 12 at …`, `waiting for a message`, `in message 12, retrying (…)`; an
/// alert a silence or mute window held says so first: `silenced by #3, summarized in …`.
pub fn fate(alert: &TraceAlert, at: &dyn Fn(i64) -> String) -> String {
    let hold = alert.held_by.as_deref().map(|key| (key, Hold::parse(key)));
    if let Some((_, Some(storm @ Hold::Storm(_)))) = &hold {
        return match alert.fate {
            AlertFate::Held => format!("{}; counted in its next summary", storm.describe()),
            _ => format!("{}: {}", storm.describe(), message_fate(alert, at)),
        };
    }
    let held = hold.map(|(key, h)| h.map_or_else(|| format!("held by {key}"), |h| h.describe()));
    match held {
        Some(held) if alert.fate == AlertFate::Held => {
            format!("{held}; posted in the summary when it ends")
        }
        Some(held) => format!("{held}, summarized: {}", message_fate(alert, at)),
        None => message_fate(alert, at),
    }
}

fn message_fate(alert: &TraceAlert, at: &dyn Fn(i64) -> String) -> String {
    let n = alert.message_id.unwrap_or_default();
    let error = alert.last_error.as_deref().unwrap_or("-");
    match alert.fate {
        AlertFate::Waiting | AlertFate::Held => {
            "queued, waiting for its message (group window, budget or pause)".into()
        }
        AlertFate::Pending => format!("in message {n}, pending (not tried yet)"),
        AlertFate::Retrying => format!(
            "in message {n}, retrying after {} attempt(s); last error: {error}",
            alert.attempts
        ),
        AlertFate::Sent => match alert.sent_at {
            Some(t) => format!("sent in message {n} at {}", at(t)),
            None => format!("sent in message {n}"),
        },
        AlertFate::Dead => format!(
            "in message {n}, dead after {} attempt(s): {error}",
            alert.attempts
        ),
    }
}
