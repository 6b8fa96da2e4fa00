//! What an alert rule chose in Sentry's alert-rule editor for this relay's action.

use serde::{Deserialize, Serialize};

/// What the rule that fired chose in Sentry, raw: checked against the configuration when the
/// alert is routed. Absent when the webhook carried no settings of this integration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleChoice {
    /// Sentry's rule id: `issue_alert.id`, or the metric alert rule's id.
    pub rule_id: Option<String>,
    pub robot: Option<String>,
    #[serde(default)]
    pub mobiles: Vec<String>,
    #[serde(default)]
    pub user_ids: Vec<String>,
    /// `[[people]]` by name, mentioned by user id or mobile.
    #[serde(default)]
    pub people: Vec<String>,
    /// `[[oncall]]` rotas by name: whoever is on call when the alert comes is mentioned.
    #[serde(default)]
    pub oncall: Vec<String>,
    pub min_level: Option<String>,
    /// Free text the rule's author wants in the message (escaped like all payload text).
    pub note: Option<String>,
    /// "Send Test Notification" in the rule editor (`issue_alert.id == -1`).
    #[serde(default)]
    pub test: bool,
}
