//! What a step builds from: the robot's waiting alerts, with the unreadable ones set aside as
//! dead and those a silence or mute window holds set aside as held, so the markdown and card
//! steps only ever see alerts they may post.

use super::quiet_step::hold_picked;
use super::step::SenderCtx;
use crate::domain::tally::TallyKind;
use crate::outbox::{Lease, SetAside, StoreError, WaitingAlerts};
use tracing::error;

/// Waiting alerts of the robot, at most `limit`: unreadable ones set aside as dead first
/// (counted in `alerts_set_aside_total`), so one bad row never blocks the robot, and held ones
/// taken out (`quiet_step::hold_picked`).
pub async fn pick_waiting(
    ctx: &SenderCtx,
    lease: &Lease,
    limit: usize,
    now: i64,
) -> Result<WaitingAlerts, StoreError> {
    let outbox = &ctx.deps.outbox;
    let name = ctx.robot.name.as_str();
    let mut picked = outbox.waiting_alerts(name, limit).await?;
    for bad in &picked.unreadable {
        error!(alert_id = bad.id, reason = %bad.reason, "unreadable outbox row set aside as dead");
        outbox
            .set_aside_alert(SetAside {
                lease,
                alert: bad,
                now,
            })
            .await?;
        ctx.deps.metrics.set_aside.with_label_values(&[name]).inc();
        ctx.deps.metrics.tally(name, TallyKind::Dead, 1);
    }
    hold_picked(ctx, lease, &mut picked.alerts, now).await?;
    Ok(picked)
}
