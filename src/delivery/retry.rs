//! When to try a failed send again. Whether to is decided by `dingtalk::outcome::classify`.

use crate::config::RetryConfig;
use rand::Rng;

/// Exponential backoff with jitter: base · 2^(attempt-1), capped, then scaled by 0.5–1.0 so
/// robots that failed together do not retry together.
pub fn backoff_ms(cfg: &RetryConfig, attempt: i64) -> i64 {
    let base = cfg.base_delay.as_millis() as f64;
    let cap = cfg.max_delay.as_millis() as f64;
    let exp = (attempt.clamp(1, 40) - 1) as i32;
    let delay = (base * 2f64.powi(exp)).min(cap);
    let jitter: f64 = rand::thread_rng().gen_range(0.5..=1.0);
    (delay * jitter).max(1.0) as i64
}

/// A message older than `max_age` is given up even on a retryable failure.
pub fn expired(cfg: &RetryConfig, created_at: i64, now: i64) -> bool {
    now - created_at > cfg.max_age.as_millis() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn doubles_to_the_cap_with_jitter() {
        let cfg = RetryConfig {
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(600),
            ..Default::default()
        };
        for attempt in 1..=12 {
            let full = (5_000f64 * 2f64.powi(attempt as i32 - 1)).min(600_000.0) as i64;
            let d = backoff_ms(&cfg, attempt);
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempt}: {d} not in [{}, {full}]",
                full / 2
            );
        }
        assert!(expired(&cfg, 0, 24 * 3600 * 1000 + 1));
        assert!(!expired(&cfg, 0, 1000));
    }
}
