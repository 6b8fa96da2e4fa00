//! Who is on call: the rotas of the configuration with the overrides of the store. What the
//! `oncall` command, the admin API and the intake (for `mention.oncall`) share.

use crate::config::Settings;
use crate::domain::field_error::{FieldError, free_text};
use crate::domain::mention::Mentions;
use crate::domain::oncall::{OnCall, Override, Person, Rota};
use crate::domain::until::Until;
use crate::outbox::{SharedOutbox, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};

/// An override as asked for (`POST /api/oncall/{rota}/overrides`, `oncall override`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideRequest {
    pub person: String,
    #[serde(flatten)]
    pub until: Until,
    pub created_by: Option<String>,
}

impl OverrideRequest {
    /// The override of `rota` to store, starting `now`.
    pub fn check(self, settings: &Settings, rota: &str, now: i64) -> Result<Override, FieldError> {
        if settings.rota(rota).is_none() {
            return Err(FieldError::new(
                "rota",
                format!("there is no rota \"{rota}\""),
            ));
        }
        if settings.person(&self.person).is_none() {
            return Err(FieldError::new(
                "person",
                format!(
                    "there is no person \"{}\" (people: {})",
                    self.person,
                    known_people(settings)
                ),
            ));
        }
        let ends_at = self.until.end(now)?;
        Ok(Override {
            id: 0,
            rota: rota.to_owned(),
            person: self.person,
            starts_at: now,
            ends_at,
            created_by: free_text("created_by", self.created_by)?,
        })
    }
}

/// `zhangsan (张三), lisi (李四)`: each person's `name`, which requests take, and how the chat
/// shows them.
fn known_people(settings: &Settings) -> String {
    let people: Vec<String> = settings
        .team
        .people
        .iter()
        .map(|p| match p.shown() {
            shown if shown != p.name => format!("{} ({shown})", p.name),
            _ => p.name.clone(),
        })
        .collect();
    if people.is_empty() {
        "none are configured".into()
    } else {
        people.join(", ")
    }
}

/// The overrides that matter from `at` on.
pub async fn overrides(outbox: &SharedOutbox, at: i64) -> Result<Vec<Override>, StoreError> {
    outbox.overrides(at).await
}

fn rfc3339(ms: i64, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&zone)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .unwrap_or_default()
}

/// An override as the API answers it: its times in RFC 3339, in its rota's zone (UTC once
/// the rota is gone from the configuration), as `GET /api/oncall` and the silences give them.
pub fn override_to_json(o: &Override, settings: &Settings) -> Value {
    let zone = settings.rota(&o.rota).map_or(chrono_tz::UTC, |r| r.zone);
    json!({
        "id": o.id,
        "rota": o.rota,
        "person": o.person,
        "starts_at": rfc3339(o.starts_at, zone),
        "ends_at": rfc3339(o.ends_at, zone),
        "created_by": o.created_by,
    })
}

/// Every rota at `at`, in the order written: who, until when, who next.
pub fn now(settings: &Settings, overrides: &[Override], at: i64) -> Vec<(Rota, OnCall)> {
    settings
        .team
        .rotas
        .iter()
        .map(|r| (r.clone(), r.on_call(at, overrides)))
        .collect()
}

/// `backend zhangsan until 2026-12-14T10:00:00+08:00 next lisi`: the rota, then the name of
/// who is on call (scripts take the second word).
pub fn line(rota: &Rota, shift: &OnCall) -> String {
    let mut line = format!(
        "{} {} until {} next {}",
        rota.name,
        shift.person,
        rfc3339(shift.until, rota.zone),
        shift.next
    );
    if let Some(id) = shift.by_override {
        line.push_str(&format!(" (override #{id})"));
    }
    line
}

pub fn to_json(rota: &Rota, shift: &OnCall) -> Value {
    json!({
        "rota": rota.name,
        "person": shift.person,
        "until": rfc3339(shift.until, rota.zone),
        "next": shift.next,
        "override": shift.by_override,
    })
}

/// Who the rotas `names` put on call at `at`: each person once.
pub fn people_on_call<'a>(
    settings: &'a Settings,
    names: &[String],
    overrides: &[Override],
    at: i64,
) -> Vec<&'a Person> {
    let mut people: Vec<&Person> = Vec::new();
    for name in names {
        let Some(rota) = settings.rota(name) else {
            continue;
        };
        let shift = rota.on_call(at, overrides);
        if let Some(p) = settings.person(&shift.person)
            && !people.iter().any(|q| q.name == p.name)
        {
            people.push(p);
        }
    }
    people
}

/// Mentions in `at` whoever the rotas `rotas` put on call at `when` (by DingTalk user id, else
/// by mobile; each once); their names as a message shows them.
pub fn mention_on_call(
    settings: &Settings,
    at: &mut Mentions,
    rotas: &[String],
    overrides: &[Override],
    when: i64,
) -> Vec<String> {
    let people = people_on_call(settings, rotas, overrides, when);
    for p in &people {
        match (&p.dingtalk_user_id, &p.mobile) {
            (Some(id), _) if !at.user_ids.contains(id) => at.user_ids.push(id.clone()),
            (None, Some(m)) if !at.mobiles.contains(m) => at.mobiles.push(m.clone()),
            _ => {}
        }
    }
    people.iter().map(|p| p.shown().to_owned()).collect()
}
