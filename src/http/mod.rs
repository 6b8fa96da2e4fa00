//! The HTTP edge: the route table and shared state. Handlers stay thin.

pub mod error;
pub mod health;
pub mod webhook;

use crate::config::Settings;
use crate::intake::Wakers;
use crate::outbox::Store;
use crate::render::Renderer;
use actix_web::web;
use std::sync::Arc;

pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub renderer: Arc<Renderer>,
    pub wakers: Wakers,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks/sentry", web::post().to(webhook::sentry))
        .route(
            "/webhooks/sentry/legacy/{token}",
            web::post().to(webhook::legacy),
        )
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz));
}
