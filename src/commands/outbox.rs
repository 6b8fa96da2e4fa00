//! `sentry-dingtalk outbox list|retry|stats|trace|backup`: the queue as an operator sees it.
//! Works beside a running relay (it takes no lock).

use crate::app::startup;
use crate::clock::now_ms;
use crate::commands::cli::OutboxCommand;
use crate::commands::output;
use crate::config::Settings;
use crate::delivery::housekeeping::KEEP_MS;
use crate::http::trace_view::fates;
use crate::outbox::{LadderNote, MessageState, RetryOutcome, SharedOutbox, TraceEntry};
use crate::render::time::{default_zone, local_ms};
use anyhow::Context;

pub async fn run(cmd: OutboxCommand, settings: &Settings) -> anyhow::Result<()> {
    if let OutboxCommand::Backup { file } = &cmd {
        return backup(settings, file);
    }
    let outbox = startup::open_outbox(settings, startup::OutboxUse::Operator).await?;
    match cmd {
        OutboxCommand::List { state, json, limit } => {
            let rows = outbox
                .list_messages(state.map(MessageState::from), limit)
                .await?;
            if json {
                output::line(serde_json::to_string_pretty(&rows)?)?;
            } else {
                let head = ["id", "state", "robot", "alerts", "attempts", "last error"];
                let mut table = vec![head.map(String::from)];
                table.extend(rows.into_iter().map(|r| {
                    [
                        r.id.to_string(),
                        r.state.to_string(),
                        r.robot,
                        r.alert_count.to_string(),
                        r.attempts.to_string(),
                        r.last_error.unwrap_or_default(),
                    ]
                }));
                for line in output::table(&table) {
                    output::line(line)?;
                }
            }
        }
        OutboxCommand::Retry { id: Some(id), .. } => {
            match outbox.retry_message(id, now_ms()).await? {
                RetryOutcome::Queued => output::line(format_args!("message {id} queued again"))?,
                RetryOutcome::AlreadySent => {
                    anyhow::bail!(
                        "message {id} was sent: only pending and dead messages can be retried"
                    )
                }
                RetryOutcome::NoSuchMessage => {
                    anyhow::bail!("there is no message {id} (see `outbox list`)")
                }
            }
        }
        OutboxCommand::Retry { id: None, .. } => {
            let n = outbox.retry_dead(now_ms()).await?;
            output::line(format_args!("{n} dead message(s) queued again"))?;
        }
        OutboxCommand::Stats { json } => {
            if json {
                output::line(serde_json::to_string_pretty(&outbox.stats().await?)?)?;
            } else {
                print_stats(&outbox).await?;
            }
        }
        OutboxCommand::Trace { issue, json, limit } => {
            let entries = outbox.trace(&issue, limit).await?;
            if json {
                output::line(serde_json::to_string_pretty(&entries)?)?;
            } else {
                print_trace(&issue, &entries, settings)?;
                print_ladder_notes(&outbox.ladder_notes(&issue).await?, settings)?;
            }
        }
        // Taken above, before the store is opened.
        OutboxCommand::Backup { .. } => {}
    }
    Ok(())
}

/// `outbox backup FILE`: SQLite only; PostgreSQL has its own tools.
fn backup(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        settings.database_url.is_none(),
        "outbox backup copies the SQLite outbox; with DATABASE_URL use pg_dump"
    );
    let bytes = crate::outbox::sqlite::backup(&settings.data_dir, file).with_context(|| {
        format!(
            "cannot back up {}",
            settings
                .data_dir
                .join(crate::outbox::sqlite::DB_FILE)
                .display()
        )
    })?;
    output::line(format_args!(
        "copied the outbox to {} ({bytes} bytes)",
        file.display()
    ))
}

fn print_trace(issue: &str, entries: &[TraceEntry], settings: &Settings) -> anyhow::Result<()> {
    if entries.is_empty() {
        return output::line(format_args!(
            "no webhook recorded for issue {issue} (records are kept {} days)",
            KEEP_MS / 86_400_000
        ));
    }
    let tz = settings.timezone.unwrap_or(default_zone(settings.lang));
    let at = |ms: i64| local_ms(ms, tz);
    let head = [
        "received",
        "resource.action",
        "outcome",
        "issue",
        "rule / request",
    ];
    let mut table = vec![head.map(String::from)];
    table.extend(entries.iter().map(|e| {
        let issue = match (&e.webhook.issue_id, &e.webhook.short_id) {
            (Some(id), Some(short)) => format!("{id} {short}"),
            (Some(id), None) => id.clone(),
            (None, Some(short)) => short.clone(),
            (None, None) => "-".into(),
        };
        [
            at(e.received_at),
            format!("{}.{}", e.webhook.resource, e.webhook.action),
            e.outcome.as_str().to_string(),
            issue,
            format!(
                "{} / {}",
                e.webhook.rule.as_deref().unwrap_or("-"),
                e.webhook.request_id.as_deref().unwrap_or("-")
            ),
        ]
    }));
    let mut lines = output::table(&table).into_iter();
    output::line(lines.next().unwrap_or_default())?;
    // Each webhook's row, then what became of it per robot.
    for (e, row) in entries.iter().zip(lines) {
        output::line(row)?;
        for fate in fates(e, &at) {
            output::line(format_args!("    → {fate}"))?;
        }
    }
    Ok(())
}

/// The issue's escalation, after its webhooks: `escalated to 张三 (on call for backend) after 15 min`.
fn print_ladder_notes(notes: &[LadderNote], settings: &Settings) -> anyhow::Result<()> {
    if notes.is_empty() {
        return Ok(());
    }
    let tz = settings.timezone.unwrap_or(default_zone(settings.lang));
    output::line("escalation:")?;
    for n in notes {
        output::line(format_args!(
            "    {}  route {}: {}",
            local_ms(n.at, tz),
            n.route,
            n.note
        ))?;
    }
    Ok(())
}

pub async fn print_stats(outbox: &SharedOutbox) -> anyhow::Result<()> {
    let rows: Vec<[String; 3]> = outbox
        .stats()
        .await?
        .into_iter()
        .map(|s| [s.state.to_string(), s.robot, s.count.to_string()])
        .collect();
    for line in output::table(&rows) {
        output::line(line)?;
    }
    Ok(())
}
