//! The open-issues report (`digest`): the open issues seen within a window, read page by page from the Sentry API, one
//! message per robot, queued through the outbox like any alert.

use crate::clock::now_ms;
use crate::dingtalk::Message;
use crate::domain::alert::{Alert, AlertKind, Level};
use crate::domain::mention::Mentions;
use crate::live::ActiveConfig;
use crate::outbox::{NewMessage, SharedOutbox};
use crate::render::Envelope;
use crate::routing;
use crate::sentry::api::SentryApi;
use crate::sentry::api_event;
use anyhow::Context;
use std::collections::BTreeMap;

/// Paging stops here even if Sentry says there is more (100 issues a page).
const MAX_PAGES: usize = 50;

/// Unresolved issues, most events first, and whether paging stopped early.
pub async fn collect(
    api: &SentryApi,
    project: Option<&str>,
    since: &str,
) -> anyhow::Result<(Vec<Alert>, bool)> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut partial = false;
    for page_no in 0..MAX_PAGES {
        let page = match api
            .unresolved_issues(project, since, cursor.as_deref())
            .await
        {
            Ok(p) => p,
            Err(e) if page_no == 0 => return Err(e).context("listing issues"),
            Err(e) => {
                tracing::warn!(error = %e, page = page_no + 1, "issue list stopped; the digest is partial");
                partial = true;
                break;
            }
        };
        items.extend(page.items);
        if page.malformed_link {
            tracing::warn!(
                page = page_no + 1,
                "Sentry's Link header is missing or malformed; the digest is partial"
            );
            partial = true;
            break;
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
        partial = page_no + 1 == MAX_PAGES;
    }
    let mut alerts: Vec<Alert> = items.iter().map(alert_of).collect();
    let events = |a: &Alert| {
        a.count
            .as_deref()
            .and_then(|c| c.parse::<u64>().ok())
            .unwrap_or(0)
    };
    alerts.sort_by_key(|a| std::cmp::Reverse(events(a)));
    Ok((alerts, partial))
}

/// One issue of Sentry's list as the alert the digest lists and routes.
fn alert_of(issue: &serde_json::Value) -> Alert {
    let mut a = Alert::new(AlertKind::Issue, "unresolved");
    a.issue_id = issue.get("id").and_then(|v| v.as_str()).map(str::to_string);
    api_event::enrich(&mut a, Some(issue), None);
    // The issue's own level: routes with `min_level` judge it, the line shows it.
    let level = issue.get("level").and_then(|v| v.as_str());
    if let Some(level) = level.and_then(Level::parse) {
        a.level = level;
    }
    a
}

/// One message per robot, with every issue its routes take; and whether the list is partial.
pub async fn build(
    runtime: &ActiveConfig,
    api: &SentryApi,
    since: &str,
    project: Option<&str>,
) -> anyhow::Result<(Vec<(String, Message, usize)>, bool)> {
    let (issues, partial) = collect(api, project, since).await?;
    let mut per_robot: BTreeMap<String, (Vec<Alert>, Mentions)> = BTreeMap::new();
    for issue in &issues {
        for t in runtime.settings.route(issue) {
            let entry = per_robot.entry(t.robot).or_default();
            entry.0.push(issue.clone());
            routing::merge(&mut entry.1, &t.at);
        }
    }
    let mut out = Vec::new();
    for (robot, (list, at)) in per_robot {
        let keyword = runtime
            .settings
            .robot(&robot)
            .and_then(|r| r.keyword.clone());
        let env = Envelope {
            at,
            keyword,
            msg_uuid: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        let msg = runtime
            .renderer
            .render_open_issues(&list, since, project, partial, &env)?;
        out.push((robot, msg, list.len()));
    }
    Ok((out, partial))
}

/// Builds the digest and queues each robot's message in the outbox; returns the robots.
pub async fn queue(
    runtime: &ActiveConfig,
    api: &SentryApi,
    outbox: &SharedOutbox,
    since: &str,
    project: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    let (messages, _) = build(runtime, api, since, project).await?;
    let mut robots = Vec::new();
    for (robot, msg, count) in messages {
        let body = msg.to_json();
        let message = NewMessage {
            body: &body,
            msg_uuid: &msg.msg_uuid,
            now: now_ms(),
        };
        outbox.queue_message(&robot, message).await?;
        tracing::info!(robot = %robot, issues = count, "open-issue digest queued");
        robots.push(robot);
    }
    Ok(robots)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error issue is an error in the digest: a route's `min_level = "error"` takes it.
    #[test]
    fn an_issue_keeps_its_level() {
        let issue = serde_json::json!({"id": "42", "title": "Boom", "level": "error",
            "project": {"slug": "payments-api"}});
        assert_eq!(alert_of(&issue).level, Level::Error);
        let unknown = serde_json::json!({"id": "43", "title": "Boom", "level": "loud"});
        assert_eq!(alert_of(&unknown).level, Level::default());
    }
}
