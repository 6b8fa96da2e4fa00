//! `sentry-dingtalk digest`: the open-issues report now, printed (`--dry-run`) or queued and sent
//! (by a running relay, or by the command itself when none runs).

use crate::app::startup;
use crate::commands::cli::DigestArgs;
use crate::commands::queueing::Queueing;
use crate::config::report_schedule::valid_period;
use crate::config::{ConfigError, Settings};
use crate::live::Live;
use crate::report::open_issues::{build, queue};
use anyhow::bail;

pub async fn run(args: DigestArgs, settings: Settings) -> anyhow::Result<()> {
    if !valid_period(&args.since) {
        bail!(
            "--since {}: write a number and a unit m, h, d or w (e.g. 24h, 7d)",
            args.since
        );
    }
    // Missing settings are a configuration error (exit 2), named one at a time.
    let Some(api) = startup::sentry_api(&settings) else {
        let var = if settings.sentry_auth().is_none() {
            "SENTRY_API_TOKEN"
        } else {
            "SENTRY_ORG"
        };
        return Err(ConfigError::Missing { var }.into());
    };
    let live = Live::new(settings.clone())?;
    let runtime = live.get();
    if args.dry_run {
        let (messages, partial) =
            build(&runtime, &api, &args.since, args.project.as_deref()).await?;
        for (robot, msg, count) in &messages {
            eprintln!(
                "robot {robot}: {count} issue(s){}",
                if partial { " (partial)" } else { "" }
            );
            println!("{}", msg.to_json());
        }
        if messages.is_empty() {
            eprintln!("no unresolved issues seen in the last {}", args.since);
        }
        return Ok(());
    }
    // Beside a running relay on SQLite, it only queues: the relay sends.
    let store = Queueing::open(&settings).await?;
    let robots = queue(
        &runtime,
        &api,
        store.outbox(),
        &args.since,
        args.project.as_deref(),
    )
    .await?;
    eprintln!("open-issue digest queued for {} robot(s)", robots.len());
    store.finish(live).await
}
