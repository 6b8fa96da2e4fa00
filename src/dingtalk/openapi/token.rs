//! The app's access token: fetched with AppKey and AppSecret, cached until shortly before it
//! expires (fetching it too often is rate-limited), forgotten when the API refuses it.

use super::OpenApiClient;
use super::answer::{Answer, CardOutcome, classify};
use crate::secret::Secret;
use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

/// Renew this long before DingTalk's expiry (or at half the lifetime of a short-lived token),
/// so a token never expires between being read from the cache and reaching DingTalk.
const RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);
/// The longest an access token is kept, whatever `expireIn` says (DingTalk gives 7200 s).
const LONGEST_TOKEN_LIFE_SECS: u64 = 2 * 3600;

/// An enterprise internal app's credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct AppCredentials {
    pub app_key: String,
    pub app_secret: Secret,
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_key", &self.app_key)
            .field("app_secret", &"<redacted>")
            .finish()
    }
}

/// Tokens by app key. The lock is held while a token is fetched, so senders that need one at
/// the same moment wait for a single request instead of each making their own.
#[derive(Default)]
pub(super) struct TokenCache {
    entries: tokio::sync::Mutex<HashMap<String, Cached>>,
}

struct Cached {
    token: Secret,
    renew_at: Instant,
}

/// A token as DingTalk handed it out, with its lifetime.
pub(super) struct Fetched {
    pub token: Secret,
    pub expires_in: Duration,
}

impl OpenApiClient {
    /// The cached token, or a new one.
    pub(super) async fn token(
        &self,
        app: &AppCredentials,
        tally: &super::CallTally,
    ) -> Result<Secret, CardOutcome> {
        let mut entries = self.tokens.entries.lock().await;
        if let Some(c) = entries.get(&app.app_key)
            && Instant::now() < c.renew_at
        {
            return Ok(c.token.clone());
        }
        tally.add();
        let fetched = self.fetch_token(app).await?;
        let lifetime = fetched.expires_in;
        let renew_at = Instant::now() + lifetime - RENEW_BEFORE.min(lifetime / 2);
        entries.insert(
            app.app_key.clone(),
            Cached {
                token: fetched.token.clone(),
                renew_at,
            },
        );
        Ok(fetched.token)
    }

    /// Drops `refused` from the cache, unless another sender has already replaced it.
    pub(super) async fn forget_token(&self, app: &AppCredentials, refused: &Secret) {
        let mut entries = self.tokens.entries.lock().await;
        if entries
            .get(&app.app_key)
            .is_some_and(|c| &c.token == refused)
        {
            entries.remove(&app.app_key);
        }
    }

    /// `POST /v1.0/oauth2/accessToken`. Errors say what DingTalk answered, never the request.
    pub(super) async fn fetch_token(&self, app: &AppCredentials) -> Result<Fetched, CardOutcome> {
        let body = serde_json::json!({
            "appKey": app.app_key,
            "appSecret": app.app_secret.expose(),
        });
        let resp = self
            .http
            .post(format!("{}/v1.0/oauth2/accessToken", self.base))
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                CardOutcome::Retryable(format!("access token: {}", super::describe(&e)))
            })?;
        let status = resp.status().as_u16();
        let text = crate::dingtalk::client::answer_text(resp)
            .await
            .map_err(|e| {
                CardOutcome::Retryable(format!("access token: {}", super::describe(&e)))
            })?;
        // A refusal may echo the request's body, the app secret in it.
        let value = match classify(status, &text, &[app.app_secret.expose()]) {
            Answer::Ok(v) => v,
            // On this endpoint a refusal is about the app's key or secret, not about a token.
            Answer::TokenRefused(r) => {
                return Err(CardOutcome::Permanent(format!("access token refused: {r}")));
            }
            Answer::Failed(CardOutcome::Permanent(r) | CardOutcome::AlreadyExists(r)) => {
                return Err(CardOutcome::Permanent(format!("access token refused: {r}")));
            }
            Answer::Failed(other) => return Err(other),
        };
        let token = value.get("accessToken").and_then(|t| t.as_str());
        let expire_in = value.get("expireIn").and_then(|t| t.as_u64());
        match (token, expire_in) {
            (Some(t), Some(secs)) if !t.is_empty() && secs > 0 => Ok(Fetched {
                token: Secret::new(t),
                // DingTalk gives 7200 s; a larger answer (a proxy's, a bug's) is not believed,
                // and an Instant plus u64::MAX seconds would panic the sender.
                expires_in: Duration::from_secs(secs.min(LONGEST_TOKEN_LIFE_SECS)),
            }),
            _ => Err(CardOutcome::Retryable(
                "access token answer without accessToken and expireIn".into(),
            )),
        }
    }
}
