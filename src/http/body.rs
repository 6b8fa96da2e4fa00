//! Reading a request body without letting strangers fill the memory or lock others out.
//!
//! Every endpoint that reads a body reads it here, after checking what it can of the request
//! head (signature present, token, who asks). Three limits: one body may not exceed its limit
//! (413, checked against `Content-Length` before a byte is read), it must arrive within
//! `BODY_READ_TIMEOUT` (408), and the bodies being read share the in-flight budget
//! (`http::inflight`): when a chunk does not fit, the body in flight longest is cut off (503)
//! to make room, and the chunk waits for that room a short while (503 if none comes).

use super::error::HttpError;
use super::inflight::{Held, Inflight, Refused};
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

pub struct Limits<'a> {
    /// The largest body accepted.
    pub max: usize,
    pub timeout: Duration,
    /// Whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`).
    pub trusted: &'a [ipnet::IpNet],
}

impl<'a> Limits<'a> {
    pub fn of(settings: &'a crate::config::Settings, max: usize) -> Self {
        Self {
            max,
            timeout: settings.body_read_timeout,
            trusted: &settings.trusted_proxies,
        }
    }
}

/// The whole body, and its registration: keep `Held` alive while the bytes are in use.
pub async fn read(
    req: &HttpRequest,
    mut body: web::Payload,
    limits: &Limits<'_>,
    inflight: &Arc<Inflight>,
) -> Result<(web::Bytes, Held), HttpError> {
    let limit = limits.max;
    if declared_length(req).is_some_and(|n| n > limit) {
        return Err(HttpError::TooLarge { limit });
    }
    let held = inflight.register(super::client_addr::client_ip(req, limits.trusted));
    // The chunks as actix hands them over, joined once complete: copying each into one growing
    // buffer would hold up to twice the bytes while a body is still arriving.
    let mut chunks: Vec<web::Bytes> = Vec::new();
    let mut len = 0;
    let reading = async {
        loop {
            let next = tokio::select! {
                biased;
                () = held.cut_off() => return Err(HttpError::Evicted),
                next = body.next() => next,
            };
            let Some(chunk) = next else { break };
            let chunk = chunk.map_err(|e| match e {
                actix_web::error::PayloadError::Overflow => HttpError::TooLarge { limit },
                other => HttpError::BodyRead(other.to_string()),
            })?;
            if len + chunk.len() > limit {
                return Err(HttpError::TooLarge { limit });
            }
            held.take(chunk.len()).await.map_err(|r| match r {
                Refused::Evicted => HttpError::Evicted,
                Refused::NoRoom => HttpError::Overloaded,
            })?;
            len += chunk.len();
            chunks.push(chunk);
        }
        Ok(())
    };
    match tokio::time::timeout(limits.timeout, reading).await {
        Ok(Ok(())) if chunks.len() == 1 => Ok((chunks.swap_remove(0), held)),
        Ok(Ok(())) => Ok((web::Bytes::from(chunks.concat()), held)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(HttpError::BodyTimeout {
            secs: limits.timeout.as_secs_f64(),
        }),
    }
}

fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}
