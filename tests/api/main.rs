//! The single integration-test binary: real relay, real SQLite, real HTTP on loopback.

mod actions;
mod admin_login;
mod alert_rules;
mod cards_check;
mod cards_client;
mod cards_flow;
mod check_online;
mod cli;
mod config_secrets;
mod dedup;
mod delivery;
mod edge;
mod fake_openapi;
mod fake_robot;
mod helpers;
mod hostile_store;
mod messages;
mod operations;
mod outbox_conformance;
mod properties;
mod rendering;
mod routing;
mod rule_settings;
mod sentry_api;
mod ui;
mod webhooks;
