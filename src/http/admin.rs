//! Operator endpoints behind `ADMIN_TOKEN` (`Authorization: Bearer <token>`).

use super::AppState;
use super::client_addr;
use super::error::HttpError;
use super::gate::{Gate, Passed};
use crate::secret::Secret;
use actix_web::{Error, FromRequest, HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use std::time::Instant;
use subtle::ConstantTimeEq;

/// 404 when no admin token is configured, 401 without the right one, 429 while this client
/// is locked out after too many wrong ones.
pub async fn authorize(req: &HttpRequest, state: &AppState) -> Result<(), HttpError> {
    let runtime = state.live.get();
    let Some(expected) = &runtime.settings.admin_token else {
        return Err(HttpError::AdminOff);
    };
    let Some(given) = bearer(req) else {
        // No token is no guess (a probe, a script without its token): counted, it would let
        // anyone lock the admins at its address out without guessing anything.
        return Err(HttpError::BadAdminToken);
    };
    match guess(req, state, given, expected).await {
        Guess::Right => Ok(()),
        Guess::Wrong => Err(HttpError::BadAdminToken),
        Guess::LockedOut { retry_after } => Err(HttpError::TooManyAttempts { retry_after }),
    }
}

/// The admin API's gate (`authorize`), as `Passed<AdminToken>`.
pub struct AdminToken;

impl Gate for AdminToken {
    type Found = ();

    async fn check(req: &HttpRequest, state: &AppState, _: web::Payload) -> Result<(), Error> {
        Ok(authorize(req, state).await?)
    }
}

/// An admin API call about one stored thing, as `Passed<AdminId>`: authorized, then the `{id}`
/// of its path; an id that is not a number is a thing that does not exist (404).
pub struct AdminId;

impl Gate for AdminId {
    type Found = i64;

    async fn check(req: &HttpRequest, state: &AppState, _: web::Payload) -> Result<i64, Error> {
        authorize(req, state).await?;
        let id = web::Path::<String>::extract(req).await?;
        let shown: String = id.chars().take(40).collect();
        Ok(id.parse().map_err(|_| {
            HttpError::NoSuch(format!("`{shown}` is not an id: ids are whole numbers"))
        })?)
    }
}

/// An admin API call's JSON body, read by the handler, so only once the token passed: a
/// stranger's upload is refused unread (`web::Bytes` was read beside the token's check, and
/// a wrong token is answered late, so a large body got 413 first). Held to `FORM_LIMIT` and
/// counted in the in-flight budget like every body.
pub async fn json_body<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    body: web::Payload,
    state: &AppState,
) -> Result<T, HttpError> {
    let runtime = state.live.get();
    let limits = super::body::Limits::of(&runtime.settings, super::FORM_LIMIT);
    let (bytes, _held) = super::body::read(req, body, &limits, &state.edge.bodies).await?;
    serde_json::from_slice(&bytes).map_err(|e| HttpError::Invalid(format!("body: {e}")))
}

/// The store failing under an admin API call: logged here, answered 503.
pub fn store_unavailable(e: impl std::fmt::Display) -> HttpError {
    tracing::warn!(error = %e, "admin API: the store cannot be used");
    HttpError::Unavailable
}

/// The token of `Authorization: Bearer …`; the scheme's case does not matter (RFC 9110).
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

pub enum Guess {
    Right,
    Wrong,
    /// Seconds until this client may try again.
    LockedOut {
        retry_after: u64,
    },
}

/// A presented admin token, weighed under the per-client limit (`login_limit`): a wrong one
/// is answered late, and a locked-out client is not even compared.
pub async fn guess(req: &HttpRequest, state: &AppState, given: &str, expected: &Secret) -> Guess {
    let (limiter, ip, now) = (
        &state.edge.logins,
        client_addr::client_ip(req, &state.live.get().settings.trusted_proxies),
        Instant::now(),
    );
    if let Err(wait) = limiter.check(ip, now) {
        return Guess::LockedOut {
            retry_after: wait.as_secs_f64().ceil().max(1.0) as u64,
        };
    }
    if same_secret(given.trim().as_bytes(), expected.expose().as_bytes()) {
        limiter.succeeded(ip);
        return Guess::Right;
    }
    let delay = limiter.failed(ip, now);
    tracing::warn!(client = %ip, "wrong admin token");
    tokio::time::sleep(delay).await;
    Guess::Wrong
}

/// Constant time whatever the lengths: both sides are hashed first.
pub fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    Sha256::digest(given)
        .ct_eq(&Sha256::digest(expected))
        .into()
}

/// `POST /-/reload`: re-read the config file and templates; a bad one is refused and the
/// running configuration stays.
pub async fn reload(
    state: web::Data<AppState>,
    _: Passed<AdminToken>,
) -> Result<HttpResponse, HttpError> {
    let live = state.live.clone();
    match web::block(move || live.reload()).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(serde_json::json!({"status": "reloaded"}))),
        Ok(Err(e)) => Err(HttpError::BadConfig(e.to_string())),
        Err(_) => Err(HttpError::Unavailable),
    }
}
