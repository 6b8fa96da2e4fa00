//! Which robots an alert goes to, and whom to @ there. Pure: no I/O.
//!
//! Until routing rules exist (TOML `[[routes]]`), every alert goes to the default robot.

use crate::alert::Alert;
use crate::config::{DEFAULT_ROBOT, Settings};
use crate::dingtalk::At;

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub robot: String,
    pub at: At,
    /// Why this robot was chosen, for `check --explain`.
    pub reason: String,
}

pub fn route(_alert: &Alert, settings: &Settings) -> Vec<Target> {
    settings
        .robot(DEFAULT_ROBOT)
        .map(|r| Target {
            robot: r.name.clone(),
            at: At::default(),
            reason: "no routes configured: default robot".into(),
        })
        .into_iter()
        .collect()
}
