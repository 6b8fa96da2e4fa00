//! The single integration-test binary: real relay, real SQLite, real HTTP on loopback.

mod actions;
mod alert_rules;
mod cards_check;
mod cards_client;
mod check_online;
mod cli;
mod dedup;
mod delivery;
mod fake_openapi;
mod fake_robot;
mod helpers;
mod hostile_store;
mod operations;
mod rendering;
mod routing;
mod rule_settings;
mod sentry_api;
mod ui;
mod webhooks;
