//! Escalation, the step every sender takes beside its deliveries: the ladders its robot runs
//! (`escalation` on a route; this robot is the route's runner) whose next step is due are
//! climbed one rung each — a follow-up that @-mentions whoever the step reaches, the alert in
//! another group, or a DING — unless someone acted (the store ended the ladder), a silence now
//! holds the issue (that is acting too), or a mute window holds it (the step waits).
//!
//! A rung is taken in ONE fenced transaction that moves the ladder from the step it was read
//! at, queues the step's message and writes its trace note: a crash before it leaves the step
//! due, after it the step is taken, so no replica or restart takes it twice. A DING is an
//! HTTP call, not a message: it goes after that commit, so it is sent at most once (a crash in
//! between loses that one DING, and the trace says it was due).

use super::ding_step::ding;
use super::escalate_reach::reach;
use super::quiet_step::silences_ending_after;
use super::step::{SenderCtx, Turn};
use crate::domain::escalation::{Escalation, EscalationStep, Reach};
use crate::domain::mention::Mentions;
use crate::domain::silence::{Matcher, Silence};
use crate::live::ActiveConfig;
use crate::outbox::{
    DueLadders, LadderMove, LadderRow, LadderStep, NewMessage, QueuedAlert, QueuedMessage,
    StoreError,
};
use crate::render::Envelope;
use crate::render::escalation::{EscalationNotice, waited};
use tracing::{Instrument, info, info_span};

/// Due ladders are looked for this often (the worker's `SenderState::ladders`).
pub const LADDER_CHECK_MS: i64 = 1_000;
/// Ladders climbed per look, at most; the rest wait for the next.
const LADDERS_PER_LOOK: usize = 20;
/// A ladder a mute window holds is looked at again after this long.
const MUTED_RECHECK_MS: i64 = 60_000;
/// A ladder whose alert may not have reached the group yet is looked at again after this long.
const UNDELIVERED_RECHECK_MS: i64 = 2_000;
/// How long a ladder waits for its alert to reach the group at most: a group that cannot be
/// reached (a deleted robot) must not keep the DING and the other groups from hearing.
const UNDELIVERED_WAIT_MS: i64 = 10 * 60_000;

/// Climbs the ladders of this robot that are due; true when it moved any (the turn is used).
pub async fn climb(ctx: &SenderCtx, turn: &Turn<'_>) -> Result<bool, StoreError> {
    let now = turn.now;
    let due = ctx
        .deps
        .outbox
        .due_ladders(DueLadders {
            robot: &ctx.robot.name,
            now,
            limit: LADDERS_PER_LOOK,
        })
        .await?;
    if due.is_empty() {
        return Ok(false);
    }
    // Read after the ladders: a silence made before a step came due stops it, and a reload
    // answered before (a route that no longer escalates, a new mute window, other people)
    // counts, though this step began with the settings before it. Silences that ended since
    // the oldest ladder began count too: one that held the issue (its alert went into the
    // silence's summary) was someone acting, though it ended before the step came due.
    let oldest = due.iter().map(|l| l.started_at).min();
    let silences = silences_ending_after(ctx, oldest, now).await?;
    // Once per look: nothing is delivered while this sender climbs.
    let undelivered = ctx.deps.outbox.oldest_undelivered(&ctx.robot.name).await?;
    let active = ctx.live.get();
    let mut moved = false;
    for ladder in &due {
        let span = info_span!("escalate", route = %ladder.route, issue = %ladder.issue, step = ladder.step);
        moved |= climb_one(ctx, turn, &active, &silences, undelivered, ladder)
            .instrument(span)
            .await?;
    }
    Ok(moved)
}

async fn climb_one(
    ctx: &SenderCtx,
    turn: &Turn<'_>,
    active: &ActiveConfig,
    silences: &[(Silence, Matcher)],
    undelivered: Option<i64>,
    ladder: &LadderRow,
) -> Result<bool, StoreError> {
    let now = turn.now;
    let settings = &active.settings;
    let end = |note: &'static str| LadderMove::End { note, acted: false };
    let Ok(queued) = serde_json::from_str::<QueuedAlert>(&ladder.alert) else {
        return move_ladder(ctx, turn, ladder, end("ended: its alert cannot be read")).await;
    };
    let ladder_config = settings
        .routes
        .iter()
        .find(|r| r.name == ladder.route)
        .and_then(|r| r.escalation.clone());
    let Some(config) = ladder_config else {
        return move_ladder(
            ctx,
            turn,
            ladder,
            end("ended: the route no longer escalates"),
        )
        .await;
    };
    let alert = &queued.alert;
    if let Some((silence, _)) = silences
        .iter()
        .find(|(s, m)| s.ends_at > ladder.started_at && m.matches(alert, &ctx.robot.name))
    {
        let note = format!("stopped: silenced by #{}", silence.id);
        let how = LadderMove::End {
            note: &note,
            acted: true,
        };
        return move_ladder(ctx, turn, ladder, how).await;
    }
    if settings.muted_by(&queued.mute, alert, now).is_some() {
        let how = LadderMove::Postpone {
            at: now + MUTED_RECHECK_MS,
        };
        return move_ladder(ctx, turn, ladder, how).await;
    }
    // "Nobody acted for N min" before the group saw the alert (it waited out the group
    // window, or DingTalk failed and it is retried): wait while an alert of the runner's as
    // old as the ladder's is not delivered.
    if undelivered.is_some_and(|at| at <= ladder.started_at)
        && now < ladder.started_at.saturating_add(UNDELIVERED_WAIT_MS)
    {
        let how = LadderMove::Postpone {
            at: now + UNDELIVERED_RECHECK_MS,
        };
        return move_ladder(ctx, turn, ladder, how).await;
    }
    let index = usize::try_from(ladder.step).unwrap_or(usize::MAX);
    let Some(step) = config.steps.get(index) else {
        return move_ladder(ctx, turn, ladder, end("ended: no step left")).await;
    };
    let rung = Rung {
        active,
        ladder,
        config: &config,
        step,
        queued: &queued,
    };
    take(ctx, turn, rung).await
}

/// The step a ladder takes now, and what it is taken for.
struct Rung<'a> {
    /// The settings the step is taken by (read after the due ladders).
    active: &'a ActiveConfig,
    ladder: &'a LadderRow,
    config: &'a Escalation,
    step: &'a EscalationStep,
    queued: &'a QueuedAlert,
}

/// Takes `step` of `ladder`: builds what it posts, moves the ladder with it, then (for a DING)
/// calls DingTalk.
async fn take(ctx: &SenderCtx, turn: &Turn<'_>, rung: Rung<'_>) -> Result<bool, StoreError> {
    let (ladder, config, step, queued) = (rung.ladder, rung.config, rung.step, rung.queued);
    let (settings, renderer) = (&rung.active.settings, &rung.active.renderer);
    let now = turn.now;
    let index = usize::try_from(ladder.step).unwrap_or(usize::MAX);
    let next_at = (index + 1 < config.steps.len()).then_some(now + config.after_ms);
    let waited_ms = now - ladder.started_at;
    let after = waited(waited_ms);
    // The copy in another group names who is on call as the step runs.
    let needs_rota = matches!(
        step,
        EscalationStep::Mention(Reach::Oncall(_))
            | EscalationStep::Ding(Reach::Oncall(_))
            | EscalationStep::Robot(_)
    );
    let overrides = if needs_rota {
        crate::oncall::overrides(&ctx.deps.outbox, now).await?
    } else {
        Vec::new()
    };
    // Who is on call at the read, not at the step's `now`: an override made while the step
    // ran starts after `now`, and is who the step must reach.
    let reach_at = crate::clock::now_ms().max(now);
    let alert = &queued.alert;
    let msg_uuid = uuid::Uuid::new_v4().to_string();
    let (note, body, to) = match step {
        EscalationStep::Mention(r) => {
            let reached = reach(settings, r, &overrides, reach_at);
            let names = reached.names();
            let notice = EscalationNotice {
                alert,
                waited_ms,
                people: &names,
                rota: reached.rota,
            };
            let env = Envelope {
                at: reached.mentions(matches!(r, Reach::All)),
                keyword: ctx.robot.keyword.clone(),
                msg_uuid: msg_uuid.clone(),
                buttons: Vec::new(),
            };
            let body = renderer.render_escalation(&notice, &env).to_json();
            let whom = match r {
                Reach::All => format!("everyone in the group of robot {}", ctx.robot.name),
                _ => reached.described(),
            };
            (
                format!("escalated to {whom} after {after}"),
                Some(body),
                ctx.robot.name.clone(),
            )
        }
        EscalationStep::Robot(name) => {
            let Some(target) = settings.robot(name).filter(|r| r.card.is_none()) else {
                let note = format!("step {step} skipped: no custom robot {name} is configured");
                let how = LadderMove::Took {
                    note: &note,
                    message: None,
                    next_at,
                };
                return move_ladder(ctx, turn, ladder, how).await;
            };
            // The copy names who is on call as the step runs (an override since the alert
            // came counts), not who was when the alert was stored.
            let mut copy = alert.clone();
            let rotas = settings
                .routes
                .iter()
                .find(|r| r.name == ladder.route)
                .map(|r| r.mention.oncall.clone())
                .unwrap_or_default();
            if !copy.oncall.is_empty() && !rotas.is_empty() {
                let people = crate::oncall::people_on_call(settings, &rotas, &overrides, reach_at);
                copy.oncall = people.iter().map(|p| p.shown().to_owned()).collect();
            }
            let notice = EscalationNotice {
                alert: &copy,
                waited_ms,
                people: &[],
                rota: None,
            };
            let env = Envelope {
                at: Mentions::default(),
                keyword: target.keyword.clone(),
                msg_uuid: msg_uuid.clone(),
                buttons: Vec::new(),
            };
            let body = renderer
                .render_escalated_alert(&notice, &ctx.robot.name, &env)
                .to_json();
            (
                format!("escalated to robot {name} after {after}"),
                Some(body),
                name.clone(),
            )
        }
        EscalationStep::Ding(r) => {
            let reached = reach(settings, r, &overrides, reach_at);
            let note = format!(
                "DING ({}) to {} after {after}",
                config.ding_type.as_str(),
                reached.described()
            );
            let how = LadderMove::Took {
                note: &note,
                message: None,
                next_at,
            };
            if !move_ladder(ctx, turn, ladder, how).await? {
                return Ok(false);
            }
            count(ctx, ladder, step);
            let content = renderer.ding_content(alert, waited_ms);
            ding(ctx, settings, ladder, config, &reached, &content).await?;
            return Ok(true);
        }
    };
    let message = body.as_deref().map(|body| QueuedMessage {
        robot: &to,
        message: NewMessage {
            body,
            msg_uuid: &msg_uuid,
            now,
        },
    });
    let how = LadderMove::Took {
        note: &note,
        message,
        next_at,
    };
    let moved = move_ladder(ctx, turn, ladder, how).await?;
    if moved {
        count(ctx, ladder, step);
        info!(step = %step, to = %to, "escalated");
    }
    Ok(moved)
}

fn count(ctx: &SenderCtx, ladder: &LadderRow, step: &EscalationStep) {
    ctx.deps
        .metrics
        .escalations
        .with_label_values(&[ladder.route.as_str(), step.kind()])
        .inc();
}

async fn move_ladder(
    ctx: &SenderCtx,
    turn: &Turn<'_>,
    ladder: &LadderRow,
    how: LadderMove<'_>,
) -> Result<bool, StoreError> {
    let moved = ctx
        .deps
        .outbox
        .move_ladder(LadderStep {
            lease: turn.lease(),
            ladder,
            how,
            now: turn.now,
        })
        .await?;
    if !moved {
        info!("the ladder moved on meanwhile (someone acted, or another sender took the step)");
    }
    Ok(moved)
}
