//! The card robots' open-API calls this month, as `/metrics` and `/ui` show them: read from
//! the store at the moment of asking, so every replica shows the same numbers.

use super::AppState;
use crate::clock::now_ms;
use crate::domain::quota::month_of;
use crate::outbox::StoreError;

/// One card robot's month.
pub(super) struct CardQuota {
    pub robot: String,
    pub calls: i64,
    /// `api_calls_per_month`, when set.
    pub limit: Option<u64>,
}

impl CardQuota {
    /// "12 used, 9988 left of 10000", or "12 used (no limit)".
    pub fn shown(&self) -> String {
        match self.limit {
            Some(limit) => {
                let left = i64::try_from(limit).unwrap_or(i64::MAX) - self.calls;
                format!("{} used, {} left of {limit}", self.calls, left.max(0))
            }
            None => format!("{} used (no limit)", self.calls),
        }
    }
}

/// Every card robot of the settings in force, with its calls of the current month.
pub(super) async fn card_quotas(state: &AppState) -> Result<Vec<CardQuota>, StoreError> {
    let month = month_of(now_ms());
    let runtime = state.live.get();
    let mut out = Vec::new();
    for robot in &runtime.settings.robots {
        let Some(card) = &robot.card else { continue };
        let used = state.outbox.open_api_calls(&robot.name, &month).await?;
        out.push(CardQuota {
            robot: robot.name.clone(),
            calls: used.calls,
            limit: card.api_calls_per_month,
        });
    }
    Ok(out)
}

/// `sentry_dingtalk_open_api_calls{robot}` for every card robot and
/// `sentry_dingtalk_open_api_calls_quota{robot}` for those with a limit, in the text format.
pub(super) fn exposition(quotas: &[CardQuota]) -> String {
    let label = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    let mut out = String::from(
        "# HELP sentry_dingtalk_open_api_calls Open-API calls of a card robot this month (DingTalk's month, Asia/Shanghai), all replicas\n\
         # TYPE sentry_dingtalk_open_api_calls gauge\n",
    );
    for q in quotas {
        out.push_str(&format!(
            "sentry_dingtalk_open_api_calls{{robot=\"{}\"}} {}\n",
            label(&q.robot),
            q.calls
        ));
    }
    out.push_str(
        "# HELP sentry_dingtalk_open_api_calls_quota A card robot's api_calls_per_month\n\
         # TYPE sentry_dingtalk_open_api_calls_quota gauge\n",
    );
    for q in quotas {
        if let Some(limit) = q.limit {
            out.push_str(&format!(
                "sentry_dingtalk_open_api_calls_quota{{robot=\"{}\"}} {limit}\n",
                label(&q.robot)
            ));
        }
    }
    out
}
