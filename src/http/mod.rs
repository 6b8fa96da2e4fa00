//! The HTTP edge: the route table and shared state. Handlers stay thin.

pub mod actions;
pub mod admin;
pub mod error;
pub mod health;
pub mod webhook;

use crate::intake::Wakers;
use crate::live::Live;
use crate::outbox::Store;
use actix_web::web;
use std::sync::Arc;

pub struct AppState {
    pub live: Arc<Live>,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub store: Store,
    pub wakers: Wakers,
    pub api: Option<Arc<crate::sentry::api::SentryApi>>,
    pub signer: Option<Arc<crate::actions::ActionSigner>>,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks/sentry", web::post().to(webhook::sentry))
        .route(
            "/webhooks/sentry/legacy/{token}",
            web::post().to(webhook::legacy),
        )
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/-/reload", web::post().to(admin::reload))
        .route("/actions/{token}", web::get().to(actions::show))
        .route("/actions/{token}", web::post().to(actions::perform));
}
