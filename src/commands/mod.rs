//! The command line: `serve` is wired in `app`; these are the others.

pub mod check;
pub mod check_cards;
mod check_mute;
pub mod check_online;
pub mod cli;
pub mod digest;
pub mod oncall;
pub mod outbox;
pub mod output;
pub mod queueing;
pub mod replay;
pub mod silence;

/// Who made a silence or an override from the command line: `--created-by`, else the login
/// name (`USER`, `LOGNAME`); a container's shell often has neither, and a blank name would
/// leave the lists and summaries without a "by".
pub(crate) fn operator(created_by: Option<String>) -> String {
    created_by
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "command line".into())
}
