//! Making, listing and ending silences: what the admin API, the `silence` command and the
//! chat's "Silence 1 h" link share. A request is checked whole before anything is stored;
//! every refusal names the field it is about.

use crate::domain::field_error::{FieldError, free_text};
use crate::domain::silence::{Matchers, Silence};
use crate::domain::until::Until;
use crate::outbox::{NewSilence, SharedOutbox, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};

/// Ended silences stay listed this long.
pub const RECENTLY_ENDED_MS: i64 = 24 * 3600 * 1000;

/// A silence as asked for (`POST /api/silences`, `silence add`); an optional field left out is
/// not given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SilenceRequest {
    pub matchers: Value,
    #[serde(flatten)]
    pub until: Until,
    pub comment: Option<String>,
    pub created_by: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SilenceError {
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SilenceRequest {
    /// The silence to store, starting `now`; or what is wrong with the request.
    pub fn check(self, now: i64) -> Result<NewSilence, FieldError> {
        let matchers: Matchers = serde_json::from_value(self.matchers)
            .map_err(|e| FieldError::new("matchers", e.to_string()))?;
        matchers.compile()?;
        let matchers = matchers.normalized();
        let ends_at = self.until.end(now)?;
        Ok(NewSilence {
            matchers,
            starts_at: now,
            ends_at,
            comment: free_text("comment", self.comment)?,
            created_by: free_text("created_by", self.created_by)?,
        })
    }
}

/// Checks and stores a silence. With `robots` (the relay's configuration: the API and the
/// console), `matchers.robot` must name one of them: a typo would hold nothing while it looked
/// in force. A command beside the relay passes `None`: its configuration may not be the relay's.
pub async fn create(
    outbox: &SharedOutbox,
    request: SilenceRequest,
    robots: Option<&[String]>,
    now: i64,
) -> Result<Silence, SilenceError> {
    let new = request.check(now)?;
    if let Some(robots) = robots {
        known_robot(&new.matchers, robots)?;
    }
    Ok(outbox.add_silence(new).await?)
}

/// Whether the robot `matchers` name, if any, is one of `robots`.
pub fn known_robot(matchers: &Matchers, robots: &[String]) -> Result<(), FieldError> {
    match &matchers.robot {
        Some(name) if !robots.contains(name) => Err(FieldError::new(
            "matchers.robot",
            format!("no robot is named {name:?} (robots: {})", robots.join(", ")),
        )),
        _ => Ok(()),
    }
}

/// The active silences and those ended in the last day, newest first.
pub async fn list(outbox: &SharedOutbox, now: i64) -> Result<Vec<Silence>, StoreError> {
    outbox.silences(now - RECENTLY_ENDED_MS).await
}

pub(crate) fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A silence as the API shows it.
pub fn to_json(s: &Silence, now: i64) -> Value {
    json!({
        "id": s.id,
        "matchers": s.matchers,
        "starts_at": rfc3339(s.starts_at),
        "ends_at": rfc3339(s.ends_at),
        "comment": s.comment,
        "created_by": s.created_by,
        "held": s.held,
        "state": if s.is_active(now) { "active" } else { "ended" },
    })
}

/// A silence on one line, for `silence list`: `#3 active until 2026-12-04T12:00:00Z
/// project=web-* (held 12) by zhangsan: deploy`; one that ended says `ended at`.
pub fn to_line(s: &Silence, now: i64) -> String {
    let state = if s.is_active(now) {
        "active until"
    } else {
        "ended at"
    };
    let mut line = format!(
        "#{} {state} {} {} (held {})",
        s.id,
        rfc3339(s.ends_at),
        s.matchers.describe(),
        s.held
    );
    if !s.created_by.is_empty() {
        line.push_str(&format!(" by {}", s.created_by));
    }
    if !s.comment.is_empty() {
        line.push_str(&format!(": {}", s.comment));
    }
    // One silence, one line: a newline (or a terminal escape) typed into a comment or a name
    // does not start another.
    line.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(json: Value) -> SilenceRequest {
        serde_json::from_value(json).expect("shape")
    }

    #[test]
    fn a_silence_is_one_line_whatever_its_comment_and_author_hold() {
        let silence = Silence {
            id: 3,
            matchers: Default::default(),
            starts_at: 0,
            ends_at: 60_000,
            comment: "db\nmigration\u{1b}[2J".into(),
            created_by: "ops\r\nfake line".into(),
            held: 0,
        };
        let line = to_line(&silence, 0);
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(
            line.ends_with("by ops  fake line: db migration [2J"),
            "{line:?}"
        );
    }

    #[test]
    fn each_bad_request_names_its_field() {
        let now = 1_800_000_000_000;
        let cases = [
            (json!({"matchers": {}, "duration": "1h"}), "matchers"),
            (
                json!({"matchers": {"projekt": "x"}, "duration": "1h"}),
                "matchers",
            ),
            (
                json!({"matchers": {"project": "[x"}, "duration": "1h"}),
                "matchers.project",
            ),
            (
                json!({"matchers": {"level": "loud"}, "duration": "1h"}),
                "matchers.level",
            ),
            (
                json!({"matchers": {"all": true}, "duration": "0m"}),
                "duration",
            ),
            (
                json!({"matchers": {"all": true}, "duration": "31d"}),
                "duration",
            ),
            (
                json!({"matchers": {"all": true}, "duration": "soon"}),
                "duration",
            ),
            (json!({"matchers": {"all": true}}), "duration"),
            (
                json!({"matchers": {"all": true}, "ends_at": "2020-01-01T00:00:00Z"}),
                "ends_at",
            ),
            (
                json!({"matchers": {"all": true}, "ends_at": "tomorrow"}),
                "ends_at",
            ),
        ];
        for (json, field) in cases {
            let err = req(json.clone()).check(now).expect_err("refused");
            assert_eq!(err.field, field, "{json}: {err}");
        }
    }

    #[test]
    fn a_good_request_runs_from_now_for_its_duration() {
        let now = 1_800_000_000_000;
        let new = req(json!({"matchers": {"project": "web-*"}, "duration": "2h",
                             "comment": " deploy ", "created_by": "zhangsan"}))
        .check(now)
        .expect("valid");
        assert_eq!((new.starts_at, new.ends_at), (now, now + 2 * 3_600_000));
        assert_eq!(
            (new.comment.as_str(), new.created_by.as_str()),
            ("deploy", "zhangsan")
        );
        // `now` is 2027-01-15T08:00:00Z; this end is 16 hours later.
        let until = req(json!({"matchers": {"all": true}, "ends_at": "2027-01-16T08:00:00+08:00"}))
            .check(now)
            .expect("valid");
        assert_eq!(until.ends_at, now + 16 * 3_600_000);
    }
}
