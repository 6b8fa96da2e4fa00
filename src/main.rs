use clap::Parser;
use sentry_dingtalk::cli::output::{self, StdoutClosed};
use sentry_dingtalk::cli::{
    Cli, Command, check, check_online, digest, oncall, outbox, replay, shutdown, silence, telemetry,
};
use sentry_dingtalk::{Application, Settings};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            telemetry::fatal(&format!("configuration: {e}"));
            return ExitCode::from(2);
        }
    };
    let log_level = match cli.command {
        Command::Serve => "info",
        _ => "warn",
    };
    telemetry::init(settings.log_format, log_level);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            telemetry::fatal(&format!("cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(dispatch(cli.command, settings));
    // `serve` drained what it could within its shutdown timeout; a task that never yields (a
    // bug) must not then keep the process alive while the runtime waits for its thread.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `| head` read what it wanted: not a failure, and nothing to say.
        Err(e) if e.is::<StdoutClosed>() => ExitCode::SUCCESS,
        // The exit codes DESIGN and README promise: 2 for configuration, 1 for the rest.
        Err(e) if output::is_configuration_error(&e) => {
            telemetry::fatal(&format!("configuration: {e:#}"));
            ExitCode::from(2)
        }
        Err(e) => {
            telemetry::fatal(&format!("{e:#}"));
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
            output::print(check::run(&settings, args.explain.as_deref())?)?;
            if args.online {
                let (report, usable) = check_online::run(&settings).await?;
                output::print(report)?;
                anyhow::ensure!(
                    usable,
                    "a card robot or the Sentry API cannot be used as configured (see above)"
                );
            }
            Ok(())
        }
        Command::Schema => {
            let schema = sentry_dingtalk::cli::schema();
            output::line(serde_json::to_string_pretty(&schema)?)?;
            Ok(())
        }
        Command::Digest(args) => digest::run(args, settings).await,
        Command::Outbox(cmd) => outbox::run(cmd, &settings).await,
        Command::Silence(cmd) => silence::run(cmd, &settings).await,
        Command::Oncall(args) => oncall::run(args, &settings).await,
    }
}
