//! DingTalk's open API (`api.dingtalk.com`) for an enterprise internal app's robot: the access
//! token, interactive cards created in a group and updated in place, and DINGs.
//!
//! Every call carries the token in `x-acs-dingtalk-access-token`. A refused token is dropped,
//! a new one fetched, and the call made once more; a second refusal is permanent. The token
//! and the AppSecret never reach a log line, an error or `Debug` output.

mod answer;
mod cards;
mod ding;
mod token;

pub use answer::CardOutcome;
pub use cards::{CardParams, NewCard};
pub use ding::Ding;
pub use token::AppCredentials;

use super::client::http_client;
use answer::{Answer, classify};
use serde_json::Value;
use std::time::Duration;

pub const DEFAULT_API_URL: &str = "https://api.dingtalk.com";
const TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

/// The requests one operation made to the open API, the access-token fetch included: each may
/// be metered against the month's quota. Whether DingTalk meters the token fetch is not
/// documented; counting it makes the relay stop a little early rather than late.
#[derive(Debug, Default)]
pub struct CallTally(std::sync::atomic::AtomicI64);

impl CallTally {
    pub fn calls(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn add(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// One per process: it holds the token cache, shared by every card robot of every app.
pub struct OpenApiClient {
    http: reqwest::Client,
    /// `https://api.dingtalk.com`, or a fake's address in tests; no trailing slash.
    base: String,
    tokens: token::TokenCache,
}

impl OpenApiClient {
    pub fn new(base_url: &str, timeout: Duration) -> Self {
        let http = http_client(timeout);
        Self {
            http,
            base: base_url.trim_end_matches('/').to_string(),
            tokens: token::TokenCache::default(),
        }
    }

    /// Fetches a fresh token, bypassing the cache: proves the credentials work (`check
    /// --online`). Returns the token's lifetime, or why there is none.
    pub async fn check_credentials(&self, app: &AppCredentials) -> Result<Duration, CardOutcome> {
        self.fetch_token(app).await.map(|f| f.expires_in)
    }

    /// An authenticated call; the JSON of a 2xx answer, or what went wrong.
    async fn call(
        &self,
        app: &AppCredentials,
        tally: &CallTally,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> Result<Value, CardOutcome> {
        let token = self.token(app, tally).await?;
        tally.add();
        let refused = match self.send(method.clone(), path, body, &token).await {
            Answer::Ok(v) => return Ok(v),
            Answer::Failed(o) => return Err(o),
            Answer::TokenRefused(reason) => reason,
        };
        tracing::info!(%refused, "DingTalk refused the access token; fetching a new one");
        self.forget_token(app, &token).await;
        let token = self.token(app, tally).await?;
        tally.add();
        match self.send(method, path, body, &token).await {
            Answer::Ok(v) => Ok(v),
            Answer::Failed(o) => Err(o),
            Answer::TokenRefused(reason) => Err(CardOutcome::Permanent(format!(
                "a fresh access token was refused too (does the app have the permission?): {reason}"
            ))),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        token: &crate::secret::Secret,
    ) -> Answer {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(TOKEN_HEADER, token.expose())
            .json(body)
            .send()
            .await;
        match resp {
            Err(e) => Answer::Failed(CardOutcome::Retryable(describe(&e))),
            Ok(resp) => {
                let status = resp.status().as_u16();
                match crate::dingtalk::client::answer_text(resp).await {
                    // An answer may echo the token the request carried.
                    Ok(text) => classify(status, &text, &[token.expose()]),
                    Err(e) => Answer::Failed(CardOutcome::Retryable(describe(&e))),
                }
            }
        }
    }
}

fn describe(e: &reqwest::Error) -> String {
    crate::dingtalk::client::describe(e)
}
