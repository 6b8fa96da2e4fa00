//! Who may use `/ui`: `Authorization: Bearer <ADMIN_TOKEN>`, or a session cookie from the
//! login form. Form posts also carry a CSRF token derived from the session, and the cookie is
//! `SameSite=Strict`, so another site cannot make a logged-in browser post. Wrong tokens are
//! counted per client (`login_limit`); the cookie is `Secure` when the relay is reached over
//! https (`PUBLIC_URL`, or the proxy's `X-Forwarded-Proto`/`Forwarded`).

use super::AppState;
use super::admin::{Guess, bearer, guess, same_secret};
use crate::secret::Secret;
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const COOKIE: &str = "sd_session";
const SESSION_SECS: i64 = 12 * 3600;

pub enum Access {
    /// No `ADMIN_TOKEN`: the page does not exist.
    Disabled,
    Denied,
    /// Too many wrong tokens from this client: seconds until it may try again.
    LockedOut {
        retry_after: u64,
    },
    /// Through a header: no cookie, nothing a browser could be tricked into sending.
    Bearer,
    Session {
        csrf: String,
    },
}

fn mac(key: &Secret, msg: &str) -> String {
    let mut m =
        Hmac::<Sha256>::new_from_slice(key.expose().as_bytes()).unwrap_or_else(|_| unreachable!());
    m.update(msg.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

pub async fn access(req: &HttpRequest, state: &AppState) -> Access {
    let runtime = state.live.get();
    let Some(token) = &runtime.settings.admin_token else {
        return Access::Disabled;
    };
    if let Some(given) = bearer(req) {
        return match guess(req, state, given, token).await {
            Guess::Right => Access::Bearer,
            Guess::Wrong => Access::Denied,
            Guess::LockedOut { retry_after } => Access::LockedOut { retry_after },
        };
    }
    // A session cookie is an HMAC under the token: not worth guessing, so not counted.
    match req
        .cookie(COOKIE)
        .map(|c| c.value().to_string())
        .and_then(|v| valid_session(token, &v))
    {
        Some(session) => Access::Session {
            csrf: mac(token, &format!("csrf:{session}")),
        },
        None => Access::Denied,
    }
}

/// `expiry.signature`; returns the cookie value when it is genuine and current.
fn valid_session(key: &Secret, value: &str) -> Option<String> {
    let (expiry, sig) = value.split_once('.')?;
    let ok = same_secret(
        sig.as_bytes(),
        mac(key, &format!("session:{expiry}")).as_bytes(),
    );
    let current = expiry.parse::<i64>().ok()? > crate::clock::now_ms() / 1000;
    (ok && current).then(|| value.to_string())
}

pub enum Login {
    Disabled,
    Wrong,
    LockedOut {
        retry_after: u64,
    },
    /// The session cookie to set.
    Granted(Cookie<'static>),
}

/// The login form's check, under the same per-client limit as a bearer token.
pub async fn login(req: &HttpRequest, state: &AppState, given: &str) -> Login {
    let runtime = state.live.get();
    let Some(token) = runtime.settings.admin_token.as_ref() else {
        return Login::Disabled;
    };
    match guess(req, state, given, token).await {
        Guess::Right => {}
        Guess::Wrong => return Login::Wrong,
        Guess::LockedOut { retry_after } => return Login::LockedOut { retry_after },
    }
    let expiry = crate::clock::now_ms() / 1000 + SESSION_SECS;
    let value = format!("{expiry}.{}", mac(token, &format!("session:{expiry}")));
    let https = runtime
        .settings
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
        || req.connection_info().scheme() == "https";
    Login::Granted(
        Cookie::build(COOKIE, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            // Over https the cookie must never travel in the clear; over plain http (a
            // loopback or a private network) a `Secure` cookie would not be sent back at all.
            .secure(https)
            .finish(),
    )
}

/// The answer to a form post without its page's CSRF token: plain text, said once for every form.
pub fn csrf_refused() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Forbidden()
        .content_type("text/plain; charset=utf-8")
        .body("missing or wrong CSRF token: reload the page and try again")
}

/// For form posts: a session must send the CSRF token of its page; a bearer needs none.
pub fn csrf_ok(access: &Access, sent: Option<&str>) -> bool {
    match access {
        Access::Bearer => true,
        Access::Session { csrf } => {
            sent.is_some_and(|s| same_secret(s.as_bytes(), csrf.as_bytes()))
        }
        _ => false,
    }
}
