//! The values that cross the storage port. No database type appears here.

use crate::domain::alert::Alert;
use crate::domain::mention::Mentions;
use serde::{Deserialize, Serialize};

/// Content duplicates are recognised for this long.
pub const DEDUP_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// One alert for one robot, with the repeat rules of the routes that sent it there.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub robot: String,
    pub queued: QueuedAlert,
    pub repeat: Vec<crate::routing::RepeatRule>,
}

/// What the outbox keeps per alert and robot: the alert and who to @ for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedAlert {
    pub alert: Alert,
    #[serde(default)]
    pub at: Mentions,
}

/// What an enqueue did.
#[derive(Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// Queued for these robots; robots whose routes kept it silent as a repeat are left out.
    Queued { robots: Vec<String> },
    /// Every robot had seen this issue within its repeat interval.
    Suppressed,
    /// The same webhook (same body or `Request-ID`) was already stored.
    Duplicate,
}

/// An alert not yet folded into a message.
#[derive(Debug, Clone)]
pub struct WaitingAlert {
    pub id: i64,
    pub received_at: i64,
    pub queued: QueuedAlert,
}

/// A waiting alert row that could not be read back, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableAlert {
    pub id: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct WaitingAlerts {
    pub alerts: Vec<WaitingAlert>,
    pub unreadable: Vec<UnreadableAlert>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageState {
    Pending,
    Sent,
    Dead,
}

impl MessageState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "sent" => Self::Sent,
            "dead" => Self::Dead,
            _ => return None,
        })
    }
}

impl std::fmt::Display for MessageState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageRow {
    pub id: i64,
    pub robot: String,
    pub msg_uuid: String,
    #[serde(skip)]
    pub body: String,
    pub alert_count: i64,
    pub state: MessageState,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StateCount {
    /// `pending`, `sent`, `dead`, or `waiting` for alerts not yet in a message.
    pub state: String,
    pub robot: String,
    pub count: i64,
}

// ---- trace: what became of a webhook -------------------------------------------------------

/// What the relay knows of a webhook about an issue when it stores or answers it: the input of
/// its trace record (`Outbox::enqueue_recorded`, `Outbox::record_webhook`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRecord {
    pub issue_id: Option<String>,
    pub short_id: Option<String>,
    /// `issue`, `event_alert`, … (`legacy` for the plugin endpoint).
    pub resource: String,
    pub action: String,
    /// The Sentry alert rule that fired it: its title and id, as known.
    pub rule: Option<String>,
    pub request_id: Option<String>,
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
            Self::Pending => "pending",
            Self::Retrying => "retrying",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }

    /// From the alert's message: its state and whether an attempt failed.
    pub fn of(message_state: Option<MessageState>, last_error: Option<&str>) -> Self {
        match message_state {
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
    /// The message it went into ("in message N").
    pub message_id: Option<i64>,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

/// One webhook received for an issue, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceEntry {
    pub id: i64,
    pub received_at: i64,
    pub issue_id: Option<String>,
    pub short_id: Option<String>,
    pub resource: String,
    pub action: String,
    pub rule: Option<String>,
    pub request_id: Option<String>,
    pub outcome: WebhookOutcome,
    pub robots: Vec<RobotDecision>,
    pub note: Option<String>,
    pub alerts: Vec<TraceAlert>,
}

/// The right to send for one robot. `fence` grows with every new holder; the store refuses a
/// write that carries an old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub robot: String,
    pub owner: String,
    pub fence: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or refused the statement. The text never holds a
    /// password: implementations build it from the error kind, not from a connection string.
    #[error("outbox storage unavailable: {0}")]
    Unavailable(String),
    #[error("outbox row {id} is not valid: {reason}")]
    Corrupt { id: i64, reason: String },
    #[error("another sender took over robot {robot}")]
    LeaseLost { robot: String },
    #[error("{0}")]
    Setup(String),
}

/// One live card of a card robot: one per (robot, Sentry issue), or per incident for metric
/// alerts. Its `out_track_id` is chosen and stored before the card is first created, so a
/// create retried after a crash names the same card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardRow {
    pub robot: String,
    /// `issue:<id>`, `incident:<id>`, …: what makes two alerts the same card.
    pub card_key: String,
    pub out_track_id: String,
    /// `firing`, `resolved`, `ignored` or `claimed` (see `domain::card_status`).
    pub status: String,
    /// Alerts noted on the card.
    pub count: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    /// The DingTalk user who pressed "claim".
    pub claimed_by: Option<String>,
    /// DingTalk has the card (a create was answered); later operations are updates.
    pub created: bool,
    /// The latest alert of the card, as JSON (`QueuedAlert`): what the card shows.
    #[serde(skip)]
    pub alert: String,
    /// The message that carries the card's next (or last) operation.
    pub message_id: Option<i64>,
}

/// What a sender notes on a card when alerts of it arrive.
#[derive(Debug, Clone)]
pub struct CardNote {
    pub card_key: String,
    /// Used when the card is new; an existing card keeps its own.
    pub out_track_id: String,
    /// The newest of the alerts, as JSON (`QueuedAlert`).
    pub alert: String,
    /// The card's new status; `None` keeps the one it has (a new card starts `firing`).
    pub status: Option<String>,
    /// The body of the operation's message when a new one is needed.
    pub body: String,
}
