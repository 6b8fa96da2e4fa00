//! Times in the reader's zone (`ALERT_TIMEZONE`), to the second, with the zone named: an
//! on-call engineer should not convert `2025-11-20T06:21:37.412000Z` in their head.

use crate::domain::lang::Lang;
use crate::sentry::time::parse_str;
use chrono_tz::Tz;

/// `Asia/Shanghai` for Chinese readers, `UTC` for English ones, unless configured.
pub fn default_zone(lang: Lang) -> Tz {
    match lang {
        Lang::Zh => chrono_tz::Asia::Shanghai,
        Lang::En => chrono_tz::UTC,
    }
}

/// `2025-11-20 14:21:37 (Asia/Shanghai)`; `None` when `raw` is not a time.
pub fn local(raw: &str, tz: Tz) -> Option<String> {
    let t = parse_str(raw)?.with_timezone(&tz);
    Some(format!("{} ({})", t.format("%Y-%m-%d %H:%M:%S"), tz.name()))
}

/// Milliseconds since the epoch as `2025-11-20 14:21:37 (Asia/Shanghai)`.
pub fn local_ms(ms: i64, tz: Tz) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => format!(
            "{} ({})",
            t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S"),
            tz.name()
        ),
        None => ms.to_string(),
    }
}

/// `14:21:37`: a breadcrumb's time next to the event's, which names the zone.
pub fn clock(raw: &str, tz: Tz) -> Option<String> {
    Some(
        parse_str(raw)?
            .with_timezone(&tz)
            .format("%H:%M:%S")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentry_utc_times_read_in_the_zone_and_name_it() {
        let raw = "2025-11-20T06:21:37.412000Z";
        let shanghai = default_zone(Lang::Zh);
        assert_eq!(
            local(raw, shanghai).as_deref(),
            Some("2025-11-20 14:21:37 (Asia/Shanghai)")
        );
        assert_eq!(
            local(raw, default_zone(Lang::En)).as_deref(),
            Some("2025-11-20 06:21:37 (UTC)")
        );
        let ny: Tz = "America/New_York".parse().expect("zone");
        assert_eq!(
            local(raw, ny).as_deref(),
            Some("2025-11-20 01:21:37 (America/New_York)")
        );
        assert_eq!(clock(raw, shanghai).as_deref(), Some("14:21:37"));
        assert_eq!(local("soon", shanghai), None);
    }
}
