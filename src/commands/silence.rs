//! `sentry-dingtalk silence add|list|expire`: silences on the relay's store, beside a running
//! relay (it takes no lock): every sender reads the silences at each step, so one made here
//! holds from the next alert on, on every replica.

use crate::app::startup;
use crate::clock::now_ms;
use crate::commands::cli::{SilenceAddArgs, SilenceCommand};
use crate::commands::output;
use crate::config::Settings;
use crate::domain::until::Until;
use crate::silences::{self, SilenceError, SilenceRequest};

fn request(args: Box<SilenceAddArgs>) -> SilenceRequest {
    SilenceRequest {
        matchers: serde_json::to_value(args.matchers).unwrap_or_default(),
        until: Until::after(args.duration),
        comment: args.comment,
        created_by: Some(super::operator(args.created_by)),
    }
}

/// Stores the silence and prints its id; a refusal names the flag to fix.
async fn add(
    outbox: &crate::outbox::SharedOutbox,
    args: Box<SilenceAddArgs>,
    now: i64,
) -> anyhow::Result<()> {
    match silences::create(outbox, request(args), None, now).await {
        Ok(s) => output::line(s.id),
        Err(SilenceError::Invalid(e)) => {
            // The flags are named as the API's fields: `matchers.project` is `--project`.
            let flag = match e.field {
                "duration" => "--for".to_string(),
                "matchers" => "matchers (--project, --environment, --level, --issue, --title, --robot or --all)".to_string(),
                f => format!("--{}", f.trim_start_matches("matchers.")),
            };
            anyhow::bail!("{flag}: {}", e.message)
        }
        Err(SilenceError::Store(e)) => Err(e.into()),
    }
}

pub async fn run(cmd: SilenceCommand, settings: &Settings) -> anyhow::Result<()> {
    let outbox = startup::open_outbox(settings, startup::OutboxUse::Operator).await?;
    let now = now_ms();
    match cmd {
        SilenceCommand::Add(args) => {
            // This command's configuration may not be the relay's: a robot it does not know
            // is said, not refused.
            if let Err(e) = silences::known_robot(&args.matchers, &settings.robot_names()) {
                eprintln!(
                    "warning: --robot: {} in this command's configuration",
                    e.message
                );
            }
            add(&outbox, args, now).await?
        }
        SilenceCommand::List { json } => {
            let all = silences::list(&outbox, now).await?;
            if json {
                let json: Vec<_> = all.iter().map(|s| silences::to_json(s, now)).collect();
                output::line(serde_json::to_string_pretty(&json)?)?;
            } else if all.is_empty() {
                output::line("no silences")?;
            } else {
                for s in &all {
                    output::line(silences::to_line(s, now))?;
                }
            }
        }
        SilenceCommand::Expire { id } => match outbox.end_silence(id, now).await? {
            Some(s) if s.ends_at < now => output::line(format_args!(
                "silence #{} had already ended at {}; nothing changed",
                s.id,
                crate::silences::rfc3339(s.ends_at)
            ))?,
            Some(s) if s.held == 0 => output::line(format_args!(
                "silence #{} ended; it held nothing, so no summary is sent",
                s.id
            ))?,
            Some(s) => output::line(format_args!(
                "silence #{} ended; what it held ({}) is summarized by the running relay",
                s.id, s.held
            ))?,
            None => anyhow::bail!("there is no silence #{id} (see `silence list`)"),
        },
    }
    Ok(())
}
