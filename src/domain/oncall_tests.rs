use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn at(zone: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    zone.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("a real local time")
        .timestamp_millis()
}

fn rota(zone: Tz, shift_ms: i64, start: i64) -> Rota {
    Rota {
        name: "backend".into(),
        zone,
        rotation: vec!["zhangsan".into(), "lisi".into(), "wangwu".into()],
        shift_ms,
        start_ms: start,
    }
}

/// An override of `backend` for `person` over [`from`, `to`).
fn covering(id: i64, person: &str, from: i64, to: i64) -> Override {
    Override {
        id,
        rota: "backend".into(),
        person: person.into(),
        starts_at: from,
        ends_at: to,
        created_by: "ops".into(),
    }
}

/// Who, until when, who next, and by which override: what `oncall` prints.
fn said(c: &OnCall) -> (&str, i64, &str, Option<i64>) {
    (c.person.as_str(), c.until, c.next.as_str(), c.by_override)
}

const SH: Tz = chrono_tz::Asia::Shanghai;
const WEEK: i64 = 7 * DAY_MS;

#[test]
fn weekly_shifts_take_turns_from_the_start_and_before_it() {
    let start = at(SH, 2026, 12, 7, 10, 0);
    let r = rota(SH, WEEK, start);
    let now = r.on_call(start, &[]);
    assert_eq!(
        (now.person.as_str(), now.until, now.next.as_str()),
        ("zhangsan", start + WEEK, "lisi")
    );
    assert_eq!(r.on_call(start + WEEK - 1, &[]).person, "zhangsan");
    assert_eq!(r.on_call(start + WEEK, &[]).person, "lisi");
    assert_eq!(r.on_call(start + 3 * WEEK, &[]).person, "zhangsan");
    // Before the first shift the rota runs backwards: the shift before belongs to wangwu.
    let before = r.on_call(start - 1, &[]);
    assert_eq!((before.person.as_str(), before.until), ("wangwu", start));
}

#[test]
fn daily_shifts_hand_over_at_the_same_wall_clock_time_across_dst() {
    let berlin = chrono_tz::Europe::Berlin;
    // 2026-03-29 is the spring change in Berlin: that day is 23 hours long.
    let start = at(berlin, 2026, 3, 27, 10, 0);
    let r = rota(berlin, DAY_MS, start);
    for day in [28, 29, 30, 31] {
        let handover = at(berlin, 2026, 3, day, 10, 0);
        let shift = r.on_call(handover - 1, &[]);
        assert_eq!(shift.until, handover, "handover on the {day}th at 10:00");
    }
    // Hours are hours: a 12 h shift ignores the clock change.
    let twelve = rota(berlin, 12 * 3_600_000, start);
    let shift = twelve.on_call(start, &[]);
    assert_eq!(shift.until, start + 12 * 3_600_000);
}

#[test]
fn an_override_puts_someone_else_on_call_and_cuts_the_shift_before_it() {
    let start = at(SH, 2026, 12, 7, 10, 0);
    let r = rota(SH, WEEK, start);
    let o = covering(1, "zhaoliu", start + DAY_MS, start + DAY_MS + 8 * 3_600_000);
    let during = r.on_call(start + DAY_MS + 1, std::slice::from_ref(&o));
    assert_eq!(said(&during), ("zhaoliu", o.ends_at, "zhangsan", Some(1)));
    let before = r.on_call(start, std::slice::from_ref(&o));
    assert_eq!(
        (before.until, before.next.as_str()),
        (o.starts_at, "zhaoliu")
    );
    let after = r.on_call(o.ends_at, std::slice::from_ref(&o));
    assert_eq!(
        (after.person.as_str(), after.by_override),
        ("zhangsan", None)
    );
    // Another rota's override changes nothing here.
    let other = Override {
        rota: "frontend".into(),
        ..o
    };
    assert_eq!(r.on_call(start + DAY_MS + 1, &[other]).person, "zhangsan");
}

/// Two overrides for the same person, the newer one shorter: they are on call until the
/// longer one ends, and next is whoever comes then.
#[test]
fn overlapping_overrides_for_one_person_run_until_the_last_ends() {
    let start = at(SH, 2026, 12, 7, 10, 0);
    let r = rota(SH, WEEK, start);
    let long = covering(3, "lisi", start, start + 2 * DAY_MS);
    let short = covering(4, "lisi", start + 3_600_000, start + 9 * 3_600_000);
    let now = r.on_call(start + 2 * 3_600_000, &[long.clone(), short]);
    assert_eq!(said(&now), ("lisi", long.ends_at, "zhangsan", Some(4)));
}

proptest! {
    #[test]
    fn every_moment_falls_in_exactly_one_shift(
        offset in -400i64 * DAY_MS..400 * DAY_MS,
        days in prop_oneof![Just(1i64), Just(7)],
        zone in prop_oneof![Just(SH), Just(chrono_tz::Europe::Berlin), Just(chrono_tz::America::New_York)],
    ) {
        let start = at(zone, 2026, 6, 1, 9, 30);
        let r = rota(zone, days * DAY_MS, start);
        let moment = start + offset;
        let k = r.shift_at(moment);
        prop_assert!(r.shift_start(k) <= moment && moment < r.shift_start(k + 1));
        let shift = r.on_call(moment, &[]);
        prop_assert_eq!(shift.until, r.shift_start(k + 1));
        prop_assert_eq!(shift.next.as_str(), r.person_of(k + 1));
    }
}
