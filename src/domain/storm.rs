//! A storm: a robot receiving alerts faster than its budget can show them. While it lasts the
//! robot posts at most one summary per interval instead of walls of alert lines; every alert
//! of the storm is kept and counted here, per issue, project and level. No I/O: the store
//! keeps the storm and its alerts, the delivery engine decides when to tell.

use super::alert::{Alert, AlertKind, Level};
use std::collections::{BTreeMap, HashMap};

/// A robot is in a storm when more alerts wait than a minute of its budget shows as ordinary
/// batches a person still reads: `rate_per_minute` messages of this many alert lines each.
pub const READABLE_BATCH: u32 = 20;

/// The default `storm_threshold` of a robot that posts `rate_per_minute` messages a minute.
pub fn default_threshold(rate_per_minute: u32) -> u32 {
    rate_per_minute.saturating_mul(READABLE_BATCH)
}

/// A storm as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storm {
    pub id: i64,
    pub robot: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    /// When its last summary was made; `None` before the first.
    pub last_message_at: Option<i64>,
    /// Summaries made so far.
    pub messages: i64,
    /// The issue keys at the top of the last summary, to tell which climbed since.
    pub top: Vec<String>,
}

impl Storm {
    /// What holds its alerts (`Hold::Storm`), as stored on each alert.
    pub fn hold_key(&self) -> String {
        format!("storm:{}", self.id)
    }
}

/// One issue's alerts in a storm.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueTally {
    /// The Sentry issue id, else the short id, else kind and title.
    pub key: String,
    /// Its latest alert.
    pub latest: Alert,
    pub count: usize,
    /// The highest level any of its alerts had.
    pub level: Level,
    pub first_at: i64,
    pub last_at: i64,
    /// New in this storm: created, or first seen since it began.
    pub new: bool,
    /// Came back: an `unresolved` issue webhook in the storm.
    pub regressed: bool,
    /// Its latest alert says it is resolved.
    pub resolved: bool,
}

/// Everything a storm's alerts add up to, most alerts first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StormTally {
    pub alerts: usize,
    pub issues: Vec<IssueTally>,
    pub by_project: BTreeMap<String, usize>,
    pub by_level: BTreeMap<Level, usize>,
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
}

fn issue_key(a: &Alert) -> String {
    a.issue_id
        .clone()
        .or_else(|| a.short_id.clone())
        .unwrap_or_else(|| format!("{}:{}", a.kind.as_str(), a.title))
}

/// Whether `first_seen` (RFC 3339) is at or after `since` (epoch ms).
fn first_seen_since(a: &Alert, since: i64) -> bool {
    a.first_seen
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .is_some_and(|t| t.timestamp_millis() >= since)
}

impl StormTally {
    /// Adds the storm's alerts, `(received_at, alert)`, in the order they came.
    pub fn add(&mut self, started_at: i64, alerts: impl IntoIterator<Item = (i64, Alert)>) {
        let mut index: HashMap<String, usize> = self
            .issues
            .iter()
            .enumerate()
            .map(|(i, t)| (t.key.clone(), i))
            .collect();
        for (at, a) in alerts {
            let a = a.for_listing();
            self.alerts += 1;
            self.first_at = Some(self.first_at.map_or(at, |f| f.min(at)));
            self.last_at = Some(self.last_at.map_or(at, |l| l.max(at)));
            let new = (a.kind == AlertKind::Issue && a.action == "created")
                || first_seen_since(&a, started_at);
            let regressed = a.kind == AlertKind::Issue && a.action == "unresolved";
            let key = issue_key(&a);
            let i = *index.entry(key.clone()).or_insert_with(|| {
                self.issues.push(IssueTally {
                    key,
                    latest: a.clone(),
                    count: 0,
                    level: a.level,
                    first_at: at,
                    last_at: at,
                    new: false,
                    regressed: false,
                    resolved: false,
                });
                self.issues.len() - 1
            });
            let t = &mut self.issues[i];
            t.count += 1;
            t.level = t.level.max(a.level);
            t.first_at = t.first_at.min(at);
            t.new |= new;
            t.regressed |= regressed;
            let mut a = a;
            // Counted once the issue's line is known: a comment counts at its issue's level.
            let (project, level) = if at >= t.last_at {
                t.last_at = at;
                t.resolved = a.action == "resolved";
                a.fill_listing_from(&t.latest);
                t.latest = a;
                (t.latest.project.clone(), t.latest.level)
            } else {
                t.latest.fill_listing_from(&a);
                a.fill_listing_from(&t.latest);
                (a.project, a.level)
            };
            let project = project.unwrap_or_else(|| "-".into());
            *self.by_project.entry(project).or_default() += 1;
            *self.by_level.entry(level).or_default() += 1;
        }
        self.issues
            .sort_by(|a, b| b.count.cmp(&a.count).then(a.first_at.cmp(&b.first_at)));
    }

    pub fn new_issues(&self) -> usize {
        self.issues.iter().filter(|i| i.new).count()
    }

    /// The keys of the `n` issues with the most alerts.
    pub fn top(&self, n: usize) -> Vec<String> {
        self.issues.iter().take(n).map(|i| i.key.clone()).collect()
    }

    /// Issues whose latest alert does not say resolved.
    pub fn unresolved(&self) -> impl Iterator<Item = &IssueTally> {
        self.issues.iter().filter(|i| !i.resolved)
    }
}

#[cfg(test)]
mod tests;
