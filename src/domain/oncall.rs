//! People and on-call rotas: who is on call at a moment, until when, and who is next. Pure: the
//! rotas come from the configuration, the overrides from the store.
//!
//! A shift of whole days (`1d`, `1w`) hands over at the same wall-clock time in the rota's
//! zone every time, across daylight-saving changes; a shift of hours (`12h`) lasts exactly that
//! long.

use chrono::{Duration as Days, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

const DAY_MS: i64 = 24 * 3_600_000;

/// Someone alerts can name: by `name` everywhere in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub name: String,
    /// Shown in messages; the name when absent.
    pub display: Option<String>,
    /// For @ by user id, card mentions and DING.
    pub dingtalk_user_id: Option<String>,
    /// For @ by mobile.
    pub mobile: Option<String>,
    /// What Sentry's `assignedTo` takes: a username, an email or `user:ID`.
    pub sentry: Option<String>,
}

impl Person {
    pub fn shown(&self) -> &str {
        self.display.as_deref().unwrap_or(&self.name)
    }
}

/// A rota: its people in turn, one shift each, the first starting at `start`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rota {
    pub name: String,
    pub zone: Tz,
    /// People's names, in turn (never empty).
    pub rotation: Vec<String>,
    pub shift_ms: i64,
    /// When the first shift (rotation[0]) starts, milliseconds since the epoch.
    pub start_ms: i64,
}

/// Someone else on call for a while (`oncall override`), kept in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub id: i64,
    pub rota: String,
    pub person: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: String,
}

/// Who is on call at a moment, until when, and who comes after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnCall {
    pub person: String,
    pub until: i64,
    pub next: String,
    /// The override that put `person` on call, if one did.
    pub by_override: Option<i64>,
}

impl Rota {
    /// When shift `k` starts (k may be negative: the rota runs backwards before `start`).
    fn shift_start(&self, k: i64) -> i64 {
        if self.shift_ms % DAY_MS != 0 {
            return self.start_ms + k * self.shift_ms;
        }
        let days = k * (self.shift_ms / DAY_MS);
        let start = self
            .zone
            .timestamp_millis_opt(self.start_ms)
            .single()
            .map(|t| t.naive_local());
        let local = start.and_then(|s| s.checked_add_signed(Days::days(days)));
        // A wall-clock time the zone skips (spring forward) is taken at the jump.
        local
            .and_then(|l| {
                let t = self.zone.from_local_datetime(&l);
                t.earliest().or_else(|| {
                    self.zone
                        .from_local_datetime(&(l + Days::hours(1)))
                        .earliest()
                })
            })
            .map_or(self.start_ms + k * self.shift_ms, |t| t.timestamp_millis())
    }

    /// The shift that contains `at`: its index.
    fn shift_at(&self, at: i64) -> i64 {
        let mut k = (at - self.start_ms).div_euclid(self.shift_ms);
        // Calendar days are not all `shift_ms` long: step to the shift that really holds `at`.
        while self.shift_start(k) > at {
            k -= 1;
        }
        while self.shift_start(k + 1) <= at {
            k += 1;
        }
        k
    }

    fn person_of(&self, k: i64) -> &str {
        let n = self.rotation.len() as i64;
        &self.rotation[k.rem_euclid(n) as usize]
    }

    /// Who the rotation alone puts on call at `at`, until when, and who is next.
    fn by_rotation(&self, at: i64) -> OnCall {
        let k = self.shift_at(at);
        OnCall {
            person: self.person_of(k).to_owned(),
            until: self.shift_start(k + 1),
            next: self.person_of(k + 1).to_owned(),
            by_override: None,
        }
    }

    /// Who is on call at `at`: the newest override of this rota running then, else the
    /// rotation. An override ends at its end; who comes next is who is on call then.
    pub fn on_call(&self, at: i64, overrides: &[Override]) -> OnCall {
        let running = overrides
            .iter()
            .filter(|o| o.rota == self.name && o.starts_at <= at && at < o.ends_at)
            .max_by_key(|o| o.id);
        match running {
            Some(o) => {
                let after = self.on_call(o.ends_at, overrides);
                // Covered on by another override or their own shift, they stay on call: "until"
                // is when someone else takes over (it read the newer override's end).
                let (until, next) = if after.person == o.person {
                    (after.until, after.next)
                } else {
                    (o.ends_at, after.person)
                };
                OnCall {
                    person: o.person.clone(),
                    until,
                    next,
                    by_override: Some(o.id),
                }
            }
            None => {
                let mut shift = self.by_rotation(at);
                // An override starting before the shift ends cuts it short.
                if let Some(o) = overrides
                    .iter()
                    .filter(|o| {
                        o.rota == self.name && o.starts_at > at && o.starts_at < shift.until
                    })
                    .min_by_key(|o| o.starts_at)
                {
                    shift.until = o.starts_at;
                    shift.next = o.person.clone();
                }
                shift
            }
        }
    }
}

#[cfg(test)]
#[path = "oncall_tests.rs"]
mod tests;
