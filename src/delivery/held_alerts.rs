//! What a hold holds, read back page by page: the ids of every alert it holds, for the one
//! message that takes them (a storm's summary, an ended hold's summary), and for an ended
//! hold's summary its issues by count.

use super::step::SenderCtx;
use crate::outbox::{HeldPage, StoreError, WaitingAlert};
use crate::render::HeldIssue;
use std::collections::HashMap;

/// Every alert `key` holds for the robot, read `page_size` at a time: their ids, an unreadable
/// row's among them (it is taken as counted but not listed), and each readable alert handed to
/// `each` as it is read, so a page is let go before the next is read.
pub async fn held_ids(
    ctx: &SenderCtx,
    key: &str,
    page_size: usize,
    mut each: impl FnMut(WaitingAlert),
) -> Result<Vec<i64>, StoreError> {
    let (mut ids, mut after) = (Vec::new(), 0);
    loop {
        let page = HeldPage {
            robot: &ctx.robot.name,
            hold: key,
            after,
            limit: page_size,
        };
        let page = ctx.deps.outbox.held_alerts(page).await?;
        let before = ids.len();
        ids.extend(page.unreadable.iter().map(|u| u.id));
        for w in page.alerts {
            ids.push(w.id);
            each(w);
        }
        if ids.len() - before < page_size {
            return Ok(ids);
        }
        after = ids.iter().copied().max().unwrap_or(after);
    }
}

/// What an ended hold's summary tells: every alert the hold took, its issues by count (most
/// first), and when the first came (a mute window's stretch is the one that held it).
pub struct HeldSummary {
    pub ids: Vec<i64>,
    pub issues: Vec<HeldIssue>,
    pub first: i64,
}

/// Every alert `key` holds for the robot, read `page_size` at a time, as a summary tells it.
pub async fn summary(
    ctx: &SenderCtx,
    key: &str,
    page_size: usize,
) -> Result<HeldSummary, StoreError> {
    let mut issues: HashMap<String, (HeldIssue, i64)> = HashMap::new();
    let mut first = i64::MAX;
    let ids = held_ids(ctx, key, page_size, |w| {
        first = first.min(w.received_at);
        let a = w.queued.alert;
        let issue_key = a
            .issue_id
            .clone()
            .or_else(|| a.short_id.clone())
            .unwrap_or_else(|| format!("{}:{}", a.kind.as_str(), a.title));
        let entry = issues.entry(issue_key).or_insert_with(|| {
            (
                HeldIssue {
                    latest: a.clone().for_listing(),
                    count: 0,
                },
                w.id,
            )
        });
        entry.0.count += 1;
        if w.id >= entry.1 {
            let mut latest = a.for_listing();
            latest.fill_listing_from(&entry.0.latest);
            (entry.0.latest, entry.1) = (latest, w.id);
        } else {
            entry.0.latest.fill_listing_from(&a);
        }
    })
    .await?;
    let mut issues: Vec<(HeldIssue, i64)> = issues.into_values().collect();
    issues.sort_by(|a, b| b.0.count.cmp(&a.0.count).then(b.1.cmp(&a.1)));
    Ok(HeldSummary {
        ids,
        issues: issues.into_iter().map(|(i, _)| i).collect(),
        first,
    })
}
