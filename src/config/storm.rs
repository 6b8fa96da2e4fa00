//! A robot's storm settings (`storm_threshold`, `storm_quiet`, `storm_interval`): when many
//! more alerts wait than its budget shows, it posts one summary per interval instead of
//! batches (`domain::storm`).

use super::env_values::duration;
use std::time::Duration;

/// Quiet this long, and the storm is over.
pub const DEFAULT_QUIET: Duration = Duration::from_secs(60);
/// At most one summary this often while the storm lasts.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StormConfig {
    /// Waiting alerts that start a storm; `None`: a minute of readable batches
    /// (`domain::storm::default_threshold`); `Some(0)`: storm mode off.
    pub threshold: Option<u32>,
    pub quiet: Duration,
    pub interval: Duration,
}

impl Default for StormConfig {
    fn default() -> Self {
        Self {
            threshold: None,
            quiet: DEFAULT_QUIET,
            interval: DEFAULT_INTERVAL,
        }
    }
}

impl StormConfig {
    /// The keys as written; errors name them.
    pub(super) fn parse(
        threshold: Option<u32>,
        quiet: Option<String>,
        interval: Option<String>,
    ) -> Result<Self, String> {
        let quiet = duration(quiet, DEFAULT_QUIET).map_err(|e| format!("storm_quiet: {e}"))?;
        let interval =
            duration(interval, DEFAULT_INTERVAL).map_err(|e| format!("storm_interval: {e}"))?;
        if quiet.is_zero() || interval.is_zero() {
            return Err("storm_quiet and storm_interval must be more than 0s".into());
        }
        Ok(Self {
            threshold,
            quiet,
            interval,
        })
    }

    /// The waiting alerts that make a storm for a robot posting `rate_per_minute`, or `None`
    /// when storm mode is off.
    pub fn threshold_for(&self, rate_per_minute: u32) -> Option<u32> {
        match self.threshold {
            Some(0) => None,
            Some(n) => Some(n),
            None => Some(crate::domain::storm::default_threshold(rate_per_minute)),
        }
    }
}
