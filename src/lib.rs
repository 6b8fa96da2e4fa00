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
//! Every module but [`outbox`] is `pub(crate)`, so rustc reports code nothing uses. What the
//! binary (`src/main.rs`), the tests (`tests/api`), the benchmark and the fuzz targets need is
//! re-exported below on purpose, grouped by who needs it: [`cli`] for the binary; the storage
//! port, [`outbox`], whole, because the conformance suite runs against both implementations;
//! single items otherwise, and three small modules whose every function the tests or the fuzz
//! targets call (`payload`, `signature`, `escape`). Nothing else is public by accident.
#![forbid(unsafe_code)]

pub(crate) mod action_links;
pub(crate) mod app;
pub(crate) mod clock;
pub(crate) mod commands;
pub(crate) mod config;
pub(crate) mod delivery;
pub(crate) mod dingtalk;
pub(crate) mod domain;
pub(crate) mod http;
pub(crate) mod intake;
pub(crate) mod live;
pub(crate) mod metrics;
pub(crate) mod oncall;
/// The storage port ([`outbox::Outbox`], in parts), its value types and its SQLite and
/// PostgreSQL implementations. Public as a whole: `tests/api/outbox_conformance` runs one suite
/// against both implementations through every part of the port.
pub mod outbox;
pub(crate) mod render;
pub(crate) mod report;
pub(crate) mod routing;
pub(crate) mod routing_choice;
pub(crate) mod secret;
pub(crate) mod sentry;
pub(crate) mod silences;

/// The binary's half (`src/main.rs`): the command line it parses and, per subcommand, the
/// module whose `run` does it (`cli::outbox` is the `outbox` subcommand, not the store);
/// logging and the shutdown signal for `serve`.
pub mod cli {
    pub use crate::app::{shutdown, telemetry};
    pub use crate::commands::cli::{Cli, Command};
    pub use crate::commands::{
        check, check_online, digest, oncall, outbox, output, replay, silence,
    };
    pub use crate::sentry::integration_schema::schema;
}

// The relay in-process, as the binary serves it and the API tests drive it.
pub use app::startup::{Application, sentry_api};
pub use config::storm::StormConfig;
pub use config::{ConfigError, DEFAULT_ROBOT, Settings, file::parse as parse_config_file};
pub use live::Live;

// Shared values: time, secrets, the domain's vocabulary.
pub use clock::now_ms;
pub use domain::alert::{Alert, AlertKind, Level};
pub use domain::card_status::CardStatus;
pub use domain::escalation::LadderStart;
pub use domain::lang::Lang;
pub use domain::mention::Mentions;
/// An on-call override: someone covers the rota for a while.
pub use domain::oncall::Override;
pub use domain::quota::{MonthCalls, month_of};
pub use domain::silence::{Matchers, Silence};
pub use domain::tally::{BUCKET_MS, CHART_BUCKETS, Tally, TallyKind, bucket_of};
pub use routing::{LadderRule, RepeatRule};
pub use secret::Secret;

// Sentry's side: the webhook signature and the payload parsers, as modules, because the tests
// sign webhooks and the fuzz target drives each parser; a payload's interpretation; the
// built-in samples for the benchmark.
pub use sentry::samples::SAMPLES;
pub use sentry::shape::interpret;
pub use sentry::{payload, signature};

// DingTalk's side: the robot message, the interactive-card client, a card callback's signature
// (the tests click cards as DingTalk would).
pub use dingtalk::card_callback::signature as card_callback_signature;
pub use dingtalk::openapi::{
    AppCredentials, CallTally, CardOutcome, CardParams, NewCard, OpenApiClient,
};
pub use dingtalk::{MAX_BODY_BYTES, Message};

// Rendering: templates, the markdown escaping the fuzz target checks, a card's parameters.
pub use render::card::{CardFacts, VARIABLES as CARD_VARIABLES, card_params};
pub use render::storm::sample_storm;
pub use render::{Envelope, Renderer, escape};

// Signed action links and the open-issues report, which the tests make and queue directly.
pub use action_links::{Action, ActionSigner};
pub use report::open_issues::queue as queue_open_issues;
