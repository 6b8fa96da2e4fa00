//! A DING, the escalation step that is an HTTP call rather than a message: sent through the
//! route's `ding_robot` app after the ladder recorded the step, so at most once.

use super::escalate_reach::Reached;
use super::step::SenderCtx;
use crate::config::Settings;
use crate::dingtalk::openapi::Ding;
use crate::domain::escalation::Escalation;
use crate::outbox::{LadderLine, LadderRow, StoreError};
use tracing::{info, warn};

/// Sends the DING the ladder just recorded; a refusal is logged, counted and noted in the
/// trace, and the ladder goes on.
pub(super) async fn ding(
    ctx: &SenderCtx,
    settings: &Settings,
    ladder: &LadderRow,
    config: &Escalation,
    reached: &Reached<'_>,
    content: &str,
) -> Result<(), StoreError> {
    let now = crate::clock::now_ms();
    let app = config
        .ding_robot
        .as_deref()
        .and_then(|name| settings.robot(name))
        .and_then(|r| r.card.clone());
    let user_ids: Vec<String> = reached
        .people
        .iter()
        .filter_map(|p| p.dingtalk_user_id.clone())
        .collect();
    let failure = match app {
        None => Some("ding_robot is no longer a card robot".to_owned()),
        Some(_) if user_ids.is_empty() => Some("nobody to DING has a dingtalk_user_id".to_owned()),
        Some(card) => {
            let ding = Ding {
                robot_code: &card.robot_code,
                remind_type: config.ding_type.remind_type(),
                user_ids: &user_ids,
                content,
            };
            let tally = crate::dingtalk::openapi::CallTally::default();
            let sent = ctx.deps.open_api.send_ding(&card.app, &tally, &ding).await;
            // A DING is the ding robot's call, counted in its month like its cards.
            if let Some(name) = config.ding_robot.as_deref() {
                super::card_quota::count(ctx, name, &tally, now).await?;
            }
            match sent {
                Ok(id) => {
                    info!(open_ding_id = %id, "DING sent");
                    None
                }
                Err(outcome) => Some(outcome.to_string()),
            }
        }
    };
    if let Some(why) = failure {
        warn!(error = %why, "DING not sent; the ladder goes on");
        ctx.deps
            .metrics
            .ding_failures
            .with_label_values(&[ladder.route.as_str()])
            .inc();
        ctx.deps
            .outbox
            .note_ladder(LadderLine {
                ladder,
                note: &format!("DING not sent: {why}"),
                now,
            })
            .await?;
    }
    Ok(())
}
