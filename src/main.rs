use clap::Parser;
use sentry_dingtalk::app::{shutdown, startup::Application, telemetry};
use sentry_dingtalk::commands::cli::{Cli, Command};
use sentry_dingtalk::commands::{check, check_online, digest, outbox, replay};
use sentry_dingtalk::config::Settings;
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
            let app = Application::build(settings).await?;
            app.run_until_stopped(shutdown::on_signals()).await
        }
        Command::Replay(args) => replay::run(args, settings).await,
        Command::Check(args) => {
            print!("{}", check::run(&settings, args.explain.as_deref())?);
            if args.online {
                let (report, usable) = check_online::run(&settings).await?;
                print!("{report}");
                anyhow::ensure!(
                    usable,
                    "a card robot or the Sentry API cannot be used as configured (see above)"
                );
            }
            Ok(())
        }
        Command::Schema => {
            let schema = sentry_dingtalk::sentry::integration_schema::schema();
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(())
        }
        Command::Digest(args) => digest::run(args, settings).await,
        Command::Outbox(cmd) => outbox::run(cmd, &settings).await,
    }
}
