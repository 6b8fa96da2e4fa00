//! The values that cross the storage port. No database type appears here.

use crate::domain::alert::Alert;
use crate::domain::mention::Mentions;
use serde::{Deserialize, Serialize};

mod calls;
mod cards;
mod escalation;
mod trace;

pub use calls::{
    CallCount, CardChange, Claim, DueLadders, HeldPage, InstallationOrg, LadderLine, LadderStep,
    LeaseAsk, LeaseTerm, MessageAsk, NewMessage, QueuedMessage, Retry, ScheduledRun, SetAside,
    StormMessage, UnqueuedWebhook,
};
pub use cards::{
    CardNote, CardRow, count_only_body, is_count_only, operation_body, operation_card,
};
pub use escalation::{LadderMove, LadderNote, LadderRow};
pub use trace::{
    AlertFate, RobotDecision, TraceAlert, TraceEntry, WebhookFacts, WebhookOutcome, WebhookRecord,
};

/// Content duplicates are recognised for this long.
pub const DEDUP_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// A robot's counted send attempts (`SenderStore::count_attempt`) are kept this long: well past
/// the budget's rolling minute, which is all that reads them.
pub const ATTEMPT_LOG_KEEP_MS: i64 = 10 * 60 * 1000;

/// What one webhook stores (`IntakeStore::enqueue`): one alert per delivery, unless an
/// identity key (`intake::identity`: the body's hash, the `Request-ID`) makes it a duplicate
/// ([`is_duplicate`]); and, when the webhook concerns an issue, its trace record.
#[derive(Debug, Clone)]
pub struct Enqueue {
    pub identity: Vec<String>,
    /// The issue an issue webhook (assigned, resolved, …) is about: its body seen before is
    /// news again once another of the webhooks came after it.
    pub about: Option<String>,
    pub items: Vec<Delivery>,
    pub record: Option<WebhookRecord>,
    pub now: i64,
}

/// How an identity key that is the body's hash begins (`intake::identity`).
pub const BODY_KEY: &str = "body:";

impl Enqueue {
    /// The dedup row that remembers when the last webhook about the same was stored.
    pub fn latest_key(&self) -> Option<String> {
        (!self.identity.is_empty())
            .then_some(self.about.as_ref())
            .flatten()
            .map(|about| format!("latest:{about}"))
    }
}

/// Whether identity `key`, last seen at `seen`, makes a webhook stored at `now` a duplicate:
/// seen within the dedup window, unless it is a body that a later webhook about the same issue
/// (stamped `latest`) followed — assigned to 张三, to 李四, then to 张三 again is three changes
/// in Sentry with the first and the last in the same bytes. A `Request-ID` is one request:
/// always a duplicate within the window.
pub fn is_duplicate(key: &str, seen: i64, latest: Option<i64>, now: i64) -> bool {
    let followed = key.starts_with(BODY_KEY) && latest.is_some_and(|l| seen < l);
    now - seen < DEDUP_WINDOW_MS && !followed
}

/// The time a webhook's keys are stamped with: `now`, but after the last stamp
/// (`latest`), so that the webhooks are stamped in the order they were stored
/// whatever the replicas' clocks say.
pub fn stamp(now: i64, latest: Option<i64>) -> i64 {
    latest.map_or(now, |l| now.max(l + 1))
}

/// One alert for one robot, with the repeat rules of the routes that sent it there.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub robot: String,
    pub queued: QueuedAlert,
    pub repeat: Vec<crate::routing::RepeatRule>,
    /// The ladders this alert starts (routes that escalate, and this robot is their runner).
    pub escalate: Vec<crate::routing::LadderRule>,
}

/// What the outbox keeps per alert and robot: the alert and who to @ for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedAlert {
    pub alert: Alert,
    #[serde(default)]
    pub at: Mentions,
    /// The mute windows of the routes that sent it (empty: none can hold it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mute: Vec<crate::routing::MuteRule>,
    /// Gets its own message even while the robot is in a storm (`storm_exempt` routes).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub storm_exempt: bool,
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

/// A silence to store (`QuietStore::add_silence`); checked before (`Matchers::compile`).
#[derive(Debug, Clone)]
pub struct NewSilence {
    pub matchers: crate::domain::silence::Matchers,
    pub starts_at: i64,
    pub ends_at: i64,
    pub comment: String,
    pub created_by: String,
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

/// What a request to retry one message found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// A dead message's alerts are queued again, or a pending message is due now.
    Queued,
    /// The message was sent: nothing to retry.
    AlreadySent,
    /// No message has that id.
    NoSuchMessage,
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
    /// `pending`, `sent`, `dead`; `waiting` for alerts not yet in a message, `held` for those a
    /// silence or mute window holds.
    pub state: String,
    pub robot: String,
    pub count: i64,
}

/// The right to send for one robot. `fence` grows with every new holder; the store refuses a
/// write that carries an old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub robot: String,
    pub owner: String,
    pub fence: i64,
}

#[derive(Debug, Clone, thiserror::Error)]
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
