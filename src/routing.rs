//! Which robots an alert goes to, and whom to @ there. Pure: no I/O.
//!
//! Routes are tried in order; the first match wins unless it says `continue`. A filter on a
//! field the alert does not carry is skipped (issue and comment webhooks carry no environment
//! or tags), so a project route still takes them. Several routes sending to one robot make one
//! message with their mentions merged.

use crate::domain::alert::{Alert, AlertKind, Level};
use crate::domain::escalation::{Escalation, LadderStart};
use crate::domain::mention::Mentions;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

mod mute_rule;
mod targets;
pub use mute_rule::MuteRule;
pub use targets::{merge, route};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unmatched {
    #[default]
    Default,
    Drop,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mention {
    /// The people (by mobile or user id) and `all`, as the alert's message @-mentions them.
    pub at: Mentions,
    /// Mention only from this level upwards (e.g. @ the on-call for fatal only).
    pub min_level: Option<Level>,
    /// Rotas whose person on call when the alert comes is mentioned (`[[oncall]]`).
    pub oncall: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub name: String,
    projects: Option<Vec<GlobMatcher>>,
    environments: Option<Vec<GlobMatcher>>,
    min_level: Option<Level>,
    resources: Option<Vec<String>>,
    actions: Option<Vec<String>>,
    tags: Vec<(String, GlobMatcher)>,
    pub robots: Vec<String>,
    pub mention: Mention,
    /// `repeat_interval`, made once as each of the route's targets carries it.
    pub repeat: RepeatRule,
    pub continue_: bool,
    /// The route as written, for `check`'s routing table.
    pub summary: String,
    /// `mute_times` (the windows that hold its alerts, by name) and `mute_pass_level`, made
    /// once as each of the route's targets carries them.
    pub mute: MuteRule,
    /// The ladder climbed when nobody acts on a new or regressed issue (`escalation`).
    pub escalation: Option<Arc<Escalation>>,
    /// Its alerts get their own message even while the robot is in a storm.
    pub storm_exempt: bool,
}

/// A route's ladder that an alert starts (its runner robot's delivery carries it).
#[derive(Debug, Clone, PartialEq)]
pub struct LadderRule {
    pub route: String,
    /// The first step is due this long after the alert is stored.
    pub after_ms: i64,
    pub start: LadderStart,
}

/// A route's part in a target: suppress repeats of the same issue within `interval`.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatRule {
    pub route: String,
    pub interval: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub robot: String,
    pub at: Mentions,
    /// Why this robot was chosen, for `check --explain`.
    pub reason: String,
    pub repeat: Vec<RepeatRule>,
    /// One per route that sent it here; empty for the default robot or a rule's chosen robot.
    pub mute: Vec<MuteRule>,
    /// Rotas whose person on call is mentioned (the routes' `mention.oncall`), resolved when
    /// the alert is stored.
    pub oncall: Vec<String>,
    /// The ladders the alert starts here (this robot runs them).
    pub escalate: Vec<LadderRule>,
    /// A route that sent it here is `storm_exempt`.
    pub storm_exempt: bool,
}

fn globs(patterns: Option<Vec<String>>, key: &str) -> Result<Option<Vec<GlobMatcher>>, String> {
    patterns
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    Glob::new(p)
                        .map(|g| g.compile_matcher())
                        .map_err(|e| format!("{key}: malformed glob `{p}`: {e}"))
                })
                .collect()
        })
        .transpose()
}

impl Route {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: String,
        projects: Option<Vec<String>>,
        environments: Option<Vec<String>>,
        min_level: Option<Level>,
        resources: Option<Vec<String>>,
        actions: Option<Vec<String>>,
        tags: BTreeMap<String, String>,
        robots: Vec<String>,
        mention: Mention,
        repeat_interval: Duration,
        continue_: bool,
    ) -> Result<Self, String> {
        let mut summary = Vec::new();
        let mut list = |key: &str, v: &Option<Vec<String>>| {
            if let Some(v) = v {
                summary.push(format!("{key}={}", v.join("|")));
            }
        };
        list("projects", &projects);
        list("environments", &environments);
        list("resources", &resources);
        list("actions", &actions);
        if let Some(l) = min_level {
            summary.push(format!("min_level={}", l.as_str()));
        }
        for (k, v) in &tags {
            summary.push(format!("tag {k}={v}"));
        }
        let tags = tags
            .into_iter()
            .map(|(k, v)| {
                Glob::new(&v)
                    .map(|g| (k.clone(), g.compile_matcher()))
                    .map_err(|e| format!("tags.{k}: malformed glob `{v}`: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            repeat: RepeatRule {
                route: name.clone(),
                interval: repeat_interval,
            },
            mute: MuteRule {
                route: name.clone(),
                windows: Vec::new(),
                pass_level: None,
            },
            name,
            projects: globs(projects, "projects")?,
            environments: globs(environments, "environments")?,
            min_level,
            resources,
            actions,
            tags,
            robots,
            mention,
            continue_,
            summary: if summary.is_empty() {
                "any alert".into()
            } else {
                summary.join(", ")
            },
            escalation: None,
            storm_exempt: false,
        })
    }

    /// The route muted in the windows named `mute_times`, except alerts at `pass_level` and up.
    pub fn with_mute(mut self, mute_times: Vec<String>, pass_level: Option<Level>) -> Self {
        self.mute.windows = mute_times;
        self.mute.pass_level = pass_level;
        self
    }

    /// The route climbing `ladder` when nobody acts.
    pub fn with_escalation(mut self, ladder: Escalation) -> Self {
        let steps: Vec<String> = ladder.steps.iter().map(ToString::to_string).collect();
        let every = Duration::from_millis(u64::try_from(ladder.after_ms).unwrap_or(0));
        let every = humantime::format_duration(every);
        // Bracketed, and no arrows: `check` prints the route's robots after an arrow, and
        // `a → b → robot:leads → payments` read as a fourth step.
        self.summary
            .push_str(&format!(", escalates every {every} [{}]", steps.join(", ")));
        self.escalation = Some(Arc::new(ladder));
        self
    }

    /// The ladder `a` starts on `robot`, if this route escalates it and `robot` runs it.
    fn ladder_for(&self, a: &Alert, robot: &str) -> Option<LadderRule> {
        let ladder = self.escalation.as_ref().filter(|l| l.runner == robot)?;
        Some(LadderRule {
            route: self.name.clone(),
            after_ms: ladder.after_ms,
            start: ladder.start_for(a)?,
        })
    }

    /// Whether the alert matches; a filter on a field the alert lacks does not count.
    pub fn matches(&self, a: &Alert) -> bool {
        let any = |ms: &[GlobMatcher], v: &str| ms.iter().any(|m| m.is_match(v));
        let field_ok = |filter: &Option<Vec<GlobMatcher>>, v: &Option<String>| match (filter, v) {
            (Some(ms), Some(v)) => any(ms, v),
            _ => true,
        };
        let level_carried = a.carries_level();
        field_ok(&self.projects, &a.project)
            && field_ok(&self.environments, &a.environment)
            && (!level_carried || self.min_level.is_none_or(|min| a.level >= min))
            && self
                .resources
                .as_ref()
                .is_none_or(|r| r.iter().any(|x| x == a.kind.as_str()))
            && self.actions.as_ref().is_none_or(|r| r.contains(&a.action))
            && (a.tags.is_empty()
                || self
                    .tags
                    .iter()
                    .all(|(k, m)| a.tag(k).is_some_and(|v| m.is_match(v))))
    }

    /// Whether the route's mentions (people and rotas) apply to `a`: its `min_level`.
    fn mentions_apply(&self, a: &Alert) -> bool {
        self.mention
            .min_level
            .is_none_or(|min| a.kind != AlertKind::Comment && a.level >= min)
    }

    fn at_for(&self, a: &Alert) -> Mentions {
        if !self.mentions_apply(a) {
            return Mentions::default();
        }
        self.mention.at.clone()
    }
}
