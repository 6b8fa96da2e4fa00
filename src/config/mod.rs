//! Settings from the environment (and `.env`), validated once at start-up.
//!
//! Every value has the name of its variable in its error, so a refused start says what to fix.

pub mod card_robot;
mod env_values;
mod escalation;
pub mod file;
mod load;
mod mute;
pub mod oncall;
pub mod report_schedule;
mod routes;
pub mod storm;
pub mod toml_error;

use crate::domain::lang::Lang;
use crate::routing::{Route, Unmatched};
use crate::secret::Secret;
use env_values::check_robot_url;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is required")]
    Missing { var: &'static str },
    #[error("{var}: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error("config file {path}: {reason}")]
    File { path: String, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// One DingTalk robot: a custom robot (webhook), or with `card` an enterprise app's robot that
/// posts interactive cards. With neither, rendered messages go to the log instead.
#[derive(Debug, Clone)]
pub struct RobotConfig {
    pub name: String,
    /// The group it posts to, in words, for the robot select in Sentry's alert-rule editor.
    pub description: Option<String>,
    pub webhook: Option<Secret>,
    /// `kind = "card"` (then `webhook`, `secret` and `keyword` are `None`).
    pub card: Option<card_robot::CardRobot>,
    pub secret: Option<Secret>,
    pub keyword: Option<String>,
    pub rate_per_minute: u32,
    pub group_window: Duration,
    pub throttle_pause: Duration,
    /// When many more alerts wait than the budget shows: one summary per interval.
    pub storm: storm::StormConfig,
}

/// The messages a minute DingTalk takes from one custom robot; the 21st gets errcode 130101
/// and the robot is throttled for 10 minutes.
pub const DINGTALK_RATE_LIMIT: u32 = 20;

impl RobotConfig {
    /// What to say when the robot's budget is above what DingTalk takes from a custom robot.
    pub fn rate_warning(&self) -> Option<String> {
        (self.card.is_none() && self.rate_per_minute > DINGTALK_RATE_LIMIT).then(|| {
            format!(
                "robot {} may send {} messages a minute, but DingTalk takes {DINGTALK_RATE_LIMIT} from a custom robot and throttles it for 10 minutes after (set rate_per_minute to {DINGTALK_RATE_LIMIT} or less; 18 leaves room for others)",
                self.name, self.rate_per_minute
            )
        })
    }
}

/// When a failed send is tried again, and when it is given up.
#[derive(Debug, Clone)]
pub struct RetryConfig {
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub max_age: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(600),
            max_age: Duration::from_secs(24 * 3600),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub client_secrets: Vec<Secret>,
    pub robots: Vec<RobotConfig>,
    pub listen_addr: String,
    pub data_dir: PathBuf,
    /// `DATABASE_URL=postgres://…`: the outbox and all shared state in PostgreSQL, for any
    /// number of replicas. Unset: the embedded SQLite outbox in `data_dir`.
    pub database_url: Option<Secret>,
    pub templates_dir: Option<PathBuf>,
    pub lang: Lang,
    /// `ALERT_TIMEZONE`; unset means the language's default (Asia/Shanghai or UTC).
    pub timezone: Option<chrono_tz::Tz>,
    pub sentry_url: String,
    pub sentry_org: Option<String>,
    pub legacy_token: Option<Secret>,
    /// Enables enrichment, chat actions and the open-issues report.
    pub sentry_api_token: Option<Secret>,
    /// A legacy API key of an old self-hosted Sentry, sent as HTTP Basic (`SENTRY_API_KEY`).
    pub sentry_api_key: Option<Secret>,
    /// The relay's own external URL, for action links in messages.
    pub public_url: Option<String>,
    pub body_limit: usize,
    /// The whole body must arrive within this; a slow upload is refused (408).
    pub body_read_timeout: Duration,
    /// Bytes buffered across all request bodies being read at once; past it, 503 at once.
    pub inflight_body_limit: usize,
    /// `TRUSTED_PROXIES`: reverse proxies whose `X-Forwarded-For` names the client, for the
    /// per-client limits at the edge. Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub shutdown_timeout: Duration,
    pub request_timeout: Duration,
    pub retry: RetryConfig,
    pub log_format: LogFormat,
    pub routes: Vec<Route>,
    pub unmatched: Unmatched,
    /// The TOML file the robots and routes came from, if any (reloaded on SIGHUP).
    pub config_file: Option<PathBuf>,
    pub admin_token: Option<Secret>,
    /// `[[mute_times]]`: the windows routes name in `mute_times`, in the order written.
    pub mute_times: Vec<crate::domain::mute_window::MuteWindow>,
    /// `[[people]]` and `[[oncall]]` rotas.
    pub team: oncall::Team,
    /// From the config file: `serve` posts the open-issue digest daily at this time.
    pub digest_schedule: Option<crate::config::report_schedule::ReportSchedule>,
    /// The robot the `DINGTALK_*` variables describe, kept so a reload can rebuild the list.
    pub env_robot: RobotConfig,
    /// The open API's base URL for card robots (`DINGTALK_API_URL`), without a trailing slash.
    pub dingtalk_api_url: String,
}

/// Read when `CONFIG_FILE` is not set, if it exists in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "sentry-dingtalk.toml";

pub const DEFAULT_ROBOT: &str = "default";

impl Settings {
    /// `serve` cannot verify anything without a client secret; the other commands can.
    pub fn require_client_secret(&self) -> Result<(), ConfigError> {
        if self.client_secrets.is_empty() {
            return Err(ConfigError::Missing {
                var: "SENTRY_CLIENT_SECRET",
            });
        }
        Ok(())
    }

    /// The zone times are shown in, and a mute window's zone when it names none:
    /// `ALERT_TIMEZONE`, else the language's (Asia/Shanghai or UTC).
    pub fn alert_zone(&self) -> chrono_tz::Tz {
        self.timezone
            .unwrap_or(crate::render::time::default_zone(self.lang))
    }

    /// Where a message's Sentry links point: `SENTRY_URL` and `SENTRY_ORG`, before any
    /// payload teaches an organization.
    pub fn link_base(&self) -> crate::sentry::payload::LinkBase {
        crate::sentry::payload::LinkBase {
            sentry_url: self.sentry_url.clone(),
            org: self.sentry_org.clone(),
            learned_org: None,
        }
    }

    /// The Sentry API's credentials: `SENTRY_API_TOKEN` when set, else `SENTRY_API_KEY`.
    pub fn sentry_auth(&self) -> Option<crate::sentry::api::ApiAuth> {
        crate::sentry::api::ApiAuth::pick(
            self.sentry_api_token.as_ref(),
            self.sentry_api_key.as_ref(),
        )
    }

    /// The robots' names, in the order they are configured.
    pub fn robot_names(&self) -> Vec<String> {
        self.robots.iter().map(|r| r.name.clone()).collect()
    }

    pub fn robot(&self, name: &str) -> Option<&RobotConfig> {
        self.robots.iter().find(|r| r.name == name)
    }

    /// The robots this configuration's routes give `alert`.
    pub fn route(&self, alert: &crate::domain::alert::Alert) -> Vec<crate::routing::Target> {
        let default = self.robot(DEFAULT_ROBOT).map(|r| r.name.as_str());
        crate::routing::route(alert, &self.routes, self.unmatched, default)
    }
}

/// What a robot chosen in Sentry's rule editor is checked against.
impl crate::routing_choice::RobotsAndRoutes for Settings {
    fn has_robot(&self, name: &str) -> bool {
        self.robot(name).is_some()
    }
    fn person(&self, name: &str) -> Option<&crate::domain::oncall::Person> {
        self.team.person(name)
    }
    fn has_rota(&self, name: &str) -> bool {
        self.team.rota(name).is_some()
    }
    fn route(&self, alert: &crate::domain::alert::Alert) -> Vec<crate::routing::Target> {
        Settings::route(self, alert)
    }
}

/// Shorter tokens can be guessed; the message says what is needed, never the value.
pub const MIN_TOKEN_CHARS: usize = 16;

#[cfg(test)]
pub(crate) mod test_files;
#[cfg(test)]
mod tests;
