//! The single integration-test binary: real relay, real SQLite, real HTTP on loopback.

mod actions;
mod admin_login;
mod cli;
mod config_secrets;
mod delivery;
mod edge;
mod fake_robot;
mod helpers;
mod operations;
mod properties;
mod rendering;
mod routing;
mod sentry_api;
mod ui;
mod webhooks;
