//! A route's part in holding a target's alerts: the mute windows it names.

use crate::domain::alert::Level;
use serde::{Deserialize, Serialize};

/// One per route that sent the alert to the target's robot. A route without windows gives a
/// rule with none, so "some route sending it is not muted" can be told from the rules alone.
/// Kept with each queued alert (`QueuedAlert::mute`), so the sender can tell whether a window
/// holds it when it is about to be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MuteRule {
    pub route: String,
    /// The route's `mute_times`, by name, in the order written.
    pub windows: Vec<String>,
    /// `mute_pass_level`: alerts at or above it pass while the route is muted.
    pub pass_level: Option<Level>,
}
