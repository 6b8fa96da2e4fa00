//! The one place where failures become HTTP statuses. Every error body is JSON.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("missing Sentry-Hook-Signature header")]
    MissingSignature,
    #[error("missing Sentry-App-Signature header")]
    MissingAppSignature,
    #[error("signature does not match the body under any configured client secret")]
    BadSignature,
    #[error("wrong legacy webhook token")]
    BadToken,
    #[error("missing or wrong admin token (Authorization: Bearer …)")]
    BadAdminToken,
    #[error("the new configuration was refused, the previous one keeps serving: {0}")]
    BadConfig(String),
    #[error("not found")]
    NotFound,
    /// A thing the admin API was asked for by name or id that is not there; the text says
    /// which (`there is no silence #9`).
    #[error("{0}")]
    NoSuch(String),
    /// The admin API and `/-/reload` without `ADMIN_TOKEN`: 404, saying how to turn them on (the
    /// console says so too).
    #[error("the admin API is off: set ADMIN_TOKEN (at least 16 characters) to turn it on")]
    AdminOff,
    #[error("missing Sentry-Hook-Resource header")]
    MissingResource,
    #[error("{0}")]
    BadPayload(String),
    /// A request to the admin API that cannot be done; the text names the field.
    #[error("{0}")]
    Invalid(String),
    /// The admin API cannot do this to the thing in its present state (a sent message).
    #[error("{0}")]
    Conflict(String),
    #[error("body is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("could not read the request body: {0}")]
    BodyRead(String),
    #[error("the body did not arrive within {secs} s")]
    BodyTimeout { secs: f64 },
    #[error("too many request bodies are being received at once; try again")]
    Overloaded,
    #[error(
        "this body was cut off to make room for others: it had been in flight the longest; try again"
    )]
    Evicted,
    #[error("too many wrong tokens from this address; try again in {retry_after} s")]
    TooManyAttempts { retry_after: u64 },
    #[error("the outbox cannot be written; try again")]
    Unavailable,
}

impl HttpError {
    /// The `result` label of `webhooks_total` and of the log line.
    pub fn result(&self) -> &'static str {
        match self {
            Self::MissingSignature
            | Self::MissingAppSignature
            | Self::BadSignature
            | Self::BadToken => "bad_signature",
            Self::BadAdminToken => "unauthorized",
            Self::BadConfig(_) => "invalid_config",
            Self::Unavailable => "unavailable",
            Self::Overloaded => "overloaded",
            Self::Evicted => "evicted",
            Self::BodyTimeout { .. } => "timeout",
            Self::TooManyAttempts { .. } => "locked_out",
            Self::TooLarge { .. } => "too_large",
            Self::NotFound | Self::NoSuch(_) | Self::AdminOff => "not_found",
            Self::Conflict(_) => "conflict",
            _ => "bad_request",
        }
    }
}

impl ResponseError for HttpError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MissingSignature
            | Self::MissingAppSignature
            | Self::BadSignature
            | Self::BadToken
            | Self::BadAdminToken => StatusCode::UNAUTHORIZED,
            Self::BadConfig(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound | Self::NoSuch(_) | Self::AdminOff => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MissingResource | Self::BadPayload(_) | Self::BodyRead(_) | Self::Invalid(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unavailable | Self::Overloaded | Self::Evicted => StatusCode::SERVICE_UNAVAILABLE,
            Self::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status_code());
        match self {
            Self::TooManyAttempts { retry_after } => {
                resp.insert_header(("Retry-After", retry_after.to_string()));
            }
            // The budget frees as soon as the bodies in flight are done: a retry soon may pass.
            Self::Overloaded | Self::Evicted => {
                resp.insert_header(("Retry-After", "1"));
            }
            _ => {}
        }
        resp.json(serde_json::json!({
            "error": self.result(),
            "message": self.to_string(),
        }))
    }
}
