//! `digest_schedule`: the open-issue digest, posted by `serve` every day at a set time.
//!
//! Written `"HH:MM <zone>"` where the zone is a UTC offset (`+08:00`) or one of the names
//! below. Those zones keep one offset all year, so no time-zone database is needed; zones
//! with daylight saving must be written as an offset.

use std::time::Duration;

const ZONES: &[(&str, i32)] = &[
    ("UTC", 0),
    ("Asia/Shanghai", 8 * 3600),
    ("Asia/Chongqing", 8 * 3600),
    ("Asia/Hong_Kong", 8 * 3600),
    ("Asia/Macau", 8 * 3600),
    ("Asia/Taipei", 8 * 3600),
    ("Asia/Singapore", 8 * 3600),
    ("Asia/Tokyo", 9 * 3600),
    ("Asia/Seoul", 9 * 3600),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSchedule {
    /// Seconds after local midnight.
    pub at_secs: i64,
    pub offset_secs: i64,
    /// The window, as `digest --since` takes it.
    pub since: String,
}

impl ReportSchedule {
    pub fn parse(text: &str, since: &str) -> Result<Self, String> {
        let mut parts = text.split_whitespace();
        let time = parts
            .next()
            .ok_or("empty; write e.g. \"09:30 Asia/Shanghai\"")?;
        let (h, m) = time
            .split_once(':')
            .ok_or_else(|| format!("`{time}` is not HH:MM"))?;
        let (h, m): (i64, i64) = (
            h.parse().map_err(|_| format!("`{time}` is not HH:MM"))?,
            m.parse().map_err(|_| format!("`{time}` is not HH:MM"))?,
        );
        if !(0..24).contains(&h) || !(0..60).contains(&m) {
            return Err(format!("`{time}` is not a time of day"));
        }
        let offset_secs = match parts.next() {
            None => 0,
            Some(zone) => offset(zone).ok_or_else(|| {
                format!(
                    "unknown zone `{zone}`: write an offset such as +08:00, or one of {}",
                    ZONES.iter().map(|z| z.0).collect::<Vec<_>>().join(", ")
                )
            })?,
        };
        if !valid_period(since) {
            return Err(format!(
                "digest_since `{since}`: write a number and m, h, d or w"
            ));
        }
        Ok(Self {
            at_secs: h * 3600 + m * 60,
            offset_secs,
            since: since.to_string(),
        })
    }

    /// The next run strictly after `now` (epoch seconds).
    pub fn next_after(&self, now: i64) -> i64 {
        let local = now + self.offset_secs;
        let midnight = local - local.rem_euclid(86_400);
        let mut next = midnight + self.at_secs;
        if next <= local {
            next += 86_400;
        }
        next - self.offset_secs
    }

    pub fn wait_from(&self, now: i64) -> Duration {
        Duration::from_secs((self.next_after(now) - now).max(1) as u64)
    }
}

fn offset(zone: &str) -> Option<i64> {
    if let Some((_, secs)) = ZONES.iter().find(|(name, _)| *name == zone) {
        return Some(*secs as i64);
    }
    let sign = match zone.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let (h, m) = zone[1..].split_once(':').unwrap_or((&zone[1..], "0"));
    // Unsigned: `+0:-9223372036854775808` passed as i64 and overflowed the arithmetic.
    let (h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (i64::from(h) * 3600 + i64::from(m) * 60))
}

/// A `--since` / `digest_since` window: a number and a unit m, h, d or w (e.g. 24h, 7d).
pub fn valid_period(s: &str) -> bool {
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && matches!(&s[digits..], "m" | "h" | "d" | "w")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_out_of_range_is_refused_not_overflowed() {
        for zone in [
            "+0:-9223372036854775808",
            "+-9999999999999999:00",
            "+15:00",
            "-1:60",
            "+:",
        ] {
            let schedule = format!("09:30 {zone}");
            assert!(ReportSchedule::parse(&schedule, "24h").is_err(), "{zone}");
        }
        let east = ReportSchedule::parse("09:30 +14:00", "24h").expect("the largest offset");
        assert_eq!(east.offset_secs, 14 * 3600);
    }

    #[test]
    fn next_run_in_shanghai() {
        let s = ReportSchedule::parse("09:30 Asia/Shanghai", "24h").expect("parses");
        // 2026-11-24 00:00:00 UTC = 08:00 in Shanghai → 09:30 Shanghai is 01:30 UTC the same day.
        let midnight_utc = 1_795_478_400;
        assert_eq!(s.next_after(midnight_utc), midnight_utc + 5_400);
        // Just after 01:30 UTC: tomorrow.
        assert_eq!(
            s.next_after(midnight_utc + 5_400),
            midnight_utc + 5_400 + 86_400
        );
        let plus = ReportSchedule::parse("09:30 +08:00", "24h").expect("offset");
        assert_eq!(plus.next_after(midnight_utc), s.next_after(midnight_utc));
        assert!(ReportSchedule::parse("25:00", "24h").is_err());
        assert!(ReportSchedule::parse("09:30 Europe/Berlin", "24h").is_err());
        assert!(ReportSchedule::parse("09:30", "soon").is_err());
    }
}
