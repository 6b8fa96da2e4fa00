//! sentry-dingtalk: Sentry webhooks in, signed DingTalk robot messages out.
//!
//! Layout, in the order data flows:
//! - [`http`]: the endpoints; raw body → signature → parse → [`intake`] → 202.
//! - [`sentry`]: the signature and every payload shape → [`alert::Alert`].
//! - [`routing`]: which robots and mentions an alert gets.
//! - [`outbox`]: SQLite store, per-robot worker, rate budget, retry policy.
//! - [`render`]: Tera templates → markdown under DingTalk's size limit, payload text escaped.
//! - [`dingtalk`]: message body, signing, the client and its answer classification.
//! - [`startup`], [`shutdown`], [`config`], [`cli`], [`replay`], [`check`]: the edges.
#![forbid(unsafe_code)]

pub mod actions;
pub mod alert;
pub mod check;
pub mod check_online;
pub mod cli;
pub mod config;
pub mod digest;
pub mod dingtalk;
pub mod http;
pub mod intake;
pub mod live;
pub mod metrics;
pub mod outbox;
pub mod preview;
pub mod render;
pub mod replay;
pub mod routing;
pub mod routing_choice;
pub mod samples;
pub mod schedule;
pub mod secret;
pub mod sentry;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
