//! Reading a request body without letting strangers fill the memory.
//!
//! Three limits: one body may not exceed its limit (413, checked against `Content-Length`
//! before a byte is read), it must arrive within `BODY_READ_TIMEOUT` (408), and all the
//! bodies being read at once share `INFLIGHT_BODY_LIMIT_BYTES` (503 at once when a chunk
//! does not fit). Without the shared budget, a hundred connections that each send 4 MiB − 1
//! byte and stop hold 400 MiB, and the relay is OOM-killed while Sentry never retries.

use super::error::HttpError;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The bytes held by bodies being read, across all requests and workers.
#[derive(Debug, Default)]
pub struct BodyBudget {
    used: AtomicUsize,
}

impl BodyBudget {
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

/// Bytes taken from the budget by one request; given back when the request is done with them.
#[derive(Debug)]
pub struct Held {
    budget: Arc<BodyBudget>,
    bytes: usize,
}

impl Held {
    pub fn new(budget: Arc<BodyBudget>) -> Self {
        Self { budget, bytes: 0 }
    }

    /// Takes `n` more bytes, or none when that would pass `cap`.
    fn take(&mut self, n: usize, cap: usize) -> bool {
        let taken = self
            .budget
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|total| *total <= cap)
            })
            .is_ok();
        if taken {
            self.bytes += n;
        }
        taken
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

pub struct Limits {
    /// The largest body accepted.
    pub max: usize,
    pub timeout: Duration,
    /// The shared budget's size.
    pub cap: usize,
}

impl Limits {
    pub fn of(settings: &crate::config::Settings, max: usize) -> Self {
        Self {
            max,
            timeout: settings.body_read_timeout,
            cap: settings.inflight_body_limit,
        }
    }
}

/// The whole body, and the budget it holds: keep `Held` alive while the bytes are in use.
pub async fn read(
    req: &HttpRequest,
    mut body: web::Payload,
    limits: &Limits,
    budget: &Arc<BodyBudget>,
) -> Result<(web::Bytes, Held), HttpError> {
    let limit = limits.max;
    if declared_length(req).is_some_and(|n| n > limit) {
        return Err(HttpError::TooLarge { limit });
    }
    let mut held = Held::new(budget.clone());
    // The chunks as actix hands them over, joined once complete: copying each into one growing
    // buffer would hold up to twice the bytes while a body is still arriving.
    let mut chunks: Vec<web::Bytes> = Vec::new();
    let mut len = 0;
    let reading = async {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| match e {
                actix_web::error::PayloadError::Overflow => HttpError::TooLarge { limit },
                other => HttpError::BodyRead(other.to_string()),
            })?;
            if len + chunk.len() > limit {
                return Err(HttpError::TooLarge { limit });
            }
            if !held.take(chunk.len(), limits.cap) {
                return Err(HttpError::Overloaded);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refuses_past_its_cap_and_is_given_back_on_drop() {
        let budget = Arc::new(BodyBudget::default());
        let mut a = Held::new(budget.clone());
        let mut b = Held::new(budget.clone());
        assert!(a.take(60, 100));
        assert!(!b.take(41, 100), "60 + 41 is past the cap");
        assert!(b.take(40, 100));
        assert_eq!(budget.used(), 100);
        drop(a);
        assert_eq!(budget.used(), 40);
        assert!(!b.take(usize::MAX, usize::MAX), "no overflow");
        drop(b);
        assert_eq!(budget.used(), 0);
    }
}
