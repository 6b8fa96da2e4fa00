//! Posting a message to a robot: fresh timestamp and sign per request, one shared HTTP client.

use super::outcome::{SendOutcome, classify};
use super::sign::signed_url;
use crate::secret::Secret;
use std::time::Duration;

#[derive(Clone)]
pub struct DingTalkClient {
    http: reqwest::Client,
}

/// The HTTP client of both DingTalk APIs (robot webhooks, open API): the relay's user agent,
/// `timeout` per request, five seconds to connect.
pub(super) fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("sentry-dingtalk/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

impl DingTalkClient {
    /// Generous timeouts: a robot that answered slowly may still have posted, and `msgUuid`
    /// makes the retry after a timeout harmless.
    pub fn new(timeout: Duration) -> Self {
        Self {
            http: http_client(timeout),
        }
    }

    /// Sends an already serialized message body. Errors never carry the URL: it holds the token.
    pub async fn send(&self, webhook: &Secret, secret: Option<&Secret>, body: &str) -> SendOutcome {
        let Ok(base) = url::Url::parse(webhook.expose()) else {
            return SendOutcome::Permanent("robot webhook is not a valid URL".into());
        };
        let url = signed_url(&base, secret, crate::clock::now_ms());
        let resp = self
            .http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(body.to_string())
            .send()
            .await;
        match resp {
            Err(e) => SendOutcome::Retryable(describe(&e)),
            Ok(resp) => {
                let status = resp.status().as_u16();
                match resp.text().await {
                    Ok(text) => classify(status, &text),
                    Err(e) => SendOutcome::Retryable(describe(&e)),
                }
            }
        }
    }
}

/// reqwest's Display includes the URL; this keeps the kind of failure and its causes only.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "reading the answer failed"
    } else {
        "request failed"
    };
    let mut causes = vec![kind.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        causes.push(s.to_string());
        source = s.source();
    }
    causes.join(": ")
}
