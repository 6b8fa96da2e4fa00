//! Where an issue's live card stands. The card shows it as its `status` variable; a button click
//! or a new alert moves it.

use crate::domain::alert::{Alert, AlertKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardStatus {
    Firing,
    Resolved,
    Ignored,
    /// Someone took it from the card's button; it stays open in Sentry.
    Claimed,
    /// Held by a silence (from the card's button); a hold summary card shows this too.
    Silenced,
}

impl CardStatus {
    /// The value the card template sees.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Resolved => "resolved",
            Self::Ignored => "ignored",
            Self::Claimed => "claimed",
            Self::Silenced => "silenced",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "firing" => Self::Firing,
            "resolved" => Self::Resolved,
            "ignored" => Self::Ignored,
            "claimed" => Self::Claimed,
            "silenced" => Self::Silenced,
            _ => return None,
        })
    }

    /// The status an alert implies by itself. Sentry renamed "ignore" to "archive", so both
    /// count. Anything else — a new issue, a repeat, a regression, a comment, an assignment, a
    /// critical or warning metric alert — reads as firing; whether that should replace a
    /// `claimed` card is the caller's decision, not the alert's.
    pub fn implied_by(alert: &Alert) -> Self {
        match (alert.kind, alert.action.as_str()) {
            (AlertKind::Issue | AlertKind::MetricAlert, "resolved") => Self::Resolved,
            (AlertKind::Issue, "ignored" | "archived") => Self::Ignored,
            _ => Self::Firing,
        }
    }

    /// The status `alert` asks its card for: `None` for one that changes nothing (a comment,
    /// an assignment).
    pub fn asked_by(alert: &Alert) -> Option<Self> {
        let neutral = alert.kind == AlertKind::Comment
            || (alert.kind == AlertKind::Issue && alert.action == "assigned");
        (!neutral).then(|| Self::implied_by(alert))
    }

    /// What a card that is `current` (`None`: a new card) becomes when alerts ask for
    /// `asked`; `None` keeps it. A repeat leaves a claimed card claimed. The store decides it
    /// against the card as it is in the transaction that notes the alerts, so a claim made
    /// while they were being prepared stays.
    pub fn settle(asked: Option<Self>, current: Option<&str>) -> Option<Self> {
        let asked = asked?;
        let claimed = current == Some(Self::Claimed.as_str());
        (!(asked == Self::Firing && claimed)).then_some(asked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_alert_implies_its_status() {
        use AlertKind::*;
        // Each status with the (kind, action) pairs that imply it.
        let cases: [(CardStatus, &[(AlertKind, &str)]); 3] = [
            (
                CardStatus::Resolved,
                &[(Issue, "resolved"), (MetricAlert, "resolved")],
            ),
            (
                CardStatus::Ignored,
                &[(Issue, "ignored"), (Issue, "archived")],
            ),
            (
                CardStatus::Firing,
                &[
                    (Issue, "created"),
                    (Issue, "unresolved"),
                    (Issue, "assigned"),
                    (MetricAlert, "critical"),
                    (MetricAlert, "warning"),
                    (EventAlert, "triggered"),
                    (Comment, "created"),
                    (Error, "created"),
                ],
            ),
        ];
        for (want, alerts) in cases {
            for &(kind, action) in alerts {
                let got = CardStatus::implied_by(&Alert::new(kind, action));
                assert_eq!(got, want, "{kind:?} {action}");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for s in [
            CardStatus::Firing,
            CardStatus::Resolved,
            CardStatus::Ignored,
            CardStatus::Claimed,
        ] {
            assert_eq!(CardStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(CardStatus::parse("open"), None);
    }
}
