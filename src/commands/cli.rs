//! The command line: `serve`, `replay`, `check`, `schema`, `digest`, `outbox`, `silence`,
//! `oncall`.

use crate::domain::silence::Matchers;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "sentry-dingtalk",
    version,
    about = "Relay Sentry webhooks to DingTalk group robots"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the relay: receive webhooks, queue them, deliver them.
    Serve,
    /// Render or send sample payloads (files or folders of JSON).
    Replay(ReplayArgs),
    /// Load configuration and templates, render every built-in sample, report problems.
    Check(CheckArgs),
    /// Print the integration schema to paste into Sentry (the alert-rule action's form).
    Schema,
    /// Post the unresolved issues seen within a window, one message per robot.
    Digest(DigestArgs),
    /// Inspect and re-send queued and dead messages.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Hold alerts back for a while, and tell what was held when it ends (works beside a
    /// running relay, on its store).
    #[command(subcommand)]
    Silence(SilenceCommand),
    /// Who is on call in each rota, until when, and who is next; or put someone else on call
    /// for a while (works beside a running relay, on its store).
    Oncall(OncallArgs),
}

#[derive(Debug, clap::Args)]
pub struct OncallArgs {
    /// The moment to ask about (RFC 3339); default now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Print JSON (one array) instead of the table.
    #[arg(long)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<OncallCommand>,
}

#[derive(Debug, Subcommand)]
pub enum OncallCommand {
    /// Put PERSON on call in ROTA from now for a while; prints the override's id.
    Override {
        /// The rota's name (`[[oncall]] name`).
        rota: String,
        /// The person's name (`[[people]] name`).
        person: String,
        /// How long: 8h, 1d (at most 30 days).
        #[arg(long = "for", value_name = "DURATION")]
        duration: String,
        /// Who made it; default: $USER.
        #[arg(long)]
        created_by: Option<String>,
    },
    /// End an override now.
    End {
        /// The override's id (`oncall override` prints it; `oncall` lists them).
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum SilenceCommand {
    /// Make a silence; prints its id alone on a line.
    Add(Box<SilenceAddArgs>),
    /// The active silences, and those ended in the last day.
    List {
        /// Print JSON (one array) instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// End a silence now: what it held is summarized.
    Expire {
        /// The silence's id (`silence add` prints it; `silence list` lists them).
        id: i64,
    },
}

/// The matchers (at least one, or --all) and how long.
#[derive(Debug, clap::Args)]
pub struct SilenceAddArgs {
    #[command(flatten)]
    pub matchers: Matchers,
    /// How long: 30m, 2h, 1d (at most 30 days).
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: String,
    /// Why: shown in `silence list`, the console and the end summary.
    #[arg(long)]
    pub comment: Option<String>,
    /// Who made it; default: $USER.
    #[arg(long)]
    pub created_by: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Print the exact DingTalk request body per payload (one JSON per line); send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Post each payload to a running relay (e.g. http://127.0.0.1:8080), signed with
    /// SENTRY_CLIENT_SECRET and carrying Sentry's headers.
    #[arg(long, value_name = "URL", conflicts_with = "dry_run")]
    pub to: Option<String>,
    /// The Sentry-Hook-Resource (issue, comment, event_alert, metric_alert, error); inferred
    /// from the payload's shape when absent.
    #[arg(long)]
    pub resource: Option<String>,
    /// Override the payload's `action`.
    #[arg(long)]
    pub action: Option<String>,
    /// JSON files, or folders of them.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Print which robots and mentions this payload would get, and why.
    #[arg(long, value_name = "PAYLOAD.json")]
    pub explain: Option<PathBuf>,
    /// Also ask the Sentry API what the credentials may do and which features will work.
    #[arg(long)]
    pub online: bool,
}

#[derive(Debug, clap::Args)]
pub struct DigestArgs {
    /// The window: issues whose lastSeen falls in it (m, h, d or w).
    #[arg(long, default_value = "24h")]
    pub since: String,
    /// Only this project (slug).
    #[arg(long)]
    pub project: Option<String>,
    /// Print the DingTalk request body per robot; queue and send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StateArg {
    Pending,
    Sent,
    Dead,
}

impl From<StateArg> for crate::outbox::MessageState {
    fn from(s: StateArg) -> Self {
        match s {
            StateArg::Pending => Self::Pending,
            StateArg::Sent => Self::Sent,
            StateArg::Dead => Self::Dead,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Messages, newest first.
    List {
        /// Only messages in this state.
        #[arg(long)]
        state: Option<StateArg>,
        /// Print JSON (one array) instead of the table.
        #[arg(long)]
        json: bool,
        /// Show at most the newest N messages.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Re-send one message by id, or every dead one with --dead.
    Retry {
        /// The message's id (`outbox list` shows it).
        #[arg(required_unless_present = "dead", conflicts_with = "dead")]
        id: Option<i64>,
        /// Re-send every dead message.
        #[arg(long)]
        dead: bool,
    },
    /// Counts by state and robot.
    Stats {
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// A consistent copy of the SQLite outbox into FILE (a new file), while the relay runs.
    Backup {
        /// Where the copy goes; it must not exist.
        file: std::path::PathBuf,
    },
    /// What became of every webhook received for an issue (its id or short id), oldest first.
    Trace {
        /// The Sentry issue id (`5128840021`) or short id (`PAYMENTS-API-3F`).
        issue: String,
        /// Print JSON (one array) instead of the text.
        #[arg(long)]
        json: bool,
        /// Show at most the newest N webhooks.
        #[arg(long, default_value_t = crate::intake::TRACE_LIMIT)]
        limit: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from(["sentry-dingtalk", "replay", "--dry-run", "a.json"])
            .expect("parses");
        assert!(matches!(
            cli.command,
            Command::Replay(ReplayArgs { dry_run: true, .. })
        ));
        assert!(
            Cli::try_parse_from(["sentry-dingtalk", "replay"]).is_err(),
            "a path is required"
        );
        assert!(
            Cli::try_parse_from(["sentry-dingtalk", "outbox", "retry"]).is_err(),
            "id or --dead"
        );
    }
}
