//! A mute window: recurring local times (`22:00-08:00` on weekdays, in a zone) during which a
//! route's alerts are held instead of posted. Pure: the caller passes the time.
//!
//! Each range, on each listed weekday, is one span of real time: it starts the first moment
//! the zone's clock shows its start on that day and ends the first moment the clock shows its
//! end afterwards — the same day, or the next day when the range wraps midnight. So the
//! weekday is the day a range STARTS: `fri` with `22:00-08:00` holds Friday 22:00 to Saturday
//! 08:00, and Monday 00:00-08:00 belongs to Sunday night.
//!
//! On a day the clocks change, a span is an hour shorter or longer: a start or end inside the
//! skipped hour takes effect at the change, one inside the repeated hour the first time the
//! clock shows it. (Reading the wall clock alone would end and restart a `02:30-05:00` window
//! when the clocks go back; a span does not.)

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

mod parse;
use parse::{clock, parse_range, weekday_index};

const DAY_MINUTES: u32 = 24 * 60;
/// The spellings `weekdays` takes, Monday first (`chrono`'s `num_days_from_monday`).
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `start..end` in minutes after local midnight; `end <= start` wraps into the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    start: u32,
    end: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MuteWindow {
    pub name: String,
    zone: Tz,
    /// Indexed by `num_days_from_monday`.
    days: [bool; 7],
    ranges: Vec<Range>,
}

/// A refused window: the key at fault and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct MuteWindowError {
    pub key: &'static str,
    pub reason: String,
}

fn refuse(key: &'static str, reason: String) -> MuteWindowError {
    MuteWindowError { key, reason }
}

impl MuteWindow {
    /// The window as the configuration writes it; `zone`, `weekdays` and `times` may be
    /// absent (`default_zone`, every day, the whole day), but not empty lists.
    pub fn parse(
        name: &str,
        zone: Option<&str>,
        default_zone: Tz,
        weekdays: Option<&[String]>,
        times: Option<&[String]>,
    ) -> Result<Self, MuteWindowError> {
        if name.trim().is_empty() {
            return Err(refuse("name", "is empty".into()));
        }
        let zone = match zone {
            None => default_zone,
            Some(z) => z.trim().parse::<Tz>().map_err(|_| {
                refuse(
                    "zone",
                    format!("`{z}` is not an IANA time zone such as Asia/Shanghai or UTC"),
                )
            })?,
        };
        let days = match weekdays {
            None => [true; 7],
            Some([]) => {
                return Err(refuse(
                    "weekdays",
                    "is empty (leave it out for every day)".into(),
                ));
            }
            Some(list) => {
                let mut days = [false; 7];
                for d in list {
                    let i = weekday_index(d).ok_or_else(|| {
                        refuse(
                            "weekdays",
                            format!("`{d}` is not one of {}", WEEKDAYS.join(", ")),
                        )
                    })?;
                    days[i] = true;
                }
                days
            }
        };
        let ranges = match times {
            None => vec![Range {
                start: 0,
                end: DAY_MINUTES,
            }],
            Some([]) => {
                return Err(refuse(
                    "times",
                    "is empty (leave it out for the whole day)".into(),
                ));
            }
            Some(list) => list
                .iter()
                .map(|t| parse_range(t).map_err(|reason| refuse("times", reason)))
                .collect::<Result<_, _>>()?,
        };
        Ok(Self {
            name: name.to_string(),
            zone,
            days,
            ranges,
        })
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Whether the window holds alerts at `now_ms` (milliseconds since the Unix epoch).
    pub fn active_at(&self, now_ms: i64) -> bool {
        let Some(today) = self.local_date(now_ms) else {
            return false;
        };
        // A span starts at most a day (plus a clock change) before it covers `now`.
        self.spans(today - Duration::days(2), 4)
            .any(|(start, end)| start <= now_ms && now_ms < end)
    }

    /// The stretch of time the window holds that covers `at_ms`, joined with the spans that
    /// touch it (Saturday and Sunday make one weekend): start and end, in milliseconds.
    pub fn span_at(&self, at_ms: i64) -> Option<(i64, i64)> {
        let today = self.local_date(at_ms)?;
        let spans: Vec<(i64, i64)> = self.spans(today - Duration::days(8), 17).collect();
        let (mut start, mut end) = spans
            .iter()
            .copied()
            .find(|(s, e)| *s <= at_ms && at_ms < *e)?;
        while let Some(&(_, e)) = spans.iter().find(|(s, e)| *s <= end && *e > end) {
            end = e;
        }
        while let Some(&(s, _)) = spans.iter().find(|(s, e)| *e >= start && *s < start) {
            start = s;
        }
        Some((start, end))
    }

    /// The next moment after `now_ms` at which [`Self::active_at`] changes; `None` when it
    /// never does (every day, the whole day).
    pub fn next_change_after(&self, now_ms: i64) -> Option<i64> {
        let today = self.local_date(now_ms)?;
        let now_active = self.active_at(now_ms);
        // Nine days of spans hold a change of any weekly pattern that has one.
        let mut edges: Vec<i64> = self
            .spans(today - Duration::days(2), 11)
            .flat_map(|(start, end)| [start, end])
            .filter(|&t| t > now_ms)
            .collect();
        edges.sort_unstable();
        edges.dedup();
        edges.into_iter().find(|&t| self.active_at(t) != now_active)
    }

    /// `mon, tue 22:00-08:00 Asia/Shanghai`, for `check`.
    pub fn summary(&self) -> String {
        let days = if self.days.iter().all(|d| *d) {
            "every day".to_string()
        } else {
            WEEKDAYS
                .iter()
                .zip(self.days)
                .filter(|(_, on)| *on)
                .map(|(d, _)| *d)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let times: Vec<String> = self
            .ranges
            .iter()
            .map(|r| format!("{}-{}", clock(r.start), clock(r.end)))
            .collect();
        format!("{days} {} {}", times.join(", "), self.zone.name())
    }

    fn local_date(&self, ms: i64) -> Option<NaiveDate> {
        Some(
            DateTime::from_timestamp_millis(ms)?
                .with_timezone(&self.zone)
                .date_naive(),
        )
    }

    /// The spans (start, end in ms) of the ranges starting on `count` days from `first`.
    fn spans(&self, first: NaiveDate, count: i64) -> impl Iterator<Item = (i64, i64)> + '_ {
        (0..count)
            .map(move |i| first + Duration::days(i))
            .filter(|day| self.days[day.weekday().num_days_from_monday() as usize])
            .flat_map(move |day| {
                let midnight = day.and_time(chrono::NaiveTime::MIN);
                self.ranges.iter().map(move |r| {
                    let end = if r.end > r.start {
                        r.end
                    } else {
                        r.end + DAY_MINUTES
                    };
                    let at =
                        |m: u32| first_moment_at(self.zone, midnight + Duration::minutes(m.into()));
                    (at(r.start), at(end))
                })
            })
    }
}

/// The first moment the zone's clock shows `local` or later, in ms: the moment itself, the
/// earlier of two when the clocks go back, the change itself when the clocks skip it.
fn first_moment_at(zone: Tz, local: NaiveDateTime) -> i64 {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
        LocalResult::None => end_of_gap(zone, local),
    }
}

/// `local` was skipped: find the last shown time before it, then the second the clock jumps.
fn end_of_gap(zone: Tz, local: NaiveDateTime) -> i64 {
    let shown =
        |s: i64| DateTime::from_timestamp(s, 0).map(|t| t.with_timezone(&zone).naive_local());
    for back in 1..=200 {
        let before = local - Duration::minutes(15 * back);
        let (LocalResult::Single(t) | LocalResult::Ambiguous(t, _)) =
            zone.from_local_datetime(&before)
        else {
            continue;
        };
        // From `lo` the clock runs at least as fast as real time, so by `hi` it shows `local`.
        let (mut lo, mut hi) = (
            t.timestamp(),
            t.timestamp() + (local - before).num_seconds(),
        );
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if shown(mid).is_some_and(|m| m >= local) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi * 1000;
    }
    // No zone skips 50 hours; read the time as UTC rather than fail.
    local.and_utc().timestamp_millis()
}

#[cfg(test)]
mod tests;
