//! `sentry-dingtalk outbox list|retry|stats|trace`: the queue as an operator sees it. Works beside a
//! running relay (it takes no lock).

use crate::app::startup;
use crate::clock::now_ms;
use crate::commands::cli::OutboxCommand;
use crate::config::Settings;
use crate::delivery::housekeeping::KEEP_MS;
use crate::http::trace_view::fates;
use crate::outbox::{MessageState, SharedOutbox, TraceEntry};
use crate::render::time::{default_zone, local_ms};

pub async fn run(cmd: OutboxCommand, settings: &Settings) -> anyhow::Result<()> {
    let outbox = startup::open_outbox(settings, startup::OutboxUse::Operator).await?;
    match cmd {
        OutboxCommand::List { state, json, limit } => {
            let rows = outbox
                .list_messages(state.map(MessageState::from), limit)
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!(
                    "{:>6} {:<8} {:<12} {:>6} {:>8}  last error",
                    "id", "state", "robot", "alerts", "attempts"
                );
                for r in rows {
                    let err = r.last_error.unwrap_or_default();
                    println!(
                        "{:>6} {:<8} {:<12} {:>6} {:>8}  {err}",
                        r.id, r.state, r.robot, r.alert_count, r.attempts
                    );
                }
            }
        }
        OutboxCommand::Retry { id: Some(id), .. } => {
            anyhow::ensure!(
                outbox.retry_message(id, now_ms()).await?,
                "message {id} is not pending or dead"
            );
            println!("message {id} queued again");
        }
        OutboxCommand::Retry { id: None, .. } => {
            let n = outbox.retry_dead(now_ms()).await?;
            println!("{n} dead message(s) queued again")
        }
        OutboxCommand::Stats { json } => {
            if json {
                println!("{}", serde_json::to_string_pretty(&outbox.stats().await?)?);
            } else {
                print_stats(&outbox).await?;
            }
        }
        OutboxCommand::Trace { issue, json, limit } => {
            let entries = outbox.trace(&issue, limit).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
            } else {
                print_trace(&issue, &entries, settings);
            }
        }
    }
    Ok(())
}

fn print_trace(issue: &str, entries: &[TraceEntry], settings: &Settings) {
    if entries.is_empty() {
        println!(
            "no webhook recorded for issue {issue} (records are kept {} days)",
            KEEP_MS / 86_400_000
        );
        return;
    }
    let tz = settings.timezone.unwrap_or(default_zone(settings.lang));
    let at = |ms: i64| local_ms(ms, tz);
    println!(
        "{:<33}  {:<22}  {:<10}  {:<16}  rule / request",
        "received", "resource.action", "outcome", "issue"
    );
    for e in entries {
        let issue = match (&e.issue_id, &e.short_id) {
            (Some(id), Some(short)) => format!("{id} {short}"),
            (Some(id), None) => id.clone(),
            (None, Some(short)) => short.clone(),
            (None, None) => "-".into(),
        };
        println!(
            "{:<33}  {:<22}  {:<10}  {:<16}  {} / {}",
            at(e.received_at),
            format!("{}.{}", e.resource, e.action),
            e.outcome.as_str(),
            issue,
            e.rule.as_deref().unwrap_or("-"),
            e.request_id.as_deref().unwrap_or("-"),
        );
        for line in fates(e, &at) {
            println!("    → {line}");
        }
    }
}

pub async fn print_stats(outbox: &SharedOutbox) -> anyhow::Result<()> {
    for s in outbox.stats().await? {
        println!("{:<8} {:<16} {}", s.state, s.robot, s.count);
    }
    Ok(())
}
