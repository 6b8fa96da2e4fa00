//! Operator endpoints behind `ADMIN_TOKEN` (`Authorization: Bearer <token>`).

use super::AppState;
use super::error::HttpError;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// 404 when no admin token is configured, 401 without the right one.
pub fn authorize(req: &HttpRequest, state: &AppState) -> Result<(), HttpError> {
    let runtime = state.live.get();
    let Some(expected) = &runtime.settings.admin_token else {
        return Err(HttpError::NotFound);
    };
    let given = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if same_secret(given.trim().as_bytes(), expected.expose().as_bytes()) {
        Ok(())
    } else {
        Err(HttpError::BadAdminToken)
    }
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
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    authorize(&req, &state)?;
    let live = state.live.clone();
    match web::block(move || live.reload()).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(serde_json::json!({"status": "reloaded"}))),
        Ok(Err(e)) => Err(HttpError::BadConfig(e.to_string())),
        Err(_) => Err(HttpError::Unavailable),
    }
}
