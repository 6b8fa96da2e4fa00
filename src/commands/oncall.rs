//! `sentry-dingtalk oncall [--at T]`, `oncall override ROTA PERSON --for 8h`, `oncall end ID`:
//! the rotas of the configuration with the overrides of the relay's store (it takes no lock, so
//! it works beside a running relay; every replica sees an override at once).

use crate::app::startup;
use crate::clock::now_ms;
use crate::commands::cli::{OncallArgs, OncallCommand};
use crate::commands::output;
use crate::config::Settings;
use crate::domain::until::Until;
use crate::oncall::{self, OverrideRequest};

pub async fn run(args: OncallArgs, settings: &Settings) -> anyhow::Result<()> {
    let now = now_ms();
    let Some(command) = args.command else {
        return show(&args, settings, now).await;
    };
    let outbox = startup::open_outbox(settings, startup::OutboxUse::Operator).await?;
    match command {
        OncallCommand::Override {
            rota,
            person,
            duration,
            created_by,
        } => {
            let request = OverrideRequest {
                person,
                until: Until::after(duration),
                created_by: Some(super::operator(created_by)),
            };
            let new = request.check(settings, &rota, now).map_err(|e| {
                let flag = if e.field == "duration" {
                    "--for"
                } else {
                    e.field
                };
                anyhow::anyhow!("{flag}: {}", e.message)
            })?;
            output::line(outbox.add_override(new).await?.id)?;
        }
        OncallCommand::End { id } => match outbox.end_override(id, now).await? {
            // The store leaves an override that had ended as it was: its end is before now.
            Some(o) if o.ends_at < now => output::line(format_args!(
                "override #{} had already ended at {}; nothing changed",
                o.id,
                crate::silences::rfc3339(o.ends_at)
            ))?,
            Some(o) => output::line(format_args!(
                "override #{} ended: {} is no longer on call for {}",
                o.id, o.person, o.rota
            ))?,
            None => anyhow::bail!("there is no override #{id}"),
        },
    }
    Ok(())
}

/// Who is on call in each rota at `--at` (default now): the rotas, with the store's overrides
/// when a relay has made the store. Before the first `serve` there can be none, so the rotas
/// alone are shown (a new rota can be previewed before the relay runs).
async fn show(args: &OncallArgs, settings: &Settings, now: i64) -> anyhow::Result<()> {
    let at = match &args.at {
        None => now,
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|e| anyhow::anyhow!("--at: `{t}` is not an RFC 3339 time: {e}"))?
            .timestamp_millis(),
    };
    anyhow::ensure!(
        !settings.team.rotas.is_empty(),
        "no [[oncall]] rotas are configured"
    );
    let overrides = match startup::made_outbox(settings).await? {
        Some(outbox) => oncall::overrides(&outbox, at.min(now)).await?,
        None => Vec::new(),
    };
    let shifts = oncall::now(settings, &overrides, at);
    if args.json {
        let json: Vec<_> = shifts.iter().map(|(r, s)| oncall::to_json(r, s)).collect();
        output::line(serde_json::to_string_pretty(&json)?)
    } else {
        for (rota, shift) in &shifts {
            output::line(oncall::line(rota, shift))?;
        }
        Ok(())
    }
}
