//! The single integration-test binary: real relay, real SQLite, real HTTP on loopback.

mod actions;
mod cli;
mod delivery;
mod fake_robot;
mod helpers;
mod messages;
mod operations;
mod rendering;
mod routing;
mod sentry_api;
mod ui;
mod webhooks;
