//! People and on-call rotas in the configuration file (`[[people]]`, `[[oncall]]`), and the
//! people and rotas a route's `mention` names.

use super::Settings;
use crate::domain::oncall::{Person, Rota};
use crate::routing::Mention;
use chrono_tz::Tz;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PersonEntry {
    name: String,
    display: Option<String>,
    dingtalk_user_id: Option<String>,
    mobile: Option<String>,
    sentry: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RotaEntry {
    name: String,
    /// IANA zone; default `ALERT_TIMEZONE`.
    zone: Option<String>,
    rotation: Vec<String>,
    /// One shift: `1d`, `1w`, `12h`.
    shift: String,
    /// When the first shift (rotation[0]) starts, RFC 3339.
    start: String,
}

/// The people and rotas of the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Team {
    pub people: Vec<Person>,
    pub rotas: Vec<Rota>,
}

fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = items.collect();
    if all.is_empty() {
        "none are defined".into()
    } else {
        format!("defined: {}", all.join(", "))
    }
}

impl Team {
    pub fn person(&self, name: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.name == name)
    }

    pub fn rota(&self, name: &str) -> Option<&Rota> {
        self.rotas.iter().find(|r| r.name == name)
    }

    /// The person `name`, or an error at `at` that lists who is defined.
    pub(super) fn known_person(&self, at: &str, name: &str) -> Result<&Person, String> {
        self.person(name)
            .ok_or_else(|| self.unknown_person(at, name))
    }

    /// The rota `name`, or an error at `at` that lists which are defined.
    pub(super) fn known_rota(&self, at: &str, name: &str) -> Result<&Rota, String> {
        self.rota(name).ok_or_else(|| {
            let known = names(self.rotas.iter().map(|r| r.name.as_str()));
            format!("{at}: unknown rota \"{name}\" ({known})")
        })
    }

    /// Everyone in `names` can be @-mentioned (a user id or a mobile): someone who cannot be
    /// would be named in the message and never pinged.
    pub(super) fn mentionable<'a>(
        &self,
        at: &str,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), String> {
        for name in names {
            let person = self.known_person(at, name)?;
            if person.dingtalk_user_id.is_none() && person.mobile.is_none() {
                return Err(format!(
                    "{at}: \"{name}\" has neither dingtalk_user_id nor mobile to @"
                ));
            }
        }
        Ok(())
    }

    fn unknown_person(&self, at: &str, name: &str) -> String {
        let known = names(self.people.iter().map(|p| p.name.as_str()));
        format!("{at}: unknown person \"{name}\" ({known})")
    }

    /// Adds the people a route's `mention.people` names (by user id or mobile) and the rotas
    /// of `mention.oncall` (whoever is on call when an alert comes) to `mention`.
    pub(super) fn add_to_mention(
        &self,
        mention: &mut Mention,
        people: &[String],
        oncall: &[String],
        at: &str,
    ) -> Result<(), String> {
        for name in people {
            let person = self
                .person(name)
                .ok_or_else(|| self.unknown_person(&format!("{at}.mention.people"), name))?;
            match (&person.dingtalk_user_id, &person.mobile) {
                (Some(id), _) => mention.at.user_ids.push(id.clone()),
                (None, Some(mobile)) => mention.at.mobiles.push(mobile.clone()),
                (None, None) => {
                    return Err(format!(
                        "{at}.mention.people: \"{name}\" has neither dingtalk_user_id nor mobile to @"
                    ));
                }
            }
        }
        for rota in oncall {
            let key = format!("{at}.mention.oncall");
            let on_call = self.known_rota(&key, rota)?;
            self.mentionable(&key, on_call.rotation.iter().map(String::as_str))?;
            mention.oncall.push(rota.clone());
        }
        Ok(())
    }
}

/// The people and rotas as written; every error names its key (`oncall[1].rotation: …`).
pub(super) fn team(
    people: Vec<PersonEntry>,
    rotas: Vec<RotaEntry>,
    default_zone: Tz,
) -> Result<Team, String> {
    let mut team = Team::default();
    for (i, p) in people.into_iter().enumerate() {
        if p.name.trim().is_empty() {
            return Err(format!("people[{i}].name: must not be empty"));
        }
        if team.person(&p.name).is_some() {
            return Err(format!("people[{i}].name: duplicate person \"{}\"", p.name));
        }
        let some = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        team.people.push(Person {
            name: p.name,
            display: some(p.display),
            dingtalk_user_id: some(p.dingtalk_user_id),
            mobile: some(p.mobile),
            sentry: some(p.sentry),
        });
    }
    for (i, r) in rotas.into_iter().enumerate() {
        let at = format!("oncall[{i}]");
        if team.rota(&r.name).is_some() {
            return Err(format!("{at}.name: duplicate rota \"{}\"", r.name));
        }
        if r.rotation.is_empty() {
            return Err(format!("{at}.rotation: a rota needs at least one person"));
        }
        for name in &r.rotation {
            if team.person(name).is_none() {
                return Err(team.unknown_person(&format!("{at}.rotation"), name));
            }
        }
        let zone = match &r.zone {
            None => default_zone,
            Some(z) => z
                .parse::<Tz>()
                .map_err(|_| format!("{at}.zone: unknown time zone \"{z}\""))?,
        };
        let shift = humantime::parse_duration(r.shift.trim()).map_err(|e| {
            format!(
                "{at}.shift: `{}` is not a duration like 1d, 1w, 12h ({e})",
                r.shift
            )
        })?;
        let shift = super::env_values::at_most_longest(shift, r.shift.trim())
            .map_err(|e| format!("{at}.shift: {e}"))?;
        let shift_ms = i64::try_from(shift.as_millis()).unwrap_or(i64::MAX);
        if shift_ms < 60_000 {
            return Err(format!("{at}.shift: a shift lasts at least a minute"));
        }
        let start = chrono::DateTime::parse_from_rfc3339(r.start.trim())
            .map_err(|e| format!("{at}.start: `{}` is not an RFC 3339 time ({e})", r.start))?;
        team.rotas.push(Rota {
            name: r.name,
            zone,
            rotation: r.rotation,
            shift_ms,
            start_ms: start.timestamp_millis(),
        });
    }
    Ok(team)
}

impl Settings {
    pub fn person(&self, name: &str) -> Option<&Person> {
        self.team.person(name)
    }

    pub fn rota(&self, name: &str) -> Option<&Rota> {
        self.team.rota(name)
    }
}

#[cfg(test)]
#[path = "oncall_tests.rs"]
mod tests;
