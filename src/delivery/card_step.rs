//! The sender of a card robot (`kind = "card"`): one live card per Sentry issue (per incident
//! for metric alerts). Waiting alerts are noted on their card in the outbox, which queues the
//! card's next operation as a message; sending that message creates the card (the first time)
//! or updates it in place. Operations are retried, paused and declared dead like messages.
//!
//! - New cards are new messages in the chat: they count against the robot's budget
//!   (`rate_per_minute`) and wait for it. Updates post nothing new and do not.
//! - Updates go at most [`CARD_CALLS_PER_SECOND`] per robot, under the open API's rate.
//! - Repeat suppression does not apply: an update is how a repeat shows.

use super::worker::{RobotWorker, Step};
use super::{LEASE_RENEW, enrich};
use crate::domain::alert::{Alert, AlertKind};
use crate::domain::card_status::CardStatus;
use crate::outbox::{CardNote, Lease, StoreError, WaitingAlert};
use serde_json::json;

/// Open-API calls (creates and updates) per second and robot, at most.
pub const CARD_CALLS_PER_SECOND: i64 = 5;
/// Alerts looked at per step.
const PICK_LIMIT: usize = 300;
/// An idle card sender looks at the store this often.
const IDLE_POLL_MS: i64 = 2_000;

/// When the next open-API call of this robot may go.
#[derive(Debug, Default, Clone, Copy)]
pub struct CardPace {
    pub next_call_at: i64,
}

impl CardPace {
    pub fn called(&mut self, now: i64) {
        self.next_call_at = now + 1000 / CARD_CALLS_PER_SECOND;
    }
}

/// What makes two alerts one card: the incident of a metric alert, else the Sentry issue; an
/// alert of neither (and a test notification) gets a card of its own.
pub fn card_key(alert: &Alert, alert_id: i64) -> String {
    if alert.is_test_notification() {
        return format!("test:{alert_id}");
    }
    if let Some(incident) = alert.metric.as_ref().and_then(|m| {
        m.incident_id
            .as_deref()
            .or(m.identifier.as_deref())
            .filter(|i| !i.is_empty())
    }) {
        return format!("incident:{incident}");
    }
    match alert.issue_id.as_deref().filter(|i| !i.is_empty()) {
        Some(issue) => format!("issue:{issue}"),
        None => format!("alert:{alert_id}"),
    }
}

/// The card's status after `alert`; `None` keeps the one it has. Comments and assignments
/// change nothing; a repeat leaves a claimed card claimed.
pub fn next_status(alert: &Alert, current: Option<&str>) -> Option<String> {
    let neutral = alert.kind == AlertKind::Comment
        || (alert.kind == AlertKind::Issue && alert.action == "assigned");
    if neutral {
        return None;
    }
    let implied = CardStatus::implied_by(alert);
    if implied == CardStatus::Firing && current == Some(CardStatus::Claimed.as_str()) {
        return None;
    }
    Some(implied.as_str().to_string())
}

/// The body of a card operation's message: which card. The card's data is read when it is
/// sent, so an operation always shows the card as it is by then.
pub fn operation_body(out_track_id: &str, card_key: &str) -> String {
    json!({"card": out_track_id, "card_key": card_key}).to_string()
}

impl RobotWorker {
    /// One decision of a card robot's sender (the lease is held and the robot not paused).
    pub(super) async fn card_step(&mut self, lease: &Lease, now: i64) -> Result<Step, StoreError> {
        let renew_by = now + LEASE_RENEW.as_millis() as i64;
        let wait = |at: i64, wake_early: bool| Step::WaitUntil {
            at: at.min(renew_by),
            wake_early,
        };
        let outbox = self.deps.outbox.clone();
        let name = self.robot.name.clone();
        let budget_free_at = self.limiter.next_free_at(now);
        if let Some(msg) = outbox.due_message(&name, now).await? {
            if self.card_pace.next_call_at > now {
                return Ok(wait(self.card_pace.next_call_at, false));
            }
            if self.card_needs_budget(&msg).await? && budget_free_at > now {
                // A new card waits for the budget; updates behind it wait their turn.
                return Ok(wait(budget_free_at, false));
            }
            self.card_attempt(lease, msg).await?;
            return Ok(Step::Worked);
        }
        let picked = self.pick_waiting(lease, PICK_LIMIT, now).await?;
        let mut held_by_budget = false;
        for (key, group) in group_by_card(picked.alerts) {
            let card = outbox.card(&name, &key).await?;
            if card.is_none() && self.limiter.remaining(now) == 0 {
                held_by_budget = true;
                continue;
            }
            self.note(lease, &key, card.as_ref(), group, now).await?;
            return Ok(Step::Worked);
        }
        let next_due = outbox.next_due_at(&name).await?.unwrap_or(i64::MAX);
        if held_by_budget {
            return Ok(wait(budget_free_at.min(next_due), true));
        }
        Ok(wait(next_due.min(now + IDLE_POLL_MS), true))
    }

    async fn note(
        &mut self,
        lease: &Lease,
        key: &str,
        card: Option<&crate::outbox::CardRow>,
        group: Vec<WaitingAlert>,
        now: i64,
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = group.iter().map(|w| w.id).collect();
        let mut newest = group
            .into_iter()
            .max_by_key(|w| w.id)
            .map(|w| w.queued)
            .unwrap_or_else(|| unreachable!("a group has alerts"));
        if let Some(api) = &self.deps.api {
            let mut one = vec![newest.alert.clone()];
            enrich::enrich_batch(api, &self.deps.metrics, &mut one).await;
            if let Some(a) = one.pop() {
                newest.alert = a;
            }
        }
        let out_track_id = card.map_or_else(
            || format!("sentry-dingtalk-{}", uuid::Uuid::new_v4().simple()),
            |c| c.out_track_id.clone(),
        );
        let note = CardNote {
            card_key: key.to_string(),
            body: operation_body(&out_track_id, key),
            status: next_status(&newest.alert, card.map(|c| c.status.as_str())),
            alert: serde_json::to_string(&newest).unwrap_or_default(),
            out_track_id,
        };
        self.deps
            .outbox
            .note_card_alerts(lease, &ids, &note, now)
            .await?;
        Ok(())
    }
}

/// Alerts grouped by card, in the order the first of each came (most severe first).
fn group_by_card(alerts: Vec<WaitingAlert>) -> Vec<(String, Vec<WaitingAlert>)> {
    let mut groups: Vec<(String, Vec<WaitingAlert>)> = Vec::new();
    for w in alerts {
        let key = card_key(&w.queued.alert, w.id);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(w),
            None => groups.push((key, vec![w])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::Metric;

    #[test]
    fn keys_follow_the_issue_or_the_incident() {
        let mut a = Alert::new(AlertKind::EventAlert, "triggered");
        a.issue_id = Some("42".into());
        assert_eq!(card_key(&a, 7), "issue:42");
        let mut m = Alert::new(AlertKind::MetricAlert, "critical");
        m.metric = Some(Metric {
            incident_id: Some("9".into()),
            ..Default::default()
        });
        assert_eq!(card_key(&m, 7), "incident:9");
        assert_eq!(
            card_key(&Alert::new(AlertKind::Error, "created"), 7),
            "alert:7"
        );
    }

    #[test]
    fn statuses_move_as_the_issue_does() {
        let created = Alert::new(AlertKind::Issue, "created");
        let resolved = Alert::new(AlertKind::Issue, "resolved");
        let comment = Alert::new(AlertKind::Comment, "created");
        assert_eq!(next_status(&created, None).as_deref(), Some("firing"));
        assert_eq!(next_status(&created, Some("claimed")), None);
        assert_eq!(
            next_status(&resolved, Some("claimed")).as_deref(),
            Some("resolved")
        );
        assert_eq!(next_status(&comment, Some("resolved")), None);
        assert_eq!(
            next_status(&created, Some("resolved")).as_deref(),
            Some("firing")
        );
    }
}
