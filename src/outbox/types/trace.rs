//! What became of a webhook: its trace record as stored, and as read back with its alerts.

use super::{Delivery, MessageState};
use serde::{Deserialize, Serialize};

/// Which webhook a trace record is: the issue, what Sentry sent about it, under which rule and
/// request. Written into the record and read back into its [`TraceEntry`] as these columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookFacts {
    pub issue_id: Option<String>,
    pub short_id: Option<String>,
    /// `issue`, `event_alert`, … (`legacy` for the plugin endpoint).
    pub resource: String,
    pub action: String,
    /// The Sentry alert rule that fired it: its title and id, as known.
    pub rule: Option<String>,
    pub request_id: Option<String>,
}

/// What the relay knows of a webhook about an issue when it stores or answers it: the input of
/// its trace record (`Outbox::enqueue`, `Outbox::record_webhook`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRecord {
    #[serde(flatten)]
    pub webhook: WebhookFacts,
    /// Why each robot was chosen (a route, or the rule's settings), as (robot, reason).
    pub reasons: Vec<(String, String)>,
    /// Why a webhook that queued nothing was dropped or ignored.
    pub note: Option<String>,
}

/// What the relay answered a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookOutcome {
    /// Stored for at least one robot.
    Routed,
    /// Every robot's routes kept it silent as a repeat within their `repeat_interval`.
    Suppressed,
    /// The same webhook (same body or `Request-ID`) was stored within the dedup window.
    Duplicate,
    /// No route takes it (or the rule's minimum level holds it back).
    Dropped,
    /// A resource or action the relay does not notify about.
    Ignored,
}

impl WebhookOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Routed => "routed",
            Self::Suppressed => "suppressed",
            Self::Duplicate => "duplicate",
            Self::Dropped => "dropped",
            Self::Ignored => "ignored",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "routed" => Self::Routed,
            "suppressed" => Self::Suppressed,
            "duplicate" => Self::Duplicate,
            "dropped" => Self::Dropped,
            "ignored" => Self::Ignored,
            _ => return None,
        })
    }
}

impl std::fmt::Display for WebhookOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One robot a webhook was routed to, why, and whether its routes kept it silent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotDecision {
    pub robot: String,
    pub reason: String,
    /// The routes (with their `repeat_interval`) that kept this alert silent as a repeat;
    /// empty when it was queued.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed_by: Vec<String>,
}

impl WebhookRecord {
    /// Each delivery's robot, with its reason and, where `silent[i]`, the routes that kept it
    /// silent. What the stores write beside the alerts.
    pub fn decisions(&self, items: &[Delivery], silent: &[bool]) -> Vec<RobotDecision> {
        items
            .iter()
            .zip(silent)
            .map(|(item, &silent)| RobotDecision {
                robot: item.robot.clone(),
                reason: self
                    .reasons
                    .iter()
                    .find(|(robot, _)| *robot == item.robot)
                    .map(|(_, why)| why.clone())
                    .unwrap_or_default(),
                suppressed_by: if silent {
                    item.repeat
                        .iter()
                        .map(|r| {
                            format!("route {} (repeat_interval {})", r.route, human(r.interval))
                        })
                        .collect()
                } else {
                    Vec::new()
                },
            })
            .collect()
    }
}

/// `90s` → `1m30s`; `3600s` → `1h`.
fn human(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s == 0 {
        return format!("{}ms", d.as_millis());
    }
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (sec, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

/// Where an alert of a traced webhook is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertFate {
    /// Not in a message yet (group window, budget, pause).
    Waiting,
    /// Held back by a silence or a mute window (`TraceAlert::held_by`) until it ends.
    Held,
    /// In a message not tried yet.
    Pending,
    /// In a message whose last attempt failed; it is tried again.
    Retrying,
    Sent,
    /// In a message given up on (`last_error` says why).
    Dead,
}

impl AlertFate {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Held => "held",
            Self::Pending => "pending",
            Self::Retrying => "retrying",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }

    /// From the alert's message: its state and whether an attempt failed; without one, from
    /// whether something holds it.
    pub fn of(
        message_state: Option<MessageState>,
        last_error: Option<&str>,
        held_by: Option<&str>,
    ) -> Self {
        match message_state {
            None if held_by.is_some() => Self::Held,
            None => Self::Waiting,
            Some(MessageState::Sent) => Self::Sent,
            Some(MessageState::Dead) => Self::Dead,
            Some(MessageState::Pending) if last_error.is_some() => Self::Retrying,
            Some(MessageState::Pending) => Self::Pending,
        }
    }
}

/// One alert a traced webhook stored, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceAlert {
    pub alert_id: i64,
    pub robot: String,
    pub fate: AlertFate,
    /// The message it went into ("in message N"); for a held alert, its hold's summary.
    pub message_id: Option<i64>,
    /// What held it back (`Hold::key`: `silence:ID`, `mute:NAME`), if anything did.
    pub held_by: Option<String>,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

/// One webhook received for an issue, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceEntry {
    pub id: i64,
    pub received_at: i64,
    #[serde(flatten)]
    pub webhook: WebhookFacts,
    pub outcome: WebhookOutcome,
    pub robots: Vec<RobotDecision>,
    pub note: Option<String>,
    pub alerts: Vec<TraceAlert>,
}
