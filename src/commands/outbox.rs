//! `sentry-dingtalk outbox list|retry|stats`: the queue as an operator sees it. Works beside a
//! running relay (it takes no lock).

use crate::app::startup;
use crate::clock::now_ms;
use crate::commands::cli::OutboxCommand;
use crate::config::Settings;
use crate::outbox::{MessageState, SharedOutbox};

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
    }
    Ok(())
}

pub async fn print_stats(outbox: &SharedOutbox) -> anyhow::Result<()> {
    for s in outbox.stats().await? {
        println!("{:<8} {:<16} {}", s.state, s.robot, s.count);
    }
    Ok(())
}
