//! The HTTP edge: the route table and shared state. Handlers stay thin.

pub mod action_links;
pub mod admin;
pub mod alert_rule;
mod api;
pub mod background;
pub mod body;
pub mod card_callback;
pub mod chat_claim;
pub mod chat_silence;
pub mod client_addr;
mod console;
pub mod error;
pub mod gate;
mod group_notice;
pub mod health;
pub mod inflight;
pub mod installations;
mod ladder_stop;
mod listing;
pub mod login_limit;
pub mod oncall_api;
mod outbox_api;
mod page;
pub mod playground;
pub mod preview;
mod quota_view;
pub mod silences_api;
mod storm_page;
mod storms_api;
pub mod trace_view;
pub mod ui;
pub mod ui_auth;
mod ui_chart;
mod ui_escalations;
mod ui_oncall;
mod ui_silences;
mod ui_status;
pub mod ui_trace;
pub mod webhook;

use crate::delivery::Wakers;
use crate::live::Live;
use crate::outbox::SharedOutbox;
use actix_web::web;
use std::sync::Arc;
use ui_oncall::Overrides;
use ui_silences::Silences;

pub struct AppState {
    pub live: Arc<Live>,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub outbox: SharedOutbox,
    pub wakers: Wakers,
    pub api: Option<Arc<crate::sentry::api::SentryApi>>,
    pub signer: Option<Arc<crate::action_links::ActionSigner>>,
    /// The `/ui` page templates.
    pub ui: Arc<tera::Tera>,
    pub edge: Edge,
    /// Organizations learned per Sentry installation, for links payloads do not carry.
    pub orgs: installations::OrgMemory,
    /// Work requests start and shutdown waits for.
    pub background: background::Background,
}

/// What the edge keeps across requests to hold off a hostile client.
pub struct Edge {
    /// The request bodies being read right now and the budget they share.
    pub bodies: Arc<inflight::Inflight>,
    /// Wrong admin tokens per client address.
    pub logins: login_limit::LoginLimiter,
}

impl Edge {
    pub fn new(caps: inflight::Caps, metrics: &crate::metrics::Metrics) -> Self {
        Self {
            bodies: Arc::new(inflight::Inflight::new(caps, metrics)),
            logins: Default::default(),
        }
    }
}

/// Small forms (login, re-send) need no more; the webhooks and the playground read their
/// bodies themselves, under `BODY_LIMIT_BYTES` and the shared budget.
pub(crate) const FORM_LIMIT: usize = 16 * 1024;

/// On every answer: no page may be framed (clickjacking the re-send and action buttons), no
/// answer sniffed into another type, and no URL — action links carry tokens — sent on as a
/// referrer. `DefaultHeaders` leaves a header a handler set itself alone.
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("X-Frame-Options", "DENY"))
        .add(("Content-Security-Policy", "frame-ancestors 'none'"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(FORM_LIMIT))
        .route("/webhooks/sentry", web::post().to(webhook::sentry))
        .route(
            "/webhooks/sentry/legacy/{token}",
            web::post().to(webhook::legacy),
        )
        .route(
            crate::sentry::alert_rule_action::OPTIONS_PATH,
            web::get().to(alert_rule::robot_options),
        )
        .route(
            crate::sentry::alert_rule_action::VALIDATE_PATH,
            web::post().to(alert_rule::validate_rule),
        )
        .route(
            "/dingtalk/card-callback",
            web::post().to(card_callback::callback),
        )
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/-/reload", web::post().to(admin::reload))
        .route("/actions/{token}", web::get().to(action_links::show))
        .route("/actions/{token}", web::post().to(action_links::perform))
        .service(api::scope())
        .route("/ui", web::get().to(ui_status::status))
        .route("/ui/login", web::post().to(ui::login))
        .route("/ui/retry/{id}", web::post().to(ui_status::retry))
        .route("/ui/trace", web::get().to(ui_trace::trace))
        .route("/ui/storms", web::get().to(storm_page::ui_list))
        .route("/ui/storms/{id}", web::get().to(storm_page::ui_one))
        .route("/ui/silences", web::get().to(listing::list::<Silences>))
        .route("/ui/silences", web::post().to(ui_silences::create))
        .route(
            "/ui/silences/{id}/end",
            web::post().to(listing::end::<Silences>),
        )
        .route("/ui/oncall", web::get().to(listing::list::<Overrides>))
        .route(
            "/ui/oncall/{rota}/overrides",
            web::post().to(ui_oncall::add_override),
        )
        .route(
            "/ui/oncall/overrides/{id}/end",
            web::post().to(listing::end::<Overrides>),
        )
        .route("/ui/escalations", web::get().to(ui_escalations::list))
        .route("/storms/{id}", web::get().to(storm_page::public))
        .route("/ui/playground", web::get().to(playground::playground))
        .route(
            "/ui/playground",
            web::post().to(playground::playground_render),
        );
}
