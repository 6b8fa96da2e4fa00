//! Mute windows: parsing, wrapping ranges and their weekday, clock changes, and a property
//! check against the wall clock read minute by minute.

use super::*;
use chrono::{Offset, Timelike};
use chrono_tz::Asia;
use proptest::prelude::*;

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn window(zone: &str, weekdays: Option<&[&str]>, times: &[&str]) -> MuteWindow {
    let days = weekdays.map(strings);
    MuteWindow::parse(
        "w",
        Some(zone),
        chrono_tz::UTC,
        days.as_deref(),
        Some(&strings(times)),
    )
    .expect("a valid window")
}

/// A moment given in UTC.
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    chrono::Utc
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("a date")
        .timestamp_millis()
}

/// A moment given on Shanghai's clock (UTC+8 all year).
fn shanghai(d: u32, h: u32, mi: u32) -> i64 {
    utc(2025, 3, d, h, mi) - 8 * 3_600_000
}

const WORKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri"];

/// The window holds from `start` (not the minute before) until `end` (the minute before,
/// not `end` itself).
#[track_caller]
fn assert_runs(w: &MuteWindow, start: i64, end: i64) {
    const MINUTE: i64 = 60_000;
    assert!(!w.active_at(start - MINUTE), "the minute before the start");
    assert!(w.active_at(start), "the start");
    assert!(w.active_at(end - MINUTE), "the minute before the end");
    assert!(!w.active_at(end), "the end is not included");
}

#[test]
fn a_wrapping_range_belongs_to_the_weekday_it_starts_on() {
    // 2025-03-07 is a Friday.
    let nights = window("Asia/Shanghai", Some(WORKDAYS), &["22:00-08:00"]);
    let at = |d, h, mi| nights.active_at(shanghai(d, h, mi));
    assert!(!at(7, 21, 59), "Friday before the start");
    assert!(at(7, 22, 0) && at(7, 23, 30), "Friday night");
    assert!(at(8, 7, 59), "Saturday morning ends Friday's night");
    assert!(!at(8, 8, 0), "the end is not included");
    assert!(!at(8, 23, 0), "Saturday is not listed");
    assert!(
        !at(10, 7, 0),
        "Monday morning belongs to Sunday night, not listed"
    );
    assert!(at(10, 22, 0) && at(11, 3, 0), "Monday night");
    assert_eq!(
        nights.next_change_after(shanghai(7, 23, 0)),
        Some(shanghai(8, 8, 0))
    );
    assert_eq!(
        nights.next_change_after(shanghai(8, 8, 0)),
        Some(shanghai(10, 22, 0)),
        "from Saturday's end to Monday's start"
    );
}

#[test]
fn the_whole_day_and_several_ranges() {
    let always = window("UTC", None, &["00:00-24:00"]);
    assert!(always.active_at(utc(2025, 3, 7, 0, 0)) && always.active_at(utc(2025, 3, 9, 23, 59)));
    assert_eq!(always.next_change_after(utc(2025, 3, 7, 12, 0)), None);
    let absent = MuteWindow::parse("w", None, Asia::Shanghai, None, None).expect("valid");
    assert_eq!(absent.zone(), Asia::Shanghai, "the default zone");
    assert!(absent.active_at(utc(2025, 3, 7, 12, 0)));

    let weekend = window("UTC", Some(&["sat", "Sunday"]), &["00:00-24:00"]);
    assert!(!weekend.active_at(utc(2025, 3, 7, 23, 59)));
    assert!(weekend.active_at(utc(2025, 3, 8, 0, 0)) && weekend.active_at(utc(2025, 3, 9, 23, 59)));
    assert_eq!(
        weekend.next_change_after(utc(2025, 3, 8, 10, 0)),
        Some(utc(2025, 3, 10, 0, 0)),
        "Saturday and Sunday make one span"
    );

    let meals = window("UTC", None, &["12:00-13:00", "18:00-19:00", "20:00-00:00"]);
    let at = |h, mi| meals.active_at(utc(2025, 3, 7, h, mi));
    assert!(at(12, 30) && !at(13, 0) && at(18, 0) && !at(19, 30) && at(23, 59));
    assert!(
        !meals.active_at(utc(2025, 3, 8, 0, 0)),
        "20:00-00:00 ends at midnight"
    );
    assert_eq!(
        meals.next_change_after(utc(2025, 3, 7, 13, 0)),
        Some(utc(2025, 3, 7, 18, 0))
    );
    assert_eq!(
        meals.summary(),
        "every day 12:00-13:00, 18:00-19:00, 20:00-00:00 UTC"
    );
    assert_eq!(
        window("Asia/Shanghai", Some(WORKDAYS), &["22:00-08:00"]).summary(),
        "mon, tue, wed, thu, fri 22:00-08:00 Asia/Shanghai"
    );
}

#[test]
fn a_night_is_an_hour_shorter_or_longer_when_the_clocks_change() {
    // Berlin: 2025-03-30 02:00 CET → 03:00 CEST (01:00 UTC); 2025-10-26 03:00 CEST → 02:00 CET.
    let nights = window("Europe/Berlin", None, &["22:00-08:00"]);
    // Saturday 22:00 CET (21:00 UTC) to Sunday 08:00 CEST (06:00 UTC): nine hours.
    assert_runs(&nights, utc(2025, 3, 29, 21, 0), utc(2025, 3, 30, 6, 0));
    assert_eq!(
        nights.next_change_after(utc(2025, 3, 29, 23, 0)),
        Some(utc(2025, 3, 30, 6, 0))
    );
    // Saturday 22:00 CEST (20:00 UTC) to Sunday 08:00 CET (07:00 UTC): eleven hours.
    assert_runs(&nights, utc(2025, 10, 25, 20, 0), utc(2025, 10, 26, 7, 0));
    assert_eq!(
        nights.next_change_after(utc(2025, 10, 25, 19, 0)),
        Some(utc(2025, 10, 25, 20, 0))
    );
}

#[test]
fn a_start_in_the_skipped_hour_starts_at_the_change_and_the_repeated_hour_counts_once() {
    let skipped = window("Europe/Berlin", Some(&["sun"]), &["02:30-03:30"]);
    // From 03:00 CEST, the change, to 03:30 CEST.
    assert_runs(&skipped, utc(2025, 3, 30, 1, 0), utc(2025, 3, 30, 1, 30));
    assert_eq!(
        skipped.next_change_after(utc(2025, 3, 30, 0, 0)),
        Some(utc(2025, 3, 30, 1, 0))
    );
    // 02:30 CEST (00:30 UTC) to 05:00 CET (04:00 UTC), through the second 02:00-02:30.
    let repeated = window("Europe/Berlin", Some(&["sun"]), &["02:30-05:00"]);
    assert_runs(&repeated, utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 4, 0));
    for (h, mi) in [(1, 0), (1, 15), (1, 45)] {
        assert!(repeated.active_at(utc(2025, 10, 26, h, mi)), "{h}:{mi} UTC");
    }
    assert_eq!(
        repeated.next_change_after(utc(2025, 10, 26, 0, 45)),
        Some(utc(2025, 10, 26, 4, 0)),
        "no flap when the clocks go back"
    );
}

#[test]
fn bad_windows_name_the_key() {
    let parse = |zone: Option<&str>, days: Option<&[&str]>, times: Option<&[&str]>| {
        let days = days.map(strings);
        let times = times.map(strings);
        MuteWindow::parse("w", zone, Asia::Shanghai, days.as_deref(), times.as_deref())
            .expect_err("refused")
    };
    let e = parse(Some("Mars/Olympus"), None, None);
    assert_eq!(e.key, "zone");
    assert!(e.reason.contains("Mars/Olympus"), "{e}");
    let e = parse(None, Some(&["mon", "fry"]), None);
    assert_eq!(e.key, "weekdays");
    assert!(
        e.reason.contains("`fry`") && e.reason.contains("mon, tue"),
        "{e}"
    );
    assert_eq!(parse(None, Some(&[]), None).key, "weekdays");
    assert_eq!(parse(None, None, Some(&[])).key, "times");
    for bad in [
        "25:00-08:00",
        "22:60-08:00",
        "24:00-08:00",
        "22:00-24:01",
        "22:00",
        "22-08",
        "22:0-08:00",
        "-1:00-08:00",
        "08:00-08:00",
        "",
    ] {
        let e = parse(None, None, Some(&["10:00-11:00", bad]));
        assert_eq!(e.key, "times", "{bad}: {e}");
        assert!(e.reason.contains(&format!("`{bad}`")), "{bad}: {e}");
    }
    assert!(
        parse(None, None, Some(&["08:00-08:00"]))
            .reason
            .contains("00:00-24:00")
    );
    let e = MuteWindow::parse(" ", None, Asia::Shanghai, None, None).expect_err("no name");
    assert_eq!(e.key, "name");
    assert!(window("UTC", None, &["8:00 - 9:30", "00:00-24:00"]).active_at(utc(2025, 3, 7, 8, 0)));
}

/// The window read from the wall clock alone: what it must agree with wherever the clock
/// does not change.
fn wall_clock(days: &[bool; 7], ranges: &[(u32, u32)], zone: Tz, now_ms: i64) -> bool {
    let local = DateTime::from_timestamp_millis(now_ms)
        .expect("in range")
        .with_timezone(&zone);
    let secs = i64::from(local.num_seconds_from_midnight());
    let today = local.weekday().num_days_from_monday() as usize;
    let yesterday = (today + 6) % 7;
    ranges.iter().any(|&(s, e)| {
        let (s, e) = (i64::from(s) * 60, i64::from(e) * 60);
        if e > s {
            days[today] && s <= secs && secs < e
        } else {
            (days[today] && secs >= s) || (days[yesterday] && secs < e)
        }
    })
}

prop_compose! {
    fn any_window(zones: &'static [&'static str])
        (zone in proptest::sample::select(zones),
         days in proptest::array::uniform7(any::<bool>()).prop_filter("a day", |d| d.contains(&true)),
         ranges in proptest::collection::vec((0u32..DAY_MINUTES, 1u32..=DAY_MINUTES)
             .prop_filter("not empty", |(s, e)| s != e), 1..4))
        -> (MuteWindow, [bool; 7], Vec<(u32, u32)>, Tz)
    {
        let names: Vec<String> = WEEKDAYS.iter().zip(days).filter(|(_, on)| *on).map(|(d, _)| d.to_string()).collect();
        let times: Vec<String> = ranges.iter().map(|&(s, e)| format!("{}-{}", clock(s), clock(e))).collect();
        let w = MuteWindow::parse("w", Some(zone), chrono_tz::UTC, Some(&names), Some(&times)).expect("valid");
        let tz: Tz = zone.parse().expect("a zone");
        (w, days, ranges, tz)
    }
}

/// 2020-01-01 to 2030-01-01, in ms.
const YEARS: std::ops::Range<i64> = 1_577_836_800_000..1_893_456_000_000;

/// Any moment of those years, or one within two days of Berlin's clock changes in 2025.
fn moments() -> impl Strategy<Value = i64> {
    prop_oneof![
        YEARS,
        utc(2025, 3, 28, 0, 0)..utc(2025, 4, 1, 0, 0),
        utc(2025, 10, 24, 0, 0)..utc(2025, 10, 28, 0, 0),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn active_at_agrees_with_the_wall_clock_in_zones_without_clock_changes(
        (w, days, ranges, tz) in any_window(&["UTC", "Asia/Shanghai", "Asia/Kolkata", "Asia/Kathmandu"]),
        start in YEARS,
    ) {
        // Every minute of three days, plus the odd second.
        for minute in 0..3 * 24 * 60 {
            let now = start + minute * 60_000;
            prop_assert_eq!(w.active_at(now), wall_clock(&days, &ranges, tz, now), "at {}", now);
        }
    }

    #[test]
    fn active_at_agrees_with_the_wall_clock_away_from_clock_changes(
        (w, days, ranges, tz) in any_window(&["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]),
        start in moments(),
    ) {
        let offset = |ms: i64| DateTime::from_timestamp_millis(ms).map(|t| t.with_timezone(&tz).offset().fix());
        for minute in 0..3 * 24 * 60 {
            let now = start + minute * 60_000;
            if offset(now - 7_200_000) != offset(now + 7_200_000) {
                continue;
            }
            prop_assert_eq!(w.active_at(now), wall_clock(&days, &ranges, tz, now), "at {}", now);
        }
    }

    #[test]
    fn next_change_after_is_the_first_minute_active_at_differs(
        (w, _, _, _) in any_window(&["Asia/Shanghai", "Europe/Berlin"]),
        now in moments(),
    ) {
        let was = w.active_at(now);
        let first_minute = (now / 60_000 + 1) * 60_000;
        let scanned = (0..8 * 24 * 60)
            .map(|m| first_minute + m * 60_000)
            .find(|&t| w.active_at(t) != was);
        prop_assert_eq!(w.next_change_after(now), scanned);
    }
}

#[test]
fn the_span_holding_a_moment_is_the_windows_stretch_weekends_joined() {
    // 2025-03-07 is a Friday.
    let nights = window("Asia/Shanghai", Some(&["fri"]), &["22:00-08:00"]);
    assert_eq!(
        nights.span_at(shanghai(8, 3, 0)),
        Some((shanghai(7, 22, 0), shanghai(8, 8, 0)))
    );
    assert_eq!(nights.span_at(shanghai(8, 9, 0)), None);
    let weekend = window("Asia/Shanghai", Some(&["sat", "sun"]), &["00:00-24:00"]);
    assert_eq!(
        weekend.span_at(shanghai(9, 12, 0)),
        Some((shanghai(8, 0, 0), shanghai(10, 0, 0))),
        "Saturday and Sunday are one stretch"
    );
}
