//! The sender of a card robot (`kind = "card"`): one live card per Sentry issue (per incident
//! for metric alerts). Waiting alerts are noted on their card in the outbox, which queues the
//! card's next operation as a message; sending that message creates the card (the first time)
//! or updates it in place. Operations are retried, paused and declared dead like messages.
//!
//! - New cards are new messages in the chat: they count against the robot's budget
//!   (`rate_per_minute`). When more new issues wait than it allows, they are folded into one
//!   digest card (see [`super::card_digest`]). Updates post nothing new and cost nothing.
//! - Updates go at most [`CARD_CALLS_PER_SECOND`](super::step::CARD_CALLS_PER_SECOND) per robot, under the open API's rate.
//! - Repeat suppression does not apply: an update is how a repeat shows.

use super::card_attempt::{card_needs_budget, send_card_operation};
use super::card_digest::{DIGEST_WINDOW_MS, DigestCard, digest_key};
use super::card_quota;
use super::enrich;
use super::pick::pick_waiting;
use super::step::{SenderCtx, SenderState, Step, Turn};
use crate::domain::alert::Alert;
use crate::domain::card_status::CardStatus;
use crate::domain::quota::QuotaLevel;
use crate::outbox::{CardNote, Lease, StoreError, WaitingAlert, operation_body};
use tracing::info;

/// Alerts looked at per step.
const PICK_LIMIT: usize = 300;
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

/// The card's status after `alert`, as far as the sender can tell from `current`; `None`
/// keeps the one it has. Comments and assignments change nothing; a repeat leaves a claimed
/// card claimed (`CardStatus::settle`, which the store applies again to the card as it is).
pub fn next_status(alert: &Alert, current: Option<&str>) -> Option<String> {
    CardStatus::settle(CardStatus::asked_by(alert), current).map(|s| s.as_str().to_string())
}

/// One decision of a card robot's sender (the lease is held and the robot not paused).
pub async fn step(
    ctx: &SenderCtx,
    state: &mut SenderState,
    turn: &mut Turn<'_>,
) -> Result<Step, StoreError> {
    let (outbox, name, now) = (ctx.deps.outbox.clone(), ctx.robot.name.as_str(), turn.now);
    let lease = &turn.lease().clone();
    let budget_free_at = state.limiter.next_free_at(now);
    // Held: operations wait; alerts still join their cards' pending operations.
    let (quota, held) = card_quota::level_and_hold(ctx, now).await?;
    if let Some(msg) = outbox.due_message(name, now).await?.filter(|_| !held) {
        if state.card_pace.next_call_at > now {
            return Ok(turn.wait(state.card_pace.next_call_at, false));
        }
        // New cards are new messages in the chat; so is all the fallback robot posts.
        let posts = quota == QuotaLevel::Spent || card_needs_budget(ctx, &msg).await?;
        if posts && budget_free_at > now {
            // A new card waits for the budget; updates behind it wait their turn.
            return Ok(turn.wait(budget_free_at, false));
        }
        send_card_operation(ctx, state, turn, msg, quota).await?;
        return Ok(Step::Worked);
    }
    let picked = pick_waiting(ctx, lease, PICK_LIMIT, now).await?;
    if picked.alerts.is_empty() {
        let due = outbox.next_due_at(name).await?.filter(|_| !held);
        return Ok(turn.idle(due));
    }
    let (digest_key, digest) = open_digest(ctx, now).await?;
    let in_digest = digest
        .as_ref()
        .map(|c| DigestCard::parse(&c.alert, ctx.renderer.lang()));
    let mut new_groups = Vec::new();
    // What storm mode counts as arrived (`storm_step::tell`): the alerts this step takes; the
    // others still wait, and are counted as waiting.
    let mut taken = |n: usize| state.storms.batched(now, n as i64);
    for (key, group) in group_by_card(picked.alerts) {
        if in_digest.as_ref().is_some_and(|d| d.holds(&key)) {
            // An issue of the open digest: its alerts update the digest card.
            taken(group.len());
            fold(
                ctx,
                lease,
                &digest_key,
                digest.as_ref(),
                vec![(key, group)],
                now,
            )
            .await?;
            return Ok(Step::Worked);
        }
        let card = outbox.card(name, &key).await?;
        if card.is_some() {
            taken(group.len());
            note(ctx, lease, &key, card.as_ref(), group, now).await?;
            return Ok(Step::Worked);
        }
        new_groups.push((key, group));
    }
    // Only new issues wait. Each gets a card of its own while the budget has room for all
    // of them; beyond that they are folded into one digest card, which itself needs one
    // create (kept for it) unless it exists already.
    let digest_waits = digest.as_ref().is_some_and(|c| !c.created);
    let budget = state
        .limiter
        .remaining(now)
        .saturating_sub(usize::from(digest_waits));
    let own = if new_groups.len() > budget && digest.is_none() {
        budget.saturating_sub(1)
    } else {
        budget
    };
    if own > 0 {
        let (key, group) = new_groups.swap_remove(0);
        taken(group.len());
        note(ctx, lease, &key, None, group, now).await?;
    } else {
        taken(new_groups.iter().map(|(_, g)| g.len()).sum());
        fold(ctx, lease, &digest_key, digest.as_ref(), new_groups, now).await?;
    }
    Ok(Step::Worked)
}

/// The robot's open digest card: the one of this window, or the one of the last window
/// while it is younger than a window (so a digest is not cut short at a boundary).
async fn open_digest(
    ctx: &SenderCtx,
    now: i64,
) -> Result<(String, Option<crate::outbox::CardRow>), StoreError> {
    let outbox = &ctx.deps.outbox;
    let name = ctx.robot.name.as_str();
    let current = digest_key(now);
    if let Some(card) = outbox.card(name, &current).await? {
        return Ok((current, Some(card)));
    }
    let last = digest_key(now - DIGEST_WINDOW_MS);
    if let Some(card) = outbox
        .card(name, &last)
        .await?
        .filter(|c| now - c.first_seen < DIGEST_WINDOW_MS)
    {
        return Ok((last, Some(card)));
    }
    Ok((current, None))
}

/// Notes the alerts of `groups` (new issues, or issues already folded) on the digest card
/// `key`, which lists them: one operation creates or updates it.
async fn fold(
    ctx: &SenderCtx,
    lease: &Lease,
    key: &str,
    card: Option<&crate::outbox::CardRow>,
    groups: Vec<(String, Vec<WaitingAlert>)>,
    now: i64,
) -> Result<(), StoreError> {
    let lang = ctx.renderer.lang();
    let mut digest = card.map_or_else(
        || DigestCard::empty(lang),
        |c| DigestCard::parse(&c.alert, lang),
    );
    let mut ids = Vec::new();
    for (issue_key, group) in groups {
        ids.extend(group.iter().map(|w| w.id));
        if let Some(newest) = group.into_iter().max_by_key(|w| w.id) {
            digest.fold(&issue_key, &newest.queued.alert, lang);
        }
    }
    let out_track_id = card.map_or_else(new_track_id, |c| c.out_track_id.clone());
    let alerts = ids.len();
    let note = CardNote {
        alert_ids: ids,
        card_key: key.to_string(),
        body: operation_body(&out_track_id, key),
        status: None,
        alert: serde_json::to_string(&digest).unwrap_or_default(),
        out_track_id,
        at: now,
    };
    info!(
        card_key = key,
        issues = digest.total,
        alerts,
        "more new issues than the budget allows: folded into the digest card"
    );
    ctx.deps.outbox.note_card_alerts(lease, &note).await?;
    Ok(())
}

async fn note(
    ctx: &SenderCtx,
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
    if let Some(api) = &ctx.deps.api {
        let mut one = vec![newest.alert.clone()];
        enrich::enrich_batch(api, &ctx.deps.metrics, &mut one).await;
        if let Some(a) = one.pop() {
            newest.alert = a;
        }
    }
    let out_track_id = card.map_or_else(new_track_id, |c| c.out_track_id.clone());
    let status = next_status(&newest.alert, card.map(|c| c.status.as_str()));
    let body = card_quota::operation_body_for(card, status.as_deref(), &out_track_id, key);
    let note = CardNote {
        alert_ids: ids,
        card_key: key.to_string(),
        body,
        // What the alert asks for; the store settles it against the card as it is then.
        status: CardStatus::asked_by(&newest.alert).map(|s| s.as_str().to_string()),
        alert: serde_json::to_string(&newest).unwrap_or_default(),
        out_track_id,
        at: now,
    };
    ctx.deps.outbox.note_card_alerts(lease, &note).await?;
    Ok(())
}

fn new_track_id() -> String {
    format!("sentry-dingtalk-{}", uuid::Uuid::new_v4().simple())
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
    use crate::domain::alert::{AlertKind, Metric};

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
