//! `sentry-dingtalk digest`: the open-issues report now, printed (`--dry-run`) or queued and sent.

use crate::app::startup;
use crate::commands::cli::DigestArgs;
use crate::config::Settings;
use crate::config::report_schedule::valid_period;
use crate::delivery::engine::drain_all;
use crate::live::Live;
use crate::report::open_issues::{build, queue};
use anyhow::{Context, bail};
use std::time::Duration;

pub async fn run(args: DigestArgs, settings: Settings) -> anyhow::Result<()> {
    if !valid_period(&args.since) {
        bail!(
            "--since {}: write a number and a unit m, h, d or w (e.g. 24h, 7d)",
            args.since
        );
    }
    let api =
        startup::sentry_api(&settings).context("digest needs SENTRY_API_TOKEN and SENTRY_ORG")?;
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
    let deps = startup::sender_deps(&settings, startup::OutboxUse::Sender).await?;
    let robots = queue(
        &runtime,
        &api,
        &deps.outbox,
        &args.since,
        args.project.as_deref(),
    )
    .await?;
    eprintln!("open-issue digest queued for {} robot(s)", robots.len());
    let outbox = deps.outbox.clone();
    drain_all(live, deps, Duration::from_secs(15 * 60)).await?;
    crate::commands::outbox::print_stats(&outbox).await
}
