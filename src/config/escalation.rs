//! A route's escalation keys (`escalate_after`, `escalation`, `escalate_min_level`,
//! `ding_robot`, `ding_type`), checked against the robots and team of the same file: every
//! rota, person and robot a step names must exist, a DING needs a card robot's app and people
//! with a DingTalk user id, a follow-up needs a custom robot to post it.

use super::RobotConfig;
use super::env_values::duration;
use super::oncall::Team;
use crate::domain::alert::Level;
use crate::domain::escalation::{DingType, Escalation, EscalationStep, Reach};
use std::time::Duration;

/// When a route escalates without saying how soon.
pub const DEFAULT_ESCALATE_AFTER: Duration = Duration::from_secs(15 * 60);

/// The keys as written (the level already read).
pub(super) struct LadderEntry {
    pub escalate_after: Option<String>,
    pub escalation: Option<Vec<String>>,
    pub escalate_min_level: Option<Level>,
    pub ding_robot: Option<String>,
    pub ding_type: Option<String>,
}

impl LadderEntry {
    /// The route's ladder; `None` when it has no `escalation`. `at` names the route
    /// (`routes[2]`), `route_robots` its robots.
    pub(super) fn build(
        self,
        at: &str,
        route_robots: &[String],
        robots: &[RobotConfig],
        team: &Team,
    ) -> Result<Option<Escalation>, String> {
        let Some(written) = self.escalation else {
            let stray = [
                ("escalate_after", self.escalate_after.is_some()),
                ("escalate_min_level", self.escalate_min_level.is_some()),
                ("ding_robot", self.ding_robot.is_some()),
                ("ding_type", self.ding_type.is_some()),
            ];
            if let Some((key, _)) = stray.iter().find(|(_, set)| *set) {
                return Err(format!(
                    "{at}: {key} is set but the route has no escalation"
                ));
            }
            return Ok(None);
        };
        if written.is_empty() {
            return Err(format!("{at}.escalation: is empty; name at least one step"));
        }
        let after = duration(self.escalate_after, DEFAULT_ESCALATE_AFTER)
            .map_err(|e| format!("{at}.escalate_after: {e}"))?;
        if after < Duration::from_secs(1) {
            return Err(format!("{at}.escalate_after: must be at least 1s"));
        }
        let ding_type = match self.ding_type.as_deref() {
            None => DingType::default(),
            Some(t) => DingType::parse(t)
                .ok_or_else(|| format!("{at}.ding_type: `{t}` is not app, sms or call"))?,
        };
        let robot = |name: &str| robots.iter().find(|r| r.name == name);
        if let Some(name) = &self.ding_robot {
            match robot(name) {
                Some(r) if r.card.is_some() => {}
                Some(_) => {
                    return Err(format!(
                        "{at}.ding_robot: `{name}` is not a kind = \"card\" robot (a DING is \
                         sent through a card robot's app)"
                    ));
                }
                None => return Err(format!("{at}.ding_robot: unknown robot `{name}`")),
            }
        }
        // The route's first custom robot posts the follow-ups; its sender climbs the ladder.
        let custom = route_robots
            .iter()
            .find(|name| robot(name).is_some_and(|r| r.card.is_none()));
        let mut steps = Vec::with_capacity(written.len());
        for (i, text) in written.iter().enumerate() {
            let key = format!("{at}.escalation[{i}]");
            let step = EscalationStep::parse(text).map_err(|e| format!("{key}: {e}"))?;
            match &step {
                EscalationStep::Mention(reach) => {
                    check_reach(&key, reach, team, false)?;
                    if custom.is_none() {
                        return Err(format!(
                            "{key}: `{text}` posts a follow-up in the route's group, which needs \
                             a custom (markdown) robot among the route's robots"
                        ));
                    }
                }
                EscalationStep::Robot(name) => match robot(name) {
                    Some(r) if r.card.is_none() => {}
                    Some(_) => {
                        return Err(format!(
                            "{key}: `{name}` is a card robot; escalate to a custom robot"
                        ));
                    }
                    None => return Err(format!("{key}: unknown robot `{name}`")),
                },
                EscalationStep::Ding(reach) => {
                    if self.ding_robot.is_none() {
                        return Err(format!("{key}: `{text}` needs the route's ding_robot"));
                    }
                    check_reach(&key, reach, team, true)?;
                }
            }
            steps.push(step);
        }
        let runner = custom.or(route_robots.first()).cloned().unwrap_or_default();
        Ok(Some(Escalation {
            after_ms: i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            steps,
            min_level: self.escalate_min_level,
            ding_robot: self.ding_robot,
            ding_type,
            runner,
        }))
    }
}

/// The rota or person a step names exists, and everyone it can reach can be @-mentioned; for a
/// DING, has a DingTalk user id.
fn check_reach(key: &str, reach: &Reach, team: &Team, ding: bool) -> Result<(), String> {
    let people: Vec<&str> = match reach {
        Reach::All => return Ok(()),
        Reach::Person(name) => {
            team.known_person(key, name)?;
            vec![name.as_str()]
        }
        Reach::Oncall(rota) => team
            .known_rota(key, rota)?
            .rotation
            .iter()
            .map(String::as_str)
            .collect(),
    };
    if !ding {
        return team.mentionable(key, people);
    }
    for name in people {
        let lacks = team
            .person(name)
            .is_none_or(|p| p.dingtalk_user_id.is_none());
        if lacks {
            return Err(format!(
                "{key}: person \"{name}\" has no dingtalk_user_id, which a DING needs"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
