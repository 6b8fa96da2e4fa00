//! How long a silence or an on-call override lasts, as asked for: a duration from now or an
//! end time, one of the two, at most 30 days away. Both are checked here, so the API, the
//! commands and the console say the same thing about either.

use super::field_error::FieldError;
use serde::Deserialize;

/// The longest a silence or an override may last.
pub const MAX_MS: i64 = 30 * 24 * 3600 * 1000;

/// The end as asked for, in a request's body beside its other fields (`#[serde(flatten)]`);
/// a field left out is not given.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Until {
    /// `30m`, `2h`, `1d`; or `ends_at`.
    pub duration: Option<String>,
    /// RFC 3339.
    pub ends_at: Option<String>,
}

impl Until {
    /// For a duration from now (the commands' `--for`).
    pub fn after(duration: String) -> Self {
        Self {
            duration: Some(duration),
            ends_at: None,
        }
    }

    /// When it ends, in milliseconds, asked at `now`; or what is wrong, naming `duration` or
    /// `ends_at`.
    pub fn end(&self, now: i64) -> Result<i64, FieldError> {
        match (self.duration.as_deref(), self.ends_at.as_deref()) {
            (Some(_), Some(_)) => Err(FieldError::new(
                "duration",
                "give `duration` or `ends_at`, not both",
            )),
            (None, None) => Err(FieldError::new(
                "duration",
                "`duration` or `ends_at` is needed",
            )),
            (Some(d), None) => {
                Ok(now + parse_duration(d).map_err(|m| FieldError::new("duration", m))?)
            }
            (None, Some(t)) => {
                let bad = |why: String| FieldError::new("ends_at", format!("`{t}` {why}"));
                let end = chrono::DateTime::parse_from_rfc3339(t)
                    .map_err(|e| bad(format!("is not an RFC 3339 time: {e}")))?
                    .timestamp_millis();
                if end <= now {
                    return Err(bad("is in the past".into()));
                }
                if end - now > MAX_MS {
                    return Err(bad("is more than 30 days away".into()));
                }
                Ok(end)
            }
        }
    }
}

/// A duration written `30m`, `2h`, `1d` (or `1h30m`): positive, at most 30 days.
/// Milliseconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|e| format!("`{text}` is not a duration like 30m, 2h or 1d ({e})"))?;
    let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    if ms <= 0 {
        return Err(format!("`{text}` is not a positive duration"));
    }
    if ms > MAX_MS {
        return Err(format!("`{text}` is longer than 30 days"));
    }
    Ok(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_positive_and_at_most_thirty_days() {
        assert_eq!(parse_duration("30m"), Ok(30 * 60 * 1000));
        assert_eq!(parse_duration("2h"), Ok(2 * 3600 * 1000));
        assert_eq!(parse_duration("1d"), Ok(24 * 3600 * 1000));
        assert_eq!(parse_duration("30d"), Ok(MAX_MS));
        for bad in ["0s", "31d", "soon", "", "-1h", "2"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn far_beyond_any_clock_is_too_long_never_an_overflow() {
        let now = 1_800_000_000_000;
        for d in ["300000000y", "9223372036000000s"] {
            let err = Until::after(d.into()).end(now).expect_err("too long");
            assert_eq!(
                err.to_string(),
                format!("duration: `{d}` is longer than 30 days")
            );
        }
    }
}
