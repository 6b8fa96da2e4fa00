//! How the Sentry API client authenticates: a Bearer token, or the legacy API key of an old
//! self-hosted Sentry sent as HTTP Basic (the key as user, an empty password), as Sentry's Web
//! API documentation describes. Neither value is ever printed.

use crate::secret::Secret;

/// How the client proves who it is. Neither variant prints its value (`Secret`).
#[derive(Debug, Clone)]
pub enum ApiAuth {
    /// `Authorization: Bearer …`: an integration or auth token.
    Bearer(Secret),
    /// A legacy API key of an old self-hosted Sentry: HTTP Basic, the key as user, no password.
    Basic(Secret),
}

impl ApiAuth {
    /// The token when set, else the legacy key (`SENTRY_API_TOKEN`, `SENTRY_API_KEY`).
    pub fn pick(token: Option<&Secret>, legacy_key: Option<&Secret>) -> Option<Self> {
        token
            .cloned()
            .map(Self::Bearer)
            .or_else(|| legacy_key.cloned().map(Self::Basic))
    }

    /// The request with the credentials attached; the only place they leave the process.
    pub fn authorize(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Self::Bearer(token) => req.bearer_auth(token.expose()),
            Self::Basic(key) => req.basic_auth(key.expose(), Some("")),
        }
    }
}
