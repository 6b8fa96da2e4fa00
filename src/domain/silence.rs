//! Silences: "not now" for the alerts their matchers name, until they end. Pure: what a
//! silence is, how it is checked, which alerts it holds. Where silences are kept and what
//! happens to the alerts they hold is the outbox's and the senders' business.

use super::alert::{Alert, AlertKind, Level};
use super::field_error::FieldError;
use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};

/// What a silence holds, as written in the API, the CLI and the store. Every matcher given
/// must match (a matcher on a field the alert does not carry does not); `all` alone holds
/// everything. The same fields are `silence add`'s flags (`--project`, …, `--all`), their doc
/// comments its help.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct Matchers {
    /// Glob on the project slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub project: Option<String>,
    /// Glob on the environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub environment: Option<String>,
    /// Hold this level and the ones below it (debug, info, warning, error, fatal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub level: Option<String>,
    /// A Sentry issue id or short id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub issue: Option<String>,
    /// A case-insensitive part of the alert title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub title: Option<String>,
    /// A robot's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[arg(long)]
    pub robot: Option<String>,
    /// Hold everything (maintenance); not with other matchers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[arg(long)]
    pub all: bool,
}

/// Matchers checked and compiled, ready to test alerts.
#[derive(Debug, Clone)]
pub struct Matcher {
    project: Option<GlobMatcher>,
    environment: Option<GlobMatcher>,
    level: Option<Level>,
    issue: Option<String>,
    /// The numeric id an `issue` short id is known by (`known_as`): alerts of an event alert
    /// or an error carry only that.
    issue_id: Option<String>,
    title: Option<String>,
    robot: Option<String>,
    all: bool,
}

/// A Sentry issue id (`5128840021`) or short id (`PAYMENTS-API-3F`): letters, digits, `-` and
/// `_`. Anything else (`abc def`) names no issue, and its silence would hold nothing.
fn issue(v: &Option<String>) -> Result<Option<String>, FieldError> {
    let Some(id) = v.as_deref().map(str::trim) else {
        return Ok(None);
    };
    let shaped = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if id.is_empty() || id.len() > 128 || !id.chars().all(shaped) {
        return Err(FieldError::new(
            "matchers.issue",
            format!("`{id}` is no issue id (5128840021) nor short id (PAYMENTS-API-3F)"),
        ));
    }
    Ok(Some(id.to_owned()))
}

impl Matchers {
    /// The matchers as stored and shown: a level in Sentry's other spelling (`critical`,
    /// `warn`) becomes its own name, so lists read `level≤fatal`.
    pub fn normalized(mut self) -> Self {
        if let Some(level) = self.level.as_deref().and_then(Level::parse) {
            self.level = Some(level.as_str().to_owned());
        }
        self
    }

    /// Checks the matchers: at least one, `all` alone, globs that compile, a known level,
    /// no empty value.
    pub fn compile(&self) -> Result<Matcher, FieldError> {
        let text = |field: &'static str, v: &Option<String>| -> Result<_, FieldError> {
            match v.as_deref().map(str::trim) {
                Some("") => Err(FieldError::new(field, "must not be empty")),
                v => Ok(v.map(str::to_owned)),
            }
        };
        let glob = |field: &'static str, v: &Option<String>| -> Result<_, FieldError> {
            text(field, v)?
                .map(|p| {
                    Glob::new(&p)
                        .map(|g| g.compile_matcher())
                        .map_err(|e| FieldError::new(field, format!("malformed glob `{p}`: {e}")))
                })
                .transpose()
        };
        let level = text("matchers.level", &self.level)?
            .map(|l| {
                Level::parse(&l).ok_or_else(|| {
                    FieldError::new(
                        "matchers.level",
                        format!("unknown level `{l}` (debug, info, warning, error, fatal)"),
                    )
                })
            })
            .transpose()?;
        let matcher = Matcher {
            project: glob("matchers.project", &self.project)?,
            environment: glob("matchers.environment", &self.environment)?,
            level,
            issue: issue(&self.issue)?,
            issue_id: None,
            title: text("matchers.title", &self.title)?.map(|t| t.to_lowercase()),
            robot: text("matchers.robot", &self.robot)?,
            all: self.all,
        };
        let narrowed = matcher.project.is_some()
            || matcher.environment.is_some()
            || matcher.level.is_some()
            || matcher.issue.is_some()
            || matcher.title.is_some()
            || matcher.robot.is_some();
        match (matcher.all, narrowed) {
            (true, true) => Err(FieldError::new(
                "matchers.all",
                "`all` holds everything: give it alone, or other matchers without it",
            )),
            (false, false) => Err(FieldError::new(
                "matchers",
                "at least one matcher is needed (project, environment, level, issue, title, \
                 robot), or \"all\": true",
            )),
            _ => Ok(matcher),
        }
    }

    /// The matchers in words, for messages and lists: `project=web-*, level≤warning`.
    pub fn describe(&self) -> String {
        if self.all {
            return "all alerts".into();
        }
        let fields = [
            ("project", &self.project),
            ("environment", &self.environment),
            ("level≤", &self.level),
            ("issue", &self.issue),
            ("title~", &self.title),
            ("robot", &self.robot),
        ];
        fields
            .iter()
            .filter_map(|(k, v)| {
                v.as_ref().map(|v| {
                    let sep = if k.ends_with(['≤', '~']) { "" } else { "=" };
                    format!("{k}{sep}{v}")
                })
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Matcher {
    /// The `issue` matcher when it is a short id (`PAYMENTS-API-3F`), which only some payloads
    /// carry: the store may know the numeric id it stands for.
    pub fn short_issue_id(&self) -> Option<&str> {
        self.issue
            .as_deref()
            .filter(|i| !i.chars().all(|c| c.is_ascii_digit()))
    }

    /// Holds the alerts of `issue_id` too, the numeric id the short id is known by.
    pub fn known_as(mut self, issue_id: Option<String>) -> Self {
        self.issue_id = issue_id;
        self
    }

    /// Whether this silence holds `alert` on its way to `robot`.
    pub fn matches(&self, alert: &Alert, robot: &str) -> bool {
        if self.all {
            return true;
        }
        let glob = |m: &Option<GlobMatcher>, v: &Option<String>| match m {
            None => true,
            Some(m) => v.as_deref().is_some_and(|v| m.is_match(v)),
        };
        // A comment carries no level of its own: a level matcher does not hold it.
        let level_ok = self
            .level
            .is_none_or(|max| alert.kind != AlertKind::Comment && alert.level <= max);
        let issue_ok = self.issue.as_deref().is_none_or(|want| {
            alert.issue_id.as_deref() == Some(want)
                || (self.issue_id.is_some() && alert.issue_id == self.issue_id)
                || alert
                    .short_id
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(want))
        });
        glob(&self.project, &alert.project)
            && glob(&self.environment, &alert.environment)
            && level_ok
            && issue_ok
            && self
                .title
                .as_deref()
                .is_none_or(|t| alert.title.to_lowercase().contains(t))
            && self.robot.as_deref().is_none_or(|r| r == robot)
    }

    /// Whether this silence can hold anything of `robot` (a robot matcher names another).
    pub fn concerns(&self, robot: &str) -> bool {
        self.robot.as_deref().is_none_or(|r| r == robot)
    }
}

/// A silence as kept: its matchers, when it runs, who made it and why, and how many alerts
/// it held so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Silence {
    pub id: i64,
    pub matchers: Matchers,
    pub starts_at: i64,
    pub ends_at: i64,
    pub comment: String,
    pub created_by: String,
    pub held: i64,
}

impl Silence {
    pub fn is_active(&self, now: i64) -> bool {
        self.starts_at <= now && now < self.ends_at
    }
}

/// What holds an alert back, as the outbox keeps it beside the alert (`held_by`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    Silence(i64),
    MuteWindow(String),
    /// A storm (`domain::storm`): its summaries take the alerts.
    Storm(i64),
}

impl Hold {
    pub fn key(&self) -> String {
        match self {
            Self::Silence(id) => format!("silence:{id}"),
            Self::MuteWindow(name) => format!("mute:{name}"),
            Self::Storm(id) => format!("storm:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        match key.split_once(':')? {
            ("silence", id) => id.parse().ok().map(Self::Silence),
            ("mute", name) if !name.is_empty() => Some(Self::MuteWindow(name.to_owned())),
            ("storm", id) => id.parse().ok().map(Self::Storm),
            _ => None,
        }
    }

    /// In words, for traces: `silenced by #12`, `muted by window nights`.
    pub fn describe(&self) -> String {
        match self {
            Self::Silence(id) => format!("silenced by #{id}"),
            Self::MuteWindow(name) => format!("muted by window {name}"),
            Self::Storm(id) => format!("summarized in storm #{id}"),
        }
    }
}

#[cfg(test)]
#[path = "silence_tests.rs"]
mod tests;
