//! Storms, the step a sender takes before it builds batches or cards: when more alerts
//! arrive in about a minute (those waiting, and those its last minute's batches took) than a
//! minute of its budget shows as readable batches (`storm_threshold`), the robot is in a storm — its
//! alerts are held under the storm (`quiet_step::hold_picked`, except fatal alerts and those
//! of `storm_exempt` routes, which still get their own messages) and told in ONE summary per
//! `storm_interval`: the first at once, then updates while alerts keep coming, then the end
//! once the robot was quiet for `storm_quiet`.
//!
//! Each summary is made in one transaction with the alerts it takes and the storm's note of
//! it (`StormStore::storm_message`), so across `kill -9` or a hand-over each comes once; the
//! messages then go through the budget like any other. A card robot tells the storm on ONE
//! card, updated in place by each summary, instead of a digest card per minute.

use super::card_summary;
use super::step::{SenderCtx, StormState, Turn};
use crate::domain::card_status::CardStatus;
use crate::domain::storm::{Storm, StormTally};
use crate::outbox::{HeldPage, NewMessage, StoreError, StormMessage};
use crate::render::Envelope;
use crate::render::storm::{StormReport, StormSummary};
use tracing::{error, info};

/// Storms are looked at this often.
const STORM_CHECK_MS: i64 = 1_000;
/// Storm alerts read per page while a summary is made: a page of whole alerts (stacks and
/// all) costs memory, and with 2,000 a page the sender reached 200 MB in a 10,000-alert storm.
const PAGE: usize = 250;
/// Alerts held under the storm per check, at most (in pages of `PAGE`).
const HOLD_PER_CHECK: usize = 2_000;
/// Issues remembered as the top of a summary, to tell which climbed by the next.
const TOP: usize = 10;

/// The robot's open storm, read at every step (another replica may have opened or ended it),
/// also when storm mode is off for the robot: one a reload turned off mid-storm still holds
/// alerts until `tell` ends it.
pub async fn current(ctx: &SenderCtx) -> Result<Option<Storm>, StoreError> {
    ctx.deps.outbox.current_storm(&ctx.robot.name).await
}

fn threshold(ctx: &SenderCtx) -> Option<u32> {
    ctx.robot.storm.threshold_for(ctx.robot.rate_per_minute)
}

/// Starts a storm (looked for at every step), or makes its next summary when it is time
/// (looked at every `STORM_CHECK_MS`); true when it did either (the turn is used).
pub async fn tell(
    ctx: &SenderCtx,
    storms: &mut StormState,
    turn: &Turn<'_>,
) -> Result<bool, StoreError> {
    let now = turn.now;
    let outbox = &ctx.deps.outbox;
    let robot = ctx.robot.name.as_str();
    let threshold = threshold(ctx);
    // Looked for at every step: a storm's first alerts must not go out as batches that spend
    // the budget its first summary needs.
    let Some(storm) = &ctx.storm else {
        let Some(threshold) = threshold else {
            return Ok(false);
        };
        // About a minute's arrivals: what waits, and what the last minute's batches took.
        let arrived = outbox.waiting_count(robot).await? + storms.batched_in_last_minute(now);
        if arrived <= i64::from(threshold) {
            return Ok(false);
        }
        let waiting = arrived;
        let storm = outbox.open_storm(turn.lease(), now).await?;
        ctx.deps.metrics.storms.with_label_values(&[robot]).inc();
        info!(
            storm = storm.id,
            waiting, threshold, "alert storm: summaries instead of batches"
        );
        return Ok(true);
    };
    if threshold.is_none() {
        // Storm mode was turned off (a reload, or a replica configured so) during the storm:
        // it ends now, its summary taking what it holds; what waits goes out as usual.
        let key = storm.hold_key();
        let fresh = super::held_alerts::held_ids(ctx, &key, PAGE, drop).await?;
        info!(storm = storm.id, "storm mode is off: ending the storm");
        summarize(ctx, turn, storm, StormSummary::End, &fresh).await?;
        return Ok(true);
    }
    if !storms.looked.due(now, STORM_CHECK_MS) {
        return Ok(false);
    }
    // What waits now is held under the storm first, so the summary counts it.
    let waiting = usize::try_from(outbox.waiting_count(robot).await?).unwrap_or(0);
    for _ in 0..waiting.min(HOLD_PER_CHECK).div_ceil(PAGE) {
        super::pick::pick_waiting(ctx, turn.lease(), PAGE, now).await?;
    }
    let key = storm.hold_key();
    let newest = outbox.storm_newest(&key).await?.unwrap_or(storm.started_at);
    let quiet_ms = ctx.robot.storm.quiet.as_millis() as i64;
    let interval_ms = ctx.robot.storm.interval.as_millis() as i64;
    // Never two summaries within an interval, the end included.
    if storm.last_message_at.is_some_and(|t| now - t < interval_ms) {
        return Ok(false);
    }
    let summary = if now - newest >= quiet_ms && outbox.waiting_count(robot).await? == 0 {
        StormSummary::End
    } else if storm.last_message_at.is_none() {
        StormSummary::First
    } else {
        StormSummary::Update
    };
    // The storm's alerts not yet in a summary.
    let fresh = super::held_alerts::held_ids(ctx, &key, PAGE, drop).await?;
    if fresh.is_empty() && summary == StormSummary::Update {
        return Ok(false);
    }
    summarize(ctx, turn, storm, summary, &fresh).await?;
    Ok(true)
}

/// Every alert of the storm so far, added up.
pub async fn tally(
    outbox: &crate::outbox::SharedOutbox,
    storm: &Storm,
) -> Result<StormTally, StoreError> {
    let key = storm.hold_key();
    let (mut tally, mut after) = (StormTally::default(), 0);
    loop {
        let page = HeldPage {
            robot: &storm.robot,
            hold: &key,
            after,
            limit: PAGE,
        };
        let page = outbox.storm_alerts(page).await?;
        let read = page.alerts.len() + page.unreadable.len();
        after = page
            .alerts
            .iter()
            .map(|w| w.id)
            .chain(page.unreadable.iter().map(|u| u.id))
            .max()
            .unwrap_or(after);
        tally.add(
            storm.started_at,
            page.alerts
                .into_iter()
                .map(|w| (w.received_at, w.queued.alert)),
        );
        if read < PAGE {
            return Ok(tally);
        }
    }
}

async fn summarize(
    ctx: &SenderCtx,
    turn: &Turn<'_>,
    storm: &Storm,
    summary: StormSummary,
    fresh: &[i64],
) -> Result<(), StoreError> {
    let now = turn.now;
    let mut tally = tally(&ctx.deps.outbox, storm).await?;
    if summary == StormSummary::End
        && let Some(api) = &ctx.deps.api
    {
        super::enrich::settle_storm_issues(api, &ctx.deps.metrics, &mut tally).await;
    }
    let page = ctx.deps.signer.as_ref().map(|s| s.storm_url(storm.id, now));
    let report = StormReport {
        storm,
        summary,
        tally: &tally,
        fresh: fresh.len(),
        now,
        page: page.as_deref(),
    };
    let env = Envelope {
        keyword: ctx.robot.keyword.clone(),
        msg_uuid: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    let message = match ctx.renderer.render_storm(&report, &env) {
        Ok(m) => m,
        Err(e) => {
            error!(error = %e, "rendering the storm summary failed; sending a plain one");
            let mut plain =
                crate::domain::alert::Alert::new(crate::domain::alert::AlertKind::Issue, "storm");
            plain.title = format!(
                "🌪️ #{}: {} alerts, {} issues",
                storm.id,
                tally.alerts,
                tally.issues.len()
            );
            crate::render::plain_fallback(&plain, &env, ctx.renderer.lang())
        }
    };
    let body = message.to_json();
    let top = tally.top(TOP);
    let end = summary == StormSummary::End;
    let chat_message = if ctx.robot.card.is_some() {
        // One storm card, updated in place by each summary; it takes the fresh alerts. Its
        // note and the storm's are two transactions: a crash between them makes the next
        // step tell the same summary again, which updates the same card — nothing new in
        // the chat.
        let facts = card_summary::SummaryFacts {
            status: if end {
                CardStatus::Resolved
            } else {
                CardStatus::Firing
            },
            total: tally.alerts,
        };
        let key = card_summary::summary_key(&storm.hold_key(), 0);
        card_summary::note(ctx, turn.lease(), key, fresh, &message, facts, now).await?;
        None
    } else {
        Some(NewMessage {
            body: &body,
            msg_uuid: &message.msg_uuid,
            now,
        })
    };
    let m = StormMessage {
        storm: storm.id,
        alert_ids: if chat_message.is_some() { fresh } else { &[] },
        message: chat_message,
        now,
        top: &top,
        end,
    };
    let id = ctx.deps.outbox.storm_message(turn.lease(), m).await?;
    info!(storm = storm.id, summary = ?summary, alerts = tally.alerts, fresh = fresh.len(), delivery_id = id, "storm summary queued");
    Ok(())
}
