use clap::Parser;
use sentry_dingtalk::cli::{Cli, Command, OutboxCommand};
use sentry_dingtalk::config::Settings;
use sentry_dingtalk::outbox::Store;
use sentry_dingtalk::{check, check_online, replay, shutdown, startup::Application, telemetry};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            settings.require_client_secret()?;
            let app = Application::build(settings)?;
            app.run_until_stopped(shutdown::on_signals()).await
        }
        Command::Replay(args) => replay::run(args, settings).await,
        Command::Check(args) => {
            print!("{}", check::run(&settings, args.explain.as_deref())?);
            if args.online {
                let (report, usable) = check_online::run(&settings).await?;
                print!("{report}");
                anyhow::ensure!(usable, "the Sentry API cannot be used as configured");
            }
            Ok(())
        }
        Command::Schema => {
            let schema = sentry_dingtalk::sentry::integration_schema::schema();
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(())
        }
        Command::Digest(args) => sentry_dingtalk::digest::run(args, settings).await,
        Command::Outbox(cmd) => outbox(cmd, &settings),
    }
}

fn outbox(cmd: OutboxCommand, settings: &Settings) -> anyhow::Result<()> {
    let store = Store::open(&settings.data_dir)?;
    match cmd {
        OutboxCommand::List { state, json, limit } => {
            let rows = store.list_messages(state.map(|s| s.as_str()), limit)?;
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
                store.retry_message(id)?,
                "message {id} is not pending or dead"
            );
            println!("message {id} queued again");
        }
        OutboxCommand::Retry { id: None, .. } => {
            println!("{} dead message(s) queued again", store.retry_dead()?)
        }
        OutboxCommand::Stats { json } => {
            if json {
                println!("{}", serde_json::to_string_pretty(&store.stats()?)?);
            } else {
                replay::print_stats(&store)?;
            }
        }
    }
    Ok(())
}
