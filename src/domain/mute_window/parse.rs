//! How the configuration writes a window's weekdays and times: read into days and ranges,
//! and written back for `check`.

use super::{DAY_MINUTES, Range, WEEKDAYS};

pub(super) fn weekday_index(text: &str) -> Option<usize> {
    let t = text.trim().to_ascii_lowercase();
    WEEKDAYS
        .iter()
        .position(|d| t == *d || (t.len() > 3 && full_name(d) == t))
}

fn full_name(short: &str) -> &'static str {
    match short {
        "mon" => "monday",
        "tue" => "tuesday",
        "wed" => "wednesday",
        "thu" => "thursday",
        "fri" => "friday",
        "sat" => "saturday",
        _ => "sunday",
    }
}

/// `HH:MM-HH:MM`; the end may be `24:00`.
pub(super) fn parse_range(text: &str) -> Result<Range, String> {
    let (start, end) = text
        .split_once('-')
        .ok_or_else(|| format!("`{text}` is not a range such as 22:00-08:00"))?;
    let start = minute_of_day(start, false).ok_or_else(|| {
        format!(
            "`{text}`: `{}` is not a time from 00:00 to 23:59",
            start.trim()
        )
    })?;
    let end = minute_of_day(end, true).ok_or_else(|| {
        format!(
            "`{text}`: `{}` is not a time from 00:00 to 24:00",
            end.trim()
        )
    })?;
    if start == end {
        return Err(format!(
            "`{text}`: start and end are the same; write 00:00-24:00 for the whole day"
        ));
    }
    Ok(Range { start, end })
}

fn minute_of_day(text: &str, end: bool) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let digits = |s: &str, max_len: usize| {
        !s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(h, 2) || !digits(m, 2) || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if end => Some(DAY_MINUTES),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

pub(super) fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}
