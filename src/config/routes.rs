//! The file's `[[routes]]`: filters, robots, mentions (people and rotas), repeat interval,
//! mute windows and escalation, each checked against the robots and team written beside them.

use super::RobotConfig;
use super::env_values::{duration, expand};
use super::escalation::LadderEntry;
use super::mute;
use super::oncall::Team;
use crate::domain::alert::Level;
use crate::domain::mention::Mentions;
use crate::domain::mute_window::MuteWindow;
use crate::routing::{Mention, Route};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

const RESOURCES: &[&str] = &["issue", "comment", "event_alert", "metric_alert", "error"];
pub const DEFAULT_REPEAT_INTERVAL: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RouteEntry {
    name: Option<String>,
    projects: Option<Vec<String>>,
    environments: Option<Vec<String>>,
    min_level: Option<String>,
    resources: Option<Vec<String>>,
    actions: Option<Vec<String>>,
    tags: Option<BTreeMap<String, String>>,
    robots: Vec<String>,
    mention: Option<MentionEntry>,
    repeat_interval: Option<String>,
    #[serde(rename = "continue", default)]
    continue_: bool,
    /// Names of `[[mute_times]]` windows that hold this route's alerts.
    mute_times: Option<Vec<String>>,
    mute_pass_level: Option<String>,
    /// Its alerts get their own message even while the robot is in a storm.
    #[serde(default)]
    storm_exempt: bool,
    // Escalation (see `escalation.rs`).
    escalate_after: Option<String>,
    escalation: Option<Vec<String>>,
    escalate_min_level: Option<String>,
    ding_robot: Option<String>,
    ding_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MentionEntry {
    #[serde(default)]
    mobiles: Vec<String>,
    #[serde(default)]
    user_ids: Vec<String>,
    #[serde(default)]
    all: bool,
    min_level: Option<String>,
    /// `[[people]]` by name.
    #[serde(default)]
    people: Vec<String>,
    /// `[[oncall]]` rotas by name: whoever is on call.
    #[serde(default)]
    oncall: Vec<String>,
}

/// The routes as written, in order; every error names its key (`routes[2].escalation[1]: …`).
pub(super) fn routes(
    entries: Vec<RouteEntry>,
    env: &dyn Fn(&str) -> Option<String>,
    team: &Team,
    mute_times: &[MuteWindow],
    robots: &[RobotConfig],
) -> Result<Vec<Route>, String> {
    let mut routes = Vec::new();
    for (i, r) in entries.into_iter().enumerate() {
        let name = r.name.clone().unwrap_or_else(|| format!("routes[{i}]"));
        let at = format!("routes[{i}]");
        let level = |v: Option<String>, key: &str| -> Result<Option<Level>, String> {
            v.map(|l| {
                Level::parse(&l).ok_or_else(|| {
                    format!("{at}: {key} `{l}` is not debug, info, warning, error or fatal")
                })
            })
            .transpose()
        };
        if r.robots.is_empty() {
            return Err(format!("{at}: robots is empty"));
        }
        let mute_names = r.mute_times.unwrap_or_default();
        mute::check_route(&at, &mute_names, r.mute_pass_level.is_some(), mute_times)?;
        for res in r.resources.iter().flatten() {
            if !RESOURCES.contains(&res.as_str()) {
                return Err(format!(
                    "{at}: resource `{res}` is not one of {}",
                    RESOURCES.join(", ")
                ));
            }
        }
        for action in r.actions.iter().flatten() {
            if !crate::sentry::payload::ACTIONS.contains(&action.as_str()) {
                return Err(format!(
                    "{at}: action `{action}` is not one of {}",
                    crate::sentry::payload::ACTIONS.join(", ")
                ));
            }
        }
        let mention = match r.mention {
            None => Mention::default(),
            Some(m) => {
                // Mobiles and user ids may name environment variables (`${VAR}`).
                let expanded = |values: &[String]| -> Result<Vec<String>, String> {
                    values
                        .iter()
                        .map(|s| expand(s, env))
                        .collect::<Result<_, _>>()
                        .map_err(|e| format!("{at}: mention: {e}"))
                };
                let mut mention = Mention {
                    at: Mentions {
                        mobiles: expanded(&m.mobiles)?,
                        user_ids: expanded(&m.user_ids)?,
                        all: m.all,
                    },
                    min_level: level(m.min_level, "mention.min_level")?,
                    oncall: Vec::new(),
                };
                team.add_to_mention(&mut mention, &m.people, &m.oncall, &at)?;
                mention
            }
        };
        let route = Route::new(
            name,
            r.projects,
            r.environments,
            level(r.min_level, "min_level")?,
            r.resources,
            r.actions,
            r.tags.unwrap_or_default(),
            r.robots,
            mention,
            duration(r.repeat_interval, DEFAULT_REPEAT_INTERVAL)
                .map_err(|e| format!("{at}: repeat_interval: {e}"))?,
            r.continue_,
        )
        .map_err(|e| format!("{at}: {e}"))?
        .with_mute(mute_names, level(r.mute_pass_level, "mute_pass_level")?);
        let ladder = LadderEntry {
            escalate_after: r.escalate_after,
            escalation: r.escalation,
            escalate_min_level: level(r.escalate_min_level, "escalate_min_level")?,
            ding_robot: r.ding_robot,
            ding_type: r.ding_type,
        };
        let mut route = route;
        route.storm_exempt = r.storm_exempt;
        let route = match ladder.build(&at, &route.robots, robots, team)? {
            Some(ladder) => route.with_escalation(ladder),
            None => route,
        };
        routes.push(route);
    }
    Ok(routes)
}
