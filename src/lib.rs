//! sentry-dingtalk: Sentry webhooks in, signed DingTalk robot messages out.
//!
//! Layers, bottom to top; a module imports only from its own layer and the layers below it,
//! and no modules or files import each other in a circle. The modules of a layer are the links
//! that open its bullet. `cargo nextest run layering` checks it (`tests/layering/`), from this
//! list; `python3 ../shared/tools/imports.py src --files` draws the graph.
//! - [`clock`], [`secret`]: time in milliseconds; secrets that never print.
//! - [`domain`]: the alert, its language, who it mentions, a card's status. No I/O.
//! - [`sentry`]: adapter — webhook signature, every payload shape → [`domain::alert::Alert`],
//!   the Web API client, built-in sample payloads.
//! - [`dingtalk`]: adapter — message body, signing, client, answer classification; the open
//!   API for interactive cards and their callback's signature.
//! - [`routing`]: which robots and mentions an alert gets (pure).
//! - [`routing_choice`]: the robot chosen in Sentry's alert-rule editor, else the routes; it
//!   asks the configuration through [`routing_choice::RobotsAndRoutes`].
//! - [`render`]: Tera templates → markdown under DingTalk's size limit, payload text escaped.
//! - [`config`]: settings as plain data (environment, `.env`, TOML file).
//! - [`live`]: the settings and templates in force, swapped whole on reload.
//! - [`metrics`]: the Prometheus registry.
//! - [`action_links`]: signed, expiring, single-use Resolve / Ignore / Silence 1 h links.
//! - [`outbox`]: the storage port ([`outbox::Outbox`], in parts) and its SQLite and
//!   PostgreSQL implementations, each with one file per part holding that part's SQL.
//! - [`silences`], [`oncall`]: making, listing and ending silences (admin API, `silence`
//!   command, chat); who is on call (the rotas with the store's overrides).
//! - [`intake`]: parsed payload → routed → one durable enqueue.
//! - [`delivery`]: the senders as typed steps — the worker (lease, refresh) dispatches to a
//!   markdown or card step; a send is prepare → call → finish → record; budget, group window,
//!   retry, enrich.
//! - [`report`]: the open-issues report (`digest`) and its daily schedule.
//! - [`http`]: the endpoints; raw body → signature → parse → [`intake`] → 202; `/ui`; a
//!   webhook's trace in words (also printed by `outbox trace`).
//! - [`app`]: start-up wiring, signals, logging.
//! - [`commands`]: `replay`, `check`, `digest`, `outbox`, and the command-line grammar.
//!
//! Modules nothing outside the crate uses are `pub(crate)`, so rustc reports their dead code;
//! the others are still `pub` because the binary and `tests/api` reach into them.
#![forbid(unsafe_code)]

pub mod action_links;
pub mod app;
pub mod clock;
pub mod commands;
pub mod config;
pub(crate) mod delivery;
pub mod dingtalk;
pub mod domain;
pub(crate) mod http;
pub(crate) mod intake;
pub mod live;
pub(crate) mod metrics;
pub mod oncall;
pub mod outbox;
pub mod render;
pub mod report;
pub mod routing;
pub(crate) mod routing_choice;
pub mod secret;
pub mod sentry;
pub mod silences;
