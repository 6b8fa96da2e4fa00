//! The normalized alert: what every Sentry payload becomes, with no I/O and no trust.
//!
//! Strings here are raw payload text; escaping happens when rendering, in one place.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Issue,
    Comment,
    EventAlert,
    MetricAlert,
    Error,
}

impl AlertKind {
    /// Also the `Sentry-Hook-Resource` value and the template's file stem.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issue => "issue",
            Self::Comment => "comment",
            Self::EventAlert => "event_alert",
            Self::MetricAlert => "metric_alert",
            Self::Error => "error",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Debug,
    #[default]
    Info,
    Warning,
    Error,
    Fatal,
}

impl Level {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "debug" | "trace" => Self::Debug,
            "info" | "log" | "sample" => Self::Info,
            "warning" | "warn" => Self::Warning,
            "error" => Self::Error,
            "fatal" | "critical" => Self::Fatal,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Fatal => "fatal",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exception {
    pub ty: Option<String>,
    pub value: Option<String>,
    pub handled: Option<bool>,
    pub mechanism: Option<String>,
}

/// One stack frame. Native frames often have no file: then `package` (the binary or library,
/// base name only) and `address` (`instruction_addr`) say where it was.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Frame {
    pub file: Option<String>,
    pub line: Option<u64>,
    /// `function`, else the raw symbol name.
    pub function: Option<String>,
    pub context: Option<String>,
    pub in_app: bool,
    pub package: Option<String>,
    pub address: Option<String>,
}

/// Something the SDK recorded before the event (a request, a click, a log line).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Breadcrumb {
    /// RFC 3339, UTC.
    pub time: Option<String>,
    pub category: Option<String>,
    pub level: Option<String>,
    /// One line, already cut to a readable length.
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
    pub ip: Option<String>,
    pub geo: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub method: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub text: Option<String>,
    pub author: Option<String>,
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Metric {
    pub title: Option<String>,
    pub description: Option<String>,
    pub rule: Option<String>,
    pub incident_id: Option<String>,
    pub rule_id: Option<String>,
    /// The incident number the alert-rule page takes as `?alert=`.
    pub identifier: Option<String>,
    /// What is measured, e.g. `count()`, `p95(transaction.duration)`.
    pub aggregate: Option<String>,
    pub query: Option<String>,
    pub time_window_minutes: Option<u64>,
    /// The measured value, as Sentry wrote it at the start of `description_text`.
    pub value: Option<String>,
    /// False when the rule fires below its thresholds (crash-free rate, Apdex).
    pub above: Option<bool>,
    pub thresholds: Vec<Threshold>,
    pub resolve_threshold: Option<String>,
    pub projects: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// `critical` or `warning`.
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub action: String,
    pub level: Level,
    pub title: String,
    pub culprit: Option<String>,
    pub message: Option<String>,
    pub project: Option<String>,
    pub project_name: Option<String>,
    pub environment: Option<String>,
    pub release: Option<String>,
    pub platform: Option<String>,
    pub issue_id: Option<String>,
    pub short_id: Option<String>,
    pub event_id: Option<String>,
    /// An http(s) link to Sentry; the only link a message carries.
    pub link: Option<String>,
    /// The exception that was raised (the head of `exceptions`).
    pub exception: Option<Exception>,
    /// The chain as Sentry shows it: the raised exception first, then what caused it.
    #[serde(default)]
    pub exceptions: Vec<Exception>,
    /// Crashing frame first, in-app frames before library frames.
    pub frames: Vec<Frame>,
    /// The last breadcrumbs before the event, oldest first.
    #[serde(default)]
    pub breadcrumbs: Vec<Breadcrumb>,
    /// When the event happened (RFC 3339, UTC); events and errors only.
    #[serde(default)]
    pub time: Option<String>,
    pub user: Option<User>,
    pub request: Option<Request>,
    pub tags: Vec<Tag>,
    pub count: Option<String>,
    pub user_count: Option<u64>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub status: Option<String>,
    pub substatus: Option<String>,
    pub assignee: Option<String>,
    pub actor: Option<String>,
    pub comment: Option<Comment>,
    pub metric: Option<Metric>,
    pub triggered_rule: Option<String>,
    /// Repeats of this issue that a route's `repeat_interval` kept silent before this alert.
    #[serde(default)]
    pub suppressed: u64,
    /// What the Sentry alert rule chose in this integration's settings (robot, mentions, note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_choice: Option<crate::domain::rule_choice::RuleChoice>,
    /// Who is on call for this alert's routes when it came (`mention.oncall`), as shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oncall: Vec<String>,
}

impl Alert {
    /// What listing the alert as one line of a batch, digest or summary needs: no stack,
    /// breadcrumbs, request, user or tags. A summary keeps one alert per issue, and a storm
    /// of 10,000 issues kept whole took 200 MB.
    /// Whether the alert's level is its own, for a route's `min_level` to judge: a comment
    /// has none, and a metric alert's resolution only "info" (its payload names no severity),
    /// which dropped every recovery of a route whose triggers passed `min_level`.
    pub fn carries_level(&self) -> bool {
        !(self.kind == AlertKind::Comment
            || self.kind == AlertKind::MetricAlert && self.action == "resolved")
    }

    /// Fills what a list line needs and this alert lacks from `other`, an alert of the same
    /// issue: a comment webhook carries the issue's id but no title, short id or level, so a
    /// comment as an issue's newest alert left its line blank and counted as "info".
    pub fn fill_listing_from(&mut self, other: &Alert) {
        if self.title.is_empty() && !other.title.is_empty() {
            self.title = other.title.clone();
        }
        if self.kind == AlertKind::Comment && other.kind != AlertKind::Comment {
            self.level = other.level;
        }
        for (mine, theirs) in [
            (&mut self.short_id, &other.short_id),
            (&mut self.project, &other.project),
            (&mut self.link, &other.link),
        ] {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
    }

    pub fn for_listing(mut self) -> Alert {
        self.frames = Vec::new();
        self.breadcrumbs = Vec::new();
        self.exceptions = Vec::new();
        self.tags = Vec::new();
        self.request = None;
        self.user = None;
        self
    }

    pub fn new(kind: AlertKind, action: impl Into<String>) -> Self {
        Self {
            kind,
            action: action.into(),
            level: Level::default(),
            title: String::new(),
            culprit: None,
            message: None,
            project: None,
            project_name: None,
            environment: None,
            release: None,
            platform: None,
            issue_id: None,
            short_id: None,
            event_id: None,
            link: None,
            exception: None,
            exceptions: Vec::new(),
            frames: Vec::new(),
            breadcrumbs: Vec::new(),
            time: None,
            user: None,
            request: None,
            tags: Vec::new(),
            count: None,
            user_count: None,
            first_seen: None,
            last_seen: None,
            status: None,
            substatus: None,
            assignee: None,
            actor: None,
            comment: None,
            metric: None,
            triggered_rule: None,
            suppressed: 0,
            rule_choice: None,
            oncall: Vec::new(),
        }
    }

    /// "Send Test Notification" in Sentry's rule editor: sent every time and at once, never
    /// held by a group window or taken for a repeat.
    pub fn is_test_notification(&self) -> bool {
        self.rule_choice.as_ref().is_some_and(|c| c.test)
    }

    /// Only event notifications repeat; state changes and comments always pass and restart
    /// the repeat interval.
    pub fn is_repeatable(&self) -> bool {
        matches!(self.kind, AlertKind::EventAlert | AlertKind::Error)
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_str())
    }
}
