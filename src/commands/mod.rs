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
