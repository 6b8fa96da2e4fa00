//! Who may use `/ui`: `Authorization: Bearer <ADMIN_TOKEN>`, or a session cookie from the
//! login form. Form posts also carry a CSRF token derived from the session, and the cookie is
//! `SameSite=Strict`, so another site cannot make a logged-in browser post.

use super::AppState;
use super::admin::same_secret;
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

pub fn access(req: &HttpRequest, state: &AppState) -> Access {
    let runtime = state.live.get();
    let Some(token) = &runtime.settings.admin_token else {
        return Access::Disabled;
    };
    let bearer = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(given) = bearer {
        return if same_secret(given.trim().as_bytes(), token.expose().as_bytes()) {
            Access::Bearer
        } else {
            Access::Denied
        };
    }
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

/// The login form's check; on success, the session cookie to set.
pub fn login(state: &AppState, given: &str) -> Option<Cookie<'static>> {
    let runtime = state.live.get();
    let token = runtime.settings.admin_token.as_ref()?;
    if !same_secret(given.trim().as_bytes(), token.expose().as_bytes()) {
        return None;
    }
    let expiry = crate::clock::now_ms() / 1000 + SESSION_SECS;
    let value = format!("{expiry}.{}", mac(token, &format!("session:{expiry}")));
    Some(
        Cookie::build(COOKIE, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .finish(),
    )
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
