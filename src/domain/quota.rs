//! The open API's monthly quota of a card robot (`api_calls_per_month`): which month a call
//! counts in, and what the relay does at each level of use. DingTalk meters open-API calls per
//! calendar month of its own time zone, so a month here starts at midnight Asia/Shanghai, not
//! UTC. No I/O: the store counts, the delivery engine acts.

use chrono::{Datelike, TimeZone};
use chrono_tz::Asia::Shanghai;

/// Above this share of the quota, count-only card updates stop (in percent).
pub const SAVING_PERCENT: u64 = 80;

/// The month a call at `ms` (epoch milliseconds) counts in, as `2026-12` in DingTalk's time.
pub fn month_of(ms: i64) -> String {
    let t = Shanghai.timestamp_millis_opt(ms).single();
    match t {
        Some(t) => format!("{:04}-{:02}", t.year(), t.month()),
        None => "0000-00".to_owned(),
    }
}

/// A robot's calls this month, as the store counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthCalls {
    pub calls: i64,
    /// When DingTalk last answered `90020` this month: spent, whatever the count says.
    pub spent_at: Option<i64>,
}

/// What a card robot may still spend this month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaLevel {
    /// Everything goes through the open API.
    Normal,
    /// Above [`SAVING_PERCENT`]: cards are created and change status, but an update that would
    /// only raise a card's count is skipped (the count shows with the card's next change).
    Saving,
    /// At the quota, or DingTalk said so: nothing goes through the open API until the month
    /// ends; card operations go to the fallback robot or wait.
    Spent,
}

impl QuotaLevel {
    /// The level at `now` of `used` against the robot's `limit` (`None`: no limit configured,
    /// only DingTalk's `90020` spends it). A `90020` counts for `recheck_ms`; then one call
    /// tries again, since DingTalk's own count may differ from ours (a bought package, calls
    /// of other apps of the organisation).
    pub fn of(used: MonthCalls, limit: Option<u64>, now: i64, recheck_ms: i64) -> Self {
        if used.spent_at.is_some_and(|t| now - t < recheck_ms) {
            return Self::Spent;
        }
        let Some(limit) = limit else {
            return Self::Normal;
        };
        let calls = u64::try_from(used.calls).unwrap_or(0);
        if calls >= limit {
            Self::Spent
        } else if calls.saturating_mul(100) > limit.saturating_mul(SAVING_PERCENT) {
            Self::Saving
        } else {
            Self::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-30 16:00 UTC is 2026-12-01 00:00 in Shanghai.
    const DEC_1_SHANGHAI: i64 = 1_796_054_400_000;
    /// 31 days later: 2027-01-01 00:00 in Shanghai.
    const JAN_1_SHANGHAI: i64 = DEC_1_SHANGHAI + 31 * 86_400_000;

    #[test]
    fn the_month_turns_at_midnight_in_shanghai_not_utc() {
        assert_eq!(month_of(DEC_1_SHANGHAI - 1), "2026-11");
        assert_eq!(month_of(DEC_1_SHANGHAI), "2026-12");
        assert_eq!(month_of(JAN_1_SHANGHAI), "2027-01");
        assert_eq!(month_of(JAN_1_SHANGHAI - 1), "2026-12");
    }

    #[test]
    fn levels_follow_the_share_used() {
        let used = |calls| MonthCalls {
            calls,
            spent_at: None,
        };
        let level = |u, limit| QuotaLevel::of(u, limit, 1_000_000, 600_000);
        assert_eq!(level(used(80), Some(100)), QuotaLevel::Normal);
        assert_eq!(level(used(81), Some(100)), QuotaLevel::Saving);
        assert_eq!(level(used(100), Some(100)), QuotaLevel::Spent);
        assert_eq!(level(used(10_000), None), QuotaLevel::Normal);
        let told = MonthCalls {
            calls: 3,
            spent_at: Some(500_000),
        };
        assert_eq!(level(told, None), QuotaLevel::Spent);
        let long_ago = MonthCalls {
            spent_at: Some(300_000),
            ..told
        };
        assert_eq!(level(long_ago, None), QuotaLevel::Normal, "tried again");
    }
}
