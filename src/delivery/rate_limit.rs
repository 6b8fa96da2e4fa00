//! A rolling-window budget per robot: at most `per_minute` sends in any 60 s.

use std::collections::VecDeque;

pub const WINDOW_MS: i64 = 60_000;

#[derive(Debug)]
pub struct RateLimiter {
    per_minute: usize,
    sends: VecDeque<i64>,
}

impl RateLimiter {
    /// `history` seeds the window with sends made before a restart.
    pub fn new(per_minute: u32, history: impl IntoIterator<Item = i64>) -> Self {
        let mut sends: VecDeque<i64> = history.into_iter().collect();
        sends.make_contiguous().sort_unstable();
        Self {
            per_minute: per_minute.max(1) as usize,
            sends,
        }
    }

    /// A reload may change the budget; the sends already made still count.
    pub fn set_per_minute(&mut self, per_minute: u32) {
        self.per_minute = per_minute.max(1) as usize;
    }

    fn forget_old(&mut self, now: i64) {
        while self.sends.front().is_some_and(|t| now - t >= WINDOW_MS) {
            self.sends.pop_front();
        }
    }

    /// Sends still allowed right now.
    pub fn remaining(&mut self, now: i64) -> usize {
        self.forget_old(now);
        self.per_minute.saturating_sub(self.sends.len())
    }

    /// When the next send is allowed: `now` if the budget has room.
    pub fn next_free_at(&mut self, now: i64) -> i64 {
        if self.remaining(now) > 0 {
            return now;
        }
        let oldest_that_must_expire = self.sends.len() - self.per_minute;
        self.sends
            .get(oldest_that_must_expire)
            .map_or(now, |t| t + WINDOW_MS)
    }

    pub fn record(&mut self, at: i64) {
        self.sends.push_back(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_than_the_budget_in_any_window() {
        let mut rl = RateLimiter::new(3, []);
        let mut sent = Vec::new();
        let mut now = 0;
        while sent.len() < 10 {
            now = rl.next_free_at(now);
            rl.record(now);
            sent.push(now);
        }
        for (i, t) in sent.iter().enumerate() {
            let in_window = sent
                .iter()
                .filter(|s| **s >= *t && **s < t + WINDOW_MS)
                .count();
            assert!(in_window <= 3, "send {i} at {t}: {in_window} in its window");
        }
        assert_eq!(
            sent[3], WINDOW_MS,
            "the fourth send waits for the first to leave the window"
        );
    }

    #[test]
    fn history_from_before_a_restart_counts() {
        let mut rl = RateLimiter::new(2, [1_000, 2_000]);
        assert_eq!(rl.remaining(30_000), 0);
        assert_eq!(rl.next_free_at(30_000), 61_000);
        assert_eq!(rl.remaining(61_000), 1);
    }
}
