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
                match answer_text(resp).await {
                    Ok(text) => {
                        let sent: Vec<String> =
                            base.query_pairs().map(|(_, v)| v.into_owned()).collect();
                        let mut known: Vec<&str> = sent.iter().map(String::as_str).collect();
                        known.extend(secret.map(Secret::expose));
                        classify(status, &text, &known)
                    }
                    Err(e) => SendOutcome::Retryable(describe(&e)),
                }
            }
        }
    }
}

/// reqwest's Display includes the URL; this keeps the kind of failure and its causes only.
/// The most of an answer that is read: DingTalk's are a few hundred bytes, and an error page
/// as large as a proxy likes would be held in memory and searched on a sender's thread.
const ANSWER_LIMIT: usize = 64 * 1024;

/// An answer's body as text, at most [`ANSWER_LIMIT`] bytes of it (the rest is not read).
pub(crate) async fn answer_text(mut resp: reqwest::Response) -> Result<String, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = ANSWER_LIMIT - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == ANSWER_LIMIT {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

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
