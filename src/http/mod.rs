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
pub mod readiness;
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
    /// The store's readiness write, shared by the `/readyz` and `/metrics` asked meanwhile.
    pub readiness: readiness::ReadinessProbe,
}

impl Edge {
    pub fn new(caps: inflight::Caps, metrics: &crate::metrics::Metrics) -> Self {
        Self {
            bodies: Arc::new(inflight::Inflight::new(caps, metrics)),
            logins: Default::default(),
            readiness: Default::default(),
        }
    }
}

/// Small forms (login, re-send) need no more; the webhooks and the playground read their
/// bodies themselves, under `BODY_LIMIT_BYTES` and the shared budget.
pub(crate) const FORM_LIMIT: usize = 16 * 1024;

/// On every answer: no page may be framed (clickjacking the re-send and action buttons), run an
/// inline or foreign script, load from or post to another origin, be sniffed into another type,
/// send a URL — action links carry tokens — on as a referrer, or be kept by a browser or proxy
/// cache (console pages carry a CSRF token and the outbox's contents). Inline styles stay
/// allowed (the pages' own `<style>`); the one script is a file (`/ui/playground.js`).
/// `DefaultHeaders` leaves a header a handler set itself alone.
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("Cache-Control", "no-store"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
}

const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// One endpoint: its path and the route (method and handler) it takes.
type Endpoint = (&'static str, actix_web::Route);

/// `method` on `path` goes to `handler`.
fn at<F, Args>(method: actix_web::Route, path: &'static str, handler: F) -> Endpoint
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    (path, method.to(handler))
}

/// Every endpoint but the admin API's (`/api`, its own scope): Sentry's and DingTalk's calls,
/// probes, action links, the `/ui` pages and a storm's public page.
fn endpoints() -> [Endpoint; 29] {
    use crate::sentry::alert_rule_action::{OPTIONS_PATH, VALIDATE_PATH};
    use web::{get, post};
    [
        at(post(), "/webhooks/sentry", webhook::sentry),
        at(post(), "/webhooks/sentry/legacy/{token}", webhook::legacy),
        at(get(), OPTIONS_PATH, alert_rule::robot_options),
        at(post(), VALIDATE_PATH, alert_rule::validate_rule),
        at(post(), "/dingtalk/card-callback", card_callback::callback),
        at(get(), "/healthz", health::healthz),
        at(get(), "/readyz", health::readyz),
        at(get(), "/metrics", health::metrics),
        at(post(), "/-/reload", admin::reload),
        at(get(), "/actions/{token}", action_links::show),
        at(post(), "/actions/{token}", action_links::perform),
        at(get(), "/ui", ui_status::status),
        at(post(), "/ui/login", ui::login),
        at(post(), "/ui/logout", ui::logout),
        at(post(), "/ui/retry/{id}", ui_status::retry),
        at(get(), "/ui/trace", ui_trace::trace),
        at(get(), "/ui/storms", storm_page::ui_list),
        at(get(), "/ui/storms/{id}", storm_page::ui_one),
        at(get(), "/ui/silences", listing::list::<Silences>),
        at(post(), "/ui/silences", ui_silences::create),
        at(post(), "/ui/silences/{id}/end", listing::end::<Silences>),
        at(get(), "/ui/oncall", listing::list::<Overrides>),
        at(
            post(),
            "/ui/oncall/{rota}/overrides",
            ui_oncall::add_override,
        ),
        at(
            post(),
            "/ui/oncall/overrides/{id}/end",
            listing::end::<Overrides>,
        ),
        at(get(), "/ui/escalations", ui_escalations::list),
        at(get(), "/storms/{id}", storm_page::public),
        at(get(), "/ui/playground", playground::playground),
        at(get(), "/ui/playground.js", playground::script),
        at(post(), "/ui/playground", playground::playground_render),
    ]
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(FORM_LIMIT));
    // A path segment that is no id (`/storms/abc`) names nothing: our JSON 404, not the
    // framework's parser message.
    cfg.app_data(
        web::PathConfig::default().error_handler(|_, _| error::HttpError::NotFound.into()),
    );
    for (path, route) in endpoints() {
        cfg.route(path, route);
    }
    cfg.service(api::scope());
}
