//! The Sentry Web API (`{SENTRY_URL}/api/0/`, Bearer token or a legacy API key): issue
//! details, latest events, status updates, the paginated issue list, and what the token may do.
//!
//! Sentry sends no `Retry-After`: on 429 (or when `X-Sentry-Rate-Limit-Remaining` reaches 0)
//! every call waits until `X-Sentry-Rate-Limit-Reset`. A refused token is logged once per
//! interval, not once per alert.

pub use super::api_auth::ApiAuth;
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ApiError {
    #[error("Sentry API rate limit; calls resume at {reset_at} (epoch s)")]
    RateLimited { reset_at: i64 },
    #[error(
        "Sentry API refused the credentials (HTTP {0}); check SENTRY_API_TOKEN (or SENTRY_API_KEY) and its scopes"
    )]
    Unauthorized(u16),
    #[error("Sentry API answered HTTP {0}")]
    Status(u16),
    /// HTTP 400 with Sentry's reason (`detail`), which says what to change.
    #[error("Sentry API refused the request (HTTP 400): {0}")]
    BadRequest(String),
    #[error("Sentry API answer is not JSON")]
    NotJson,
    #[error("Sentry API unreachable: {0}")]
    Transport(String),
    /// Sentry's issue ids are numbers; another would reach the API as a path (`.` made
    /// `…/issues/./`, Sentry's bulk update of every issue).
    #[error("not a Sentry issue id; no call made")]
    NotAnIssueId,
}

/// One page of a list, and the cursor of the next page when `results="true"`.
#[derive(Debug)]
pub struct Page {
    pub items: Vec<Value>,
    pub next: Option<String>,
    /// The `Link` header was missing or malformed: the caller stops and says the list is partial.
    pub malformed_link: bool,
}

pub struct SentryApi {
    http: reqwest::Client,
    base: String,
    auth: ApiAuth,
    pub org: String,
    /// Epoch seconds before which no call is made (429 or an exhausted window).
    blocked_until: Mutex<i64>,
    last_auth_log: Mutex<Option<Instant>>,
    cache: Mutex<HashMap<String, (Instant, Value)>>,
}

const CACHE_TTL: Duration = Duration::from_secs(60);
const CACHE_MAX: usize = 2_000;
const AUTH_LOG_EVERY: Duration = Duration::from_secs(300);

impl SentryApi {
    pub fn new(sentry_url: &str, org: &str, auth: ApiAuth, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("sentry-dingtalk/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            http,
            base: format!("{}/api/0", sentry_url.trim_end_matches('/')),
            auth,
            org: org.to_string(),
            blocked_until: Mutex::new(0),
            last_auth_log: Mutex::new(None),
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn issue_path(&self, issue_id: &str) -> Result<String, ApiError> {
        if !super::bounds::is_issue_id(issue_id) {
            return Err(ApiError::NotAnIssueId);
        }
        Ok(format!(
            "/organizations/{}/issues/{issue_id}/",
            enc(&self.org)
        ))
    }

    /// `GET /api/0/`: who the credentials are and their scopes (`auth.scopes`). Not cached.
    pub async fn root(&self) -> Result<Value, ApiError> {
        let (value, _) = self.call(self.http.get(format!("{}/", self.base))).await?;
        Ok(value)
    }

    /// `GET /api/0/organizations/{org}/`: proves the organization is reachable. Not cached.
    pub async fn organization(&self) -> Result<Value, ApiError> {
        let url = format!("{}/organizations/{}/", self.base, enc(&self.org));
        let (value, _) = self.call(self.http.get(url)).await?;
        Ok(value)
    }

    /// `GET …/issues/{id}/`, cached for a minute so a storm on one issue makes one call.
    pub async fn issue(&self, issue_id: &str) -> Result<Value, ApiError> {
        self.cached_get(&self.issue_path(issue_id)?).await
    }

    pub async fn latest_event(&self, issue_id: &str) -> Result<Value, ApiError> {
        self.cached_get(&format!("{}events/latest/", self.issue_path(issue_id)?))
            .await
    }

    /// `PUT …/issues/{id}/` with e.g. `{"status":"resolved"}`.
    pub async fn update_issue(&self, issue_id: &str, body: &Value) -> Result<Value, ApiError> {
        let req = self
            .http
            .put(format!("{}{}", self.base, self.issue_path(issue_id)?))
            .json(body);
        let (value, _) = self.call(req).await?;
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
        Ok(value)
    }

    /// One page of unresolved issues seen within `stats_period` (e.g. `24h`), most events first.
    pub async fn unresolved_issues(
        &self,
        project: Option<&str>,
        stats_period: &str,
        cursor: Option<&str>,
    ) -> Result<Page, ApiError> {
        let path = match project {
            Some(p) => format!("/projects/{}/{}/issues/", enc(&self.org), enc(p)),
            None => format!("/organizations/{}/issues/", enc(&self.org)),
        };
        let mut query = vec![
            ("query", format!("is:unresolved lastSeen:-{stats_period}")),
            ("sort", "freq".to_string()),
            ("limit", "100".to_string()),
        ];
        // The project list answers 400 to a `statsPeriod` other than 24h or 14d (`--since 7d`
        // failed); the query's `lastSeen` limits the list either way.
        if project.is_none() || ["24h", "14d"].contains(&stats_period) {
            query.push(("statsPeriod", stats_period.to_string()));
        }
        if let Some(c) = cursor {
            query.push(("cursor", c.to_string()));
        }
        let req = self.http.get(format!("{}{path}", self.base)).query(&query);
        let (value, headers) = self.call(req).await?;
        let items = value.as_array().cloned().unwrap_or_default();
        let link = headers.get("link").and_then(|v| v.to_str().ok());
        let (next, malformed_link) = match link.map(next_cursor) {
            Some(Ok(next)) => (next, false),
            Some(Err(MalformedLink)) | None => (None, true),
        };
        Ok(Page {
            items,
            next,
            malformed_link,
        })
    }

    async fn cached_get(&self, path: &str) -> Result<Value, ApiError> {
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(path)
            .cloned();
        if let Some((_, v)) = cached.filter(|(at, _)| at.elapsed() < CACHE_TTL) {
            return Ok(v);
        }
        let (value, _) = self
            .call(self.http.get(format!("{}{path}", self.base)))
            .await?;
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
        }
        cache.insert(path.to_string(), (Instant::now(), value.clone()));
        Ok(value)
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Result<(Value, HeaderMap), ApiError> {
        let now = epoch_secs();
        let blocked = *self.blocked_until.lock().unwrap_or_else(|p| p.into_inner());
        if blocked > now {
            return Err(ApiError::RateLimited { reset_at: blocked });
        }
        let resp = self.auth.authorize(req).send().await.map_err(|e| {
            ApiError::Transport(if e.is_timeout() {
                "timeout".into()
            } else {
                "connection failed".into()
            })
        })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let header_i64 = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        let reset = header_i64("x-sentry-rate-limit-reset");
        if status == 429 || header_i64("x-sentry-rate-limit-remaining") == Some(0) {
            // Without a reset header, back off for a minute rather than hammer.
            let until = reset.unwrap_or(now + 60);
            *self.blocked_until.lock().unwrap_or_else(|p| p.into_inner()) = until;
            if status == 429 {
                return Err(ApiError::RateLimited { reset_at: until });
            }
        }
        if status == 401 || status == 403 {
            self.log_auth_failure(status);
            return Err(ApiError::Unauthorized(status));
        }
        if status == 400 {
            let body = resp.bytes().await.unwrap_or_default();
            let detail = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("detail")?.as_str().map(str::to_owned))
                .unwrap_or_else(|| "no reason given".into());
            return Err(ApiError::BadRequest(detail.chars().take(200).collect()));
        }
        if !(200..300).contains(&status) {
            return Err(ApiError::Status(status));
        }
        let body = resp
            .bytes()
            .await
            .map_err(|_| ApiError::Transport("reading the answer failed".into()))?;
        let value = serde_json::from_slice(&body).map_err(|_| ApiError::NotJson)?;
        Ok((value, headers))
    }

    fn log_auth_failure(&self, status: u16) {
        let mut last = self.last_auth_log.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_none_or(|t| t.elapsed() >= AUTH_LOG_EVERY) {
            *last = Some(Instant::now());
            tracing::error!(
                status,
                "Sentry API refused SENTRY_API_TOKEN; alerts are sent without enrichment (logged once per 5 min)"
            );
        }
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn epoch_secs() -> i64 {
    crate::clock::now_ms() / 1000
}

#[derive(Debug, PartialEq, Eq)]
pub struct MalformedLink;

/// The next cursor from a Sentry `Link` header: `Ok(None)` on the last page
/// (`rel="next"; results="false"`), `Err` when the header cannot be read.
pub fn next_cursor(link: &str) -> Result<Option<String>, MalformedLink> {
    for part in link.split(',') {
        let mut fields = part.split(';').map(str::trim);
        let target = fields.next().ok_or(MalformedLink)?;
        if !(target.starts_with('<') && target.ends_with('>')) {
            return Err(MalformedLink);
        }
        let mut rel = None;
        let mut results = None;
        let mut cursor = None;
        for f in fields {
            let (k, v) = f.split_once('=').ok_or(MalformedLink)?;
            let v = v.trim().trim_matches('"').to_string();
            match k.trim() {
                "rel" => rel = Some(v),
                "results" => results = Some(v),
                "cursor" => cursor = Some(v),
                _ => {}
            }
        }
        if rel.as_deref() == Some("next") {
            return match (results.as_deref(), cursor) {
                (Some("true"), Some(c)) => Ok(Some(c)),
                (Some("false"), _) => Ok(None),
                _ => Err(MalformedLink),
            };
        }
    }
    Err(MalformedLink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sentrys_link_header() {
        let page = r#"<https://sentry.io/api/0/organizations/acme/issues/?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <https://sentry.io/api/0/organizations/acme/issues/?&cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0""#;
        assert_eq!(next_cursor(page), Ok(Some("0:100:0".into())));
        let last = page.replace(
            r#"results="true"; cursor="0:100:0""#,
            r#"results="false"; cursor="0:100:0""#,
        );
        assert_eq!(next_cursor(&last), Ok(None));
        assert_eq!(next_cursor("garbage"), Err(MalformedLink));
        assert_eq!(next_cursor(r#"<x>; rel="next""#), Err(MalformedLink));
    }
}
