//! Escalation: what the relay does when nobody acts on a new or regressed issue — the ladder of
//! steps a route names (`escalation = [...]`), which alerts start a ladder and which say that
//! someone acted. No I/O: the store keeps each ladder, the delivery engine climbs it.

use super::alert::{Alert, AlertKind, Level};
use std::fmt;

/// Whom a step reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Whoever a rota (`[[oncall]]`) puts on call when the step is taken.
    Oncall(String),
    /// One of `[[people]]`.
    Person(String),
    /// Everyone in the group (`@all`).
    All,
}

/// One rung of the ladder, as written in `escalation = [...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscalationStep {
    /// `oncall:ROTA`, `person:NAME`, `all`: a short follow-up in the route's group that
    /// @-mentions them.
    Mention(Reach),
    /// `robot:NAME`: the alert posted to another robot (another group).
    Robot(String),
    /// `ding:oncall:ROTA`, `ding:person:NAME`: a DingTalk DING through the route's `ding_robot`.
    Ding(Reach),
}

fn reach(text: &str) -> Result<Reach, String> {
    match text.split_once(':') {
        Some(("oncall", rota)) if !rota.is_empty() => Ok(Reach::Oncall(rota.to_owned())),
        Some(("person", name)) if !name.is_empty() => Ok(Reach::Person(name.to_owned())),
        _ if text == "all" => Ok(Reach::All),
        _ => Err(format!(
            "`{text}` is not oncall:ROTA, person:NAME, all, robot:NAME or ding:…"
        )),
    }
}

impl EscalationStep {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(robot) = text.strip_prefix("robot:") {
            if robot.is_empty() {
                return Err("`robot:` names no robot".into());
            }
            return Ok(Self::Robot(robot.to_owned()));
        }
        if let Some(rest) = text.strip_prefix("ding:") {
            return match reach(rest)? {
                // A DING goes to user ids; "everyone" has none.
                Reach::All => Err("`ding:all` is not possible: DING needs people".into()),
                r => Ok(Self::Ding(r)),
            };
        }
        reach(text).map(Self::Mention)
    }

    /// The step's kind, for the `step` label of `escalations_total`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Mention(Reach::Oncall(_)) => "oncall",
            Self::Mention(Reach::Person(_)) => "person",
            Self::Mention(Reach::All) => "all",
            Self::Robot(_) => "robot",
            Self::Ding(_) => "ding",
        }
    }
}

impl fmt::Display for Reach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Oncall(r) => write!(f, "oncall:{r}"),
            Self::Person(p) => write!(f, "person:{p}"),
            Self::All => f.write_str("all"),
        }
    }
}

impl fmt::Display for EscalationStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mention(r) => write!(f, "{r}"),
            Self::Robot(r) => write!(f, "robot:{r}"),
            Self::Ding(r) => write!(f, "ding:{r}"),
        }
    }
}

/// How a DING reaches people: DingTalk's `remindType`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DingType {
    /// In the app (`remindType` 1).
    #[default]
    App,
    /// By SMS (2).
    Sms,
    /// By phone call (3).
    Call,
}

impl DingType {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "app" => Self::App,
            "sms" => Self::Sms,
            "call" => Self::Call,
            _ => return None,
        })
    }

    pub fn remind_type(self) -> u8 {
        match self {
            Self::App => 1,
            Self::Sms => 2,
            Self::Call => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Sms => "sms",
            Self::Call => "call",
        }
    }
}

/// A route's ladder (`escalate_after`, `escalation`, `escalate_min_level`, `ding_robot`,
/// `ding_type`), checked against the configuration it came with.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// Wait before each next step, in milliseconds.
    pub after_ms: i64,
    pub steps: Vec<EscalationStep>,
    /// Alerts below this level never start a ladder.
    pub min_level: Option<Level>,
    /// The card robot whose app sends DINGs.
    pub ding_robot: Option<String>,
    pub ding_type: DingType,
    /// The robot whose sender climbs the ladder, and whose group the follow-ups go to: the
    /// route's first custom (markdown) robot, else its first robot.
    pub runner: String,
}

/// How an alert starts a ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LadderStart {
    /// A new or regressed issue, a metric alert going critical: a ladder starts, or starts
    /// again when the last one ended.
    Again,
    /// An event alert or error: a ladder starts only for an issue not seen before.
    IfUnseen,
}

impl Escalation {
    /// Whether (and how) `alert` starts this route's ladder.
    pub fn start_for(&self, alert: &Alert) -> Option<LadderStart> {
        if self.min_level.is_some_and(|min| alert.level < min) {
            return None;
        }
        ladder_start(alert)
    }
}

/// How `alert` starts a ladder, whatever its level; `None` for what is not new trouble
/// (comments, assignments, resolutions, warnings of a metric alert, test notifications).
pub fn ladder_start(alert: &Alert) -> Option<LadderStart> {
    if alert.is_test_notification() {
        return None;
    }
    ladder_key(alert)?;
    match alert.kind {
        AlertKind::Issue if matches!(alert.action.as_str(), "created" | "unresolved") => {
            Some(LadderStart::Again)
        }
        AlertKind::EventAlert | AlertKind::Error if alert.issue_id.is_some() => {
            Some(LadderStart::IfUnseen)
        }
        AlertKind::MetricAlert if alert.action == "critical" => Some(LadderStart::Again),
        _ => None,
    }
}

/// What a ladder is kept under: the Sentry issue id, else the metric alert's incident
/// (`incident:ID`, as its card).
pub fn ladder_key(alert: &Alert) -> Option<String> {
    if let Some(issue) = alert.issue_id.as_deref().filter(|i| !i.is_empty()) {
        return Some(issue.to_owned());
    }
    let metric = alert.metric.as_ref()?;
    let incident = metric
        .incident_id
        .as_deref()
        .or(metric.identifier.as_deref())
        .filter(|i| !i.is_empty())?;
    Some(format!("incident:{incident}"))
}

/// What an alert from Sentry says someone did about its issue, in words for the trace; it
/// stops the issue's ladders. `None` when it says nobody acted.
pub fn act_of(alert: &Alert) -> Option<String> {
    match (alert.kind, alert.action.as_str()) {
        (AlertKind::Issue, "resolved") => Some("resolved in Sentry".into()),
        (AlertKind::Issue, "ignored" | "archived") => Some("ignored in Sentry".into()),
        (AlertKind::Issue, "assigned") => Some(match alert.assignee.as_deref() {
            Some(who) if !who.is_empty() => format!("assigned to {who} in Sentry"),
            _ => "assigned in Sentry".into(),
        }),
        (AlertKind::MetricAlert, "resolved") => Some("metric alert resolved".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
