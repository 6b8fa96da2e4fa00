//! The optional TOML file: several robots and the routes between them.
//!
//! Unknown keys are errors (serde's `deny_unknown_fields`; the error names key and line, never
//! a value: see `toml_error`). Secrets may be written `${ENV_VAR}` and are read from the
//! environment; no error repeats a `webhook`, `secret` or an expanded value.

use super::card_robot::CardKeys;
use super::env_values::{duration, expand};
use super::mute::{self, MuteTimeEntry};
use super::oncall::{self, PersonEntry, RotaEntry, Team};
use super::{ConfigError, RobotConfig};
use crate::config::report_schedule::ReportSchedule;
use crate::domain::mute_window::MuteWindow;
use crate::routing::{Route, Unmatched};
use crate::secret::Secret;
use serde::Deserialize;
use std::collections::HashSet;

// No `Debug` here nor on `RobotEntry`: they hold secrets and robot URLs as written, which
// nothing may print.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    unmatched: Unmatched,
    /// Post the open-issue digest daily, e.g. "09:30 Asia/Shanghai".
    digest_schedule: Option<String>,
    /// Its window (`digest --since`); default 24h.
    digest_since: Option<String>,
    #[serde(default)]
    robots: Vec<RobotEntry>,
    #[serde(default)]
    routes: Vec<super::routes::RouteEntry>,
    #[serde(default)]
    mute_times: Vec<MuteTimeEntry>,
    #[serde(default)]
    people: Vec<PersonEntry>,
    #[serde(default)]
    oncall: Vec<RotaEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RobotEntry {
    name: String,
    /// Shown next to the name in Sentry's robot select (e.g. "支付组值班群").
    description: Option<String>,
    #[serde(default)]
    kind: RobotKindEntry,
    /// Custom robots only.
    webhook: Option<String>,
    secret: Option<String>,
    keyword: Option<String>,
    rate_per_minute: Option<u32>,
    group_window: Option<String>,
    throttle_pause: Option<String>,
    /// Waiting alerts that start a storm (0: storm mode off); see `storm.rs`.
    storm_threshold: Option<u32>,
    storm_quiet: Option<String>,
    storm_interval: Option<String>,
    // Card robots only (see `card_robot`).
    app_key: Option<String>,
    app_secret: Option<String>,
    robot_code: Option<String>,
    card_template_id: Option<String>,
    open_conversation_id: Option<String>,
    callback_secret: Option<String>,
    callback_route_key: Option<String>,
    api_calls_per_month: Option<u64>,
    fallback_webhook: Option<String>,
    fallback_secret: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RobotKindEntry {
    /// A custom robot: webhook and 加签 secret.
    #[default]
    Custom,
    /// An enterprise app's robot posting interactive cards.
    Card,
}

/// What the file adds to the environment's settings.
pub struct FileSettings {
    pub robots: Vec<RobotConfig>,
    pub routes: Vec<Route>,
    pub unmatched: Unmatched,
    pub digest_schedule: Option<ReportSchedule>,
    pub mute_times: Vec<MuteWindow>,
    pub team: Team,
}

/// Parses and validates `text`; `defaults` supplies what a robot leaves out, `default_zone`
/// a mute window's zone (`ALERT_TIMEZONE`).
pub fn parse(
    text: &str,
    path: &str,
    env: &dyn Fn(&str) -> Option<String>,
    defaults: &RobotConfig,
    default_zone: chrono_tz::Tz,
) -> Result<FileSettings, ConfigError> {
    // Never `e.to_string()`: it quotes the offending line, secrets included.
    let file: FileConfig = toml::from_str(text).map_err(|e| ConfigError::File {
        path: path.to_string(),
        reason: super::toml_error::describe(&e, text),
    })?;
    let err = |reason: String| ConfigError::File {
        path: path.to_string(),
        reason,
    };
    let mut names = HashSet::new();
    let mut robots = Vec::new();
    for (i, r) in file.robots.into_iter().enumerate() {
        let at = format!("robots[{i}] `{}`", r.name);
        if r.name.trim().is_empty() {
            return Err(err(format!("robots[{i}]: name is empty")));
        }
        if !names.insert(r.name.clone()) {
            return Err(err(format!("{at}: duplicate robot name")));
        }
        let card_keys = CardKeys {
            app_key: r.app_key,
            app_secret: r.app_secret,
            robot_code: r.robot_code,
            card_template_id: r.card_template_id,
            open_conversation_id: r.open_conversation_id,
            callback_secret: r.callback_secret,
            callback_route_key: r.callback_route_key,
            api_calls_per_month: r.api_calls_per_month,
            fallback_webhook: r.fallback_webhook,
            fallback_secret: r.fallback_secret,
        };
        let (webhook, card) = match r.kind {
            RobotKindEntry::Custom => {
                if let Some(key) = card_keys.present().first() {
                    return Err(err(format!(
                        "{at}: {key} is for kind = \"card\" robots; this one is a custom robot"
                    )));
                }
                let raw = r.webhook.as_deref().ok_or_else(|| {
                    err(format!(
                        "{at}: webhook is required (or set kind = \"card\")"
                    ))
                })?;
                let webhook = expand(raw, env).map_err(|e| err(format!("{at}: webhook: {e}")))?;
                super::check_robot_url(&webhook)
                    .map_err(|_| err(format!("{at}: webhook is not an http(s) URL")))?;
                (Some(Secret::new(webhook)), None)
            }
            RobotKindEntry::Card => {
                let custom = [
                    ("webhook", r.webhook.is_some()),
                    ("secret", r.secret.is_some()),
                    ("keyword", r.keyword.is_some()),
                ];
                if let Some((key, _)) = custom.iter().find(|(_, set)| *set) {
                    return Err(err(format!(
                        "{at}: {key} is for custom robots; a kind = \"card\" robot does not take it"
                    )));
                }
                let card = card_keys
                    .build(env)
                    .map_err(|e| err(format!("{at}: {e}")))?;
                (None, Some(card))
            }
        };
        let secret = r
            .secret
            .map(|s| expand(&s, env))
            .transpose()
            .map_err(|e| err(format!("{at}: secret: {e}")))?;
        let keyword = r
            .keyword
            .map(|s| expand(&s, env))
            .transpose()
            .map_err(|e| err(format!("{at}: keyword: {e}")))?;
        let rate_per_minute = r.rate_per_minute.unwrap_or(defaults.rate_per_minute);
        if rate_per_minute == 0 {
            return Err(err(format!("{at}: rate_per_minute must be at least 1")));
        }
        robots.push(RobotConfig {
            name: r.name,
            description: r.description.filter(|d| !d.trim().is_empty()),
            webhook,
            card,
            secret: secret.filter(|s| !s.is_empty()).map(Secret::new),
            keyword: keyword.filter(|s| !s.is_empty()),
            rate_per_minute,
            group_window: duration(r.group_window, defaults.group_window)
                .map_err(|e| err(format!("{at}: group_window: {e}")))?,
            throttle_pause: duration(r.throttle_pause, defaults.throttle_pause)
                .map_err(|e| err(format!("{at}: throttle_pause: {e}")))?,
            storm: super::storm::StormConfig::parse(
                r.storm_threshold,
                r.storm_quiet,
                r.storm_interval,
            )
            .map_err(|e| err(format!("{at}: {e}")))?,
        });
    }
    let mute_times = mute::windows(file.mute_times, default_zone).map_err(err)?;
    let team = oncall::team(file.people, file.oncall, default_zone).map_err(err)?;
    // Routes may name the environment's robot (`default`) beside the file's.
    let mut known = robots.clone();
    if !known.iter().any(|r| r.name == defaults.name) {
        known.push(defaults.clone());
    }
    let routes =
        super::routes::routes(file.routes, env, &team, &mute_times, &known).map_err(err)?;
    let since = file.digest_since.unwrap_or_else(|| "24h".into());
    let digest_schedule = file
        .digest_schedule
        .map(|s| ReportSchedule::parse(&s, &since))
        .transpose()
        .map_err(|e| err(format!("digest_schedule: {e}")))?;
    Ok(FileSettings {
        robots,
        routes,
        unmatched: file.unmatched,
        digest_schedule,
        mute_times,
        team,
    })
}
