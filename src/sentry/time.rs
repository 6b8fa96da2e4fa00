//! Sentry writes times as epoch seconds (floats), RFC 3339 strings, or naive ISO strings that
//! mean UTC (`2025-11-20T06:21:37.412000`). One reader for all of them.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde_json::Value;

/// A time in any of Sentry's forms; `None` for anything else (never a panic on odd input).
pub fn parse(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::Number(n) => from_epoch(n.as_f64()?),
        Value::String(s) => parse_str(s),
        _ => None,
    }
}

pub fn parse_str(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Some(t.and_utc());
        }
    }
    s.parse::<f64>().ok().and_then(from_epoch)
}

/// Normalized form kept on an alert: RFC 3339 in UTC, milliseconds.
pub fn normalized(v: &Value) -> Option<String> {
    parse(v).map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

fn from_epoch(secs: f64) -> Option<DateTime<Utc>> {
    // Some SDKs send milliseconds; no event is from before 1973 or after 5138 in seconds.
    let secs = if secs > 1e11 { secs / 1000.0 } else { secs };
    if !secs.is_finite() || !(0.0..1e11).contains(&secs) {
        return None;
    }
    let whole = secs.trunc();
    // Microseconds: an f64 of epoch seconds holds no more, and rounding there keeps `.412`.
    let nanos = ((secs - whole) * 1e6).round().clamp(0.0, 999_999.0) as u32 * 1_000;
    DateTime::from_timestamp(whole as i64, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_sentry_form_reads_the_same_instant() {
        let want = Some("2025-11-20T06:21:37.412Z".to_string());
        for v in [
            json!(1763619697.412),
            json!("2025-11-20T06:21:37.412000Z"),
            json!("2025-11-20T06:21:37.412000"),
            json!("2025-11-20T14:21:37.412+08:00"),
            json!("1763619697.412"),
            json!(1763619697412u64),
        ] {
            assert_eq!(normalized(&v), want, "{v}");
        }
        for odd in [
            json!(-1),
            json!("yesterday"),
            json!(f64::MAX),
            json!(null),
            json!([1]),
        ] {
            assert_eq!(normalized(&odd), None, "{odd}");
        }
    }
}
