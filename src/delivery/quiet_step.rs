//! Quiet on purpose, the step every sender takes before it builds anything: alerts an active
//! silence or mute window holds are set aside (held: stored, traced, counted, never posted),
//! and a hold that ended — a silence expired or ended, a window closed or removed by a reload
//! — is told in ONE summary message, made in the transaction that takes its alerts, so it
//! comes once even across `kill -9` or a hand-over to another replica.

use super::card_summary;
use super::held_alerts;
use super::step::{SenderCtx, Turn};
use crate::clock::now_ms;
use crate::domain::alert::{Alert, AlertKind};
use crate::domain::mention::Mentions;
use crate::domain::silence::{Hold, Matcher, Silence};
use crate::domain::tally::TallyKind;
use crate::live::ActiveConfig;
use crate::outbox::{Lease, MessageAsk, NewMessage, StoreError, WaitingAlert};
use crate::render::{Envelope, HeldBy, HoldSummary};
use std::collections::BTreeMap;
use std::sync::Arc;
use tracing::{error, info, warn};

/// Ended holds are looked for this often (the worker's `SenderState::quiet`).
pub const SUMMARY_CHECK_MS: i64 = 1_000;
/// Held alerts read per page while a summary is made.
const SUMMARY_PAGE: usize = 2_000;

/// The silences active at `now`, oldest first, with their compiled matchers. Read where they
/// are used, after what they are tested on was read (picked alerts, due ladders): a silence
/// made on any replica (or by the `silence` command) before an alert was stored then always
/// holds it, even when the step that picks the alert began before the silence existed. A
/// silence of a short id also holds the numeric id the relay has seen it under (the
/// webhooks' records, as `outbox trace` finds them): event alerts and errors carry only that.
///
/// With `stored_since`, also those that ended after it: an alert stored while a silence was
/// active is held by it even when it is picked after the silence ended (it waited out a group
/// window, a budget, a restart).
pub async fn silences_ending_after(
    ctx: &SenderCtx,
    stored_since: Option<i64>,
    now: i64,
) -> Result<Vec<(Silence, Matcher)>, StoreError> {
    let mut active: Vec<(Silence, Matcher)> = Vec::new();
    // Judged at the read, not at the step's `now`: a silence ended (or made) while the step
    // ran is as the store says. Made ones count whatever their start (it may be after `now`).
    let read_at = now_ms().max(now);
    let after = stored_since.map_or(read_at, |since| since.min(read_at));
    let silences = ctx.deps.outbox.silences(after.min(now)).await?;
    for silence in silences {
        if silence.ends_at <= after {
            continue;
        }
        match silence.matchers.compile() {
            Ok(m) => {
                let known = match m.short_issue_id() {
                    Some(short) => ctx.deps.outbox.trace(short, 1).await?,
                    None => Vec::new(),
                };
                let issue_id = known.into_iter().find_map(|r| r.webhook.issue_id);
                active.push((silence, m.known_as(issue_id)));
            }
            Err(e) => warn!(silence = silence.id, error = %e, "stored silence cannot be used"),
        }
    }
    active.sort_by_key(|(s, _)| s.id);
    Ok(active)
}

/// What holds alerts, read after the alerts it is tested on: the active silences, the
/// settings in force (a reload during the step may have added a mute window that an alert
/// stored after it names), and the time of that read, at which mute windows are judged (one
/// that ended while the step ran holds nothing stored after its end).
struct Holders {
    silences: Vec<(Silence, Matcher)>,
    active: Arc<ActiveConfig>,
    at: i64,
}

/// What holds `alert` now, if anything: the oldest matching silence, else a mute window of
/// the routes that sent it. A test notification is never held: someone asked for it.
fn hold_for(ctx: &SenderCtx, holders: &Holders, w: &WaitingAlert) -> Option<Hold> {
    let alert = &w.queued.alert;
    if alert.is_test_notification() {
        return None;
    }
    let robot = ctx.robot.name.as_str();
    // A silence holds what was stored before it ended (an active one: everything picked).
    let silence = holders
        .silences
        .iter()
        .find(|(s, m)| w.received_at < s.ends_at && m.matches(alert, robot));
    if let Some((s, _)) = silence {
        return Some(Hold::Silence(s.id));
    }
    if let Some(hold) = holders
        .active
        .settings
        .muted_by(&w.queued.mute, alert, holders.at)
        .map(Hold::MuteWindow)
    {
        return Some(hold);
    }
    // A storm holds all but the fatal alerts and those of `storm_exempt` routes: they still
    // get their own message, within the budget the storm's summaries leave.
    let exempt = alert.level == crate::domain::alert::Level::Fatal || w.queued.storm_exempt;
    ctx.storm
        .as_ref()
        .filter(|_| !exempt)
        .map(|s| Hold::Storm(s.id))
}

/// Holds the picked alerts that a silence, mute window or storm holds now, and takes them out
/// of `picked`: the steps build messages only from what is left. Run on every pick, so
/// nothing that arrives between a hold and a build slips through; the silences are read after
/// the pick, so none made before a picked alert was stored is missed.
pub async fn hold_picked(
    ctx: &SenderCtx,
    lease: &Lease,
    picked: &mut Vec<WaitingAlert>,
    now: i64,
) -> Result<(), StoreError> {
    if picked.is_empty() {
        return Ok(());
    }
    let robot = ctx.robot.name.as_str();
    let oldest = picked.iter().map(|w| w.received_at).min();
    let holders = Holders {
        silences: silences_ending_after(ctx, oldest, now).await?,
        active: ctx.live.get(),
        at: now_ms().max(now),
    };
    let silencing = holders.silences.iter().any(|(_, m)| m.concerns(robot));
    let muting = holders.active.settings.any_mute_active(holders.at);
    if !silencing && ctx.storm.is_none() && !muting {
        return Ok(());
    }
    let mut holds: BTreeMap<String, (Hold, Vec<i64>)> = BTreeMap::new();
    picked.retain(|w| match hold_for(ctx, &holders, w) {
        Some(hold) => {
            holds
                .entry(hold.key())
                .or_insert_with(|| (hold, Vec::new()))
                .1
                .push(w.id);
            false
        }
        None => true,
    });
    for (key, (hold, ids)) in holds {
        ctx.deps.outbox.hold_alerts(lease, &key, &ids).await?;
        let counter = match hold {
            Hold::Silence(_) => &ctx.deps.metrics.silenced,
            Hold::MuteWindow(_) => &ctx.deps.metrics.muted,
            Hold::Storm(_) => &ctx.deps.metrics.in_storms,
        };
        counter.with_label_values(&[robot]).inc_by(ids.len() as u64);
        if !matches!(hold, Hold::Storm(_)) {
            ctx.deps.metrics.tally(robot, TallyKind::Held, ids.len());
        }
        info!(hold = %hold.describe(), alerts = ids.len(), "alerts held back");
    }
    Ok(())
}

/// Whether `hold` still holds, and if not, what held the alerts.
async fn ended(ctx: &SenderCtx, hold: &Hold, now: i64) -> Result<Option<HeldBy>, StoreError> {
    match hold {
        Hold::Silence(id) => {
            // Its end only: a silence made on a replica whose clock is ahead starts "later".
            Ok(match ctx.deps.outbox.silence(*id).await? {
                Some(s) if s.ends_at > now => None,
                Some(s) => Some(HeldBy::Silence(s)),
                None => Some(HeldBy::Silence(Silence {
                    id: *id,
                    matchers: Default::default(),
                    starts_at: now,
                    ends_at: now,
                    comment: String::new(),
                    created_by: String::new(),
                    held: 0,
                })),
            })
        }
        // A storm's summaries take its alerts (`storm_step`).
        Hold::Storm(_) => Ok(None),
        Hold::MuteWindow(name) => {
            let settings = &ctx.active.settings;
            let holds = settings.mute_still_holds(&ctx.robot.name, name, now);
            Ok((!holds).then(|| HeldBy::MuteWindow {
                name: name.clone(),
                from: now,
                until: now,
            }))
        }
    }
}

/// Summarizes one ended hold if there is one; true when it made a summary message (the turn
/// is used).
pub async fn summarize_one_ended(ctx: &SenderCtx, turn: &Turn<'_>) -> Result<bool, StoreError> {
    let outbox = &ctx.deps.outbox;
    let robot = ctx.robot.name.as_str();
    for key in outbox.holds(robot).await? {
        let Some(hold) = Hold::parse(&key) else {
            error!(hold = %key, "unknown hold; summarizing what it held");
            continue;
        };
        let Some(mut held_by) = ended(ctx, &hold, turn.now).await? else {
            continue;
        };
        let held = held_alerts::summary(ctx, &key, SUMMARY_PAGE).await?;
        let ids = held.ids;
        if ids.is_empty() {
            continue;
        }
        // The window's own stretch (its end, or the reload that removed it), not the first
        // and last alert it held: "00:06:11 – 00:06:11 (1 s)" for an 11-minute window.
        if let HeldBy::MuteWindow { name, from, until } = &mut held_by {
            let window = ctx.active.settings.mute_window(name);
            (*from, *until) = match window.and_then(|w| w.span_at(held.first)) {
                Some((start, end)) => (start, end.min(turn.now)),
                None => (held.first, turn.now),
            };
        }
        let summary = HoldSummary {
            held_by,
            alerts: ids.len(),
            issues: held.issues,
        };
        let env = Envelope {
            at: Mentions::default(),
            keyword: ctx.robot.keyword.clone(),
            msg_uuid: uuid::Uuid::new_v4().to_string(),
            buttons: Vec::new(),
        };
        let message = match ctx.renderer.render_hold_summary(&summary, &env) {
            Ok(m) => m,
            Err(e) => {
                error!(error = %e, "rendering the hold summary failed; sending a plain one");
                crate::render::plain_fallback(&plain(&summary), &env, ctx.renderer.lang())
            }
        };
        if ctx.robot.card.is_some() {
            let card_key = card_summary::summary_key(&key, ids[0]);
            let facts = card_summary::SummaryFacts {
                status: crate::domain::card_status::CardStatus::Silenced,
                total: ids.len(),
            };
            card_summary::note(ctx, turn.lease(), card_key, &ids, &message, facts, turn.now)
                .await?;
            info!(hold = %hold.describe(), alerts = ids.len(), "hold ended; summary card queued");
            return Ok(true);
        }
        let body = message.to_json();
        let new = NewMessage {
            body: &body,
            msg_uuid: &message.msg_uuid,
            now: turn.now,
        };
        let ask = MessageAsk {
            lease: turn.lease(),
            alert_ids: &ids,
            message: new,
        };
        let id = outbox.create_message(ask).await?;
        info!(hold = %hold.describe(), alerts = ids.len(), delivery_id = id, "hold ended; summary queued");
        return Ok(true);
    }
    Ok(false)
}

/// The summary's facts as one plain alert, for a custom template that fails to render.
fn plain(summary: &HoldSummary) -> Alert {
    let what = match &summary.held_by {
        HeldBy::Silence(s) => format!("Silence #{} ended", s.id),
        HeldBy::MuteWindow { name, .. } => format!("Mute window {name} ended"),
    };
    let mut alert = Alert::new(AlertKind::Issue, "summary");
    alert.title = format!(
        "{what}: {} alerts of {} issues were held",
        summary.alerts,
        summary.issues.len()
    );
    alert
}
