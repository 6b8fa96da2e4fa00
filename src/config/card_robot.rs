//! A robot of `kind = "card"`: an enterprise internal app's robot that posts interactive cards
//! through the open API, instead of a custom robot's webhook.

use super::env_values::expand;
use crate::dingtalk::openapi::AppCredentials;
use crate::secret::Secret;
use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct CardRobot {
    /// `app_key` and `app_secret`: what the open API's access token is asked with.
    pub app: AppCredentials,
    /// The app robot's code; the AppKey unless the file says otherwise.
    pub robot_code: String,
    pub card_template_id: String,
    /// The group the cards go to (`cid…==`).
    pub open_conversation_id: String,
    /// The `apiSecret` registered for the app's card callbacks; signs button clicks.
    pub callback_secret: Secret,
    /// The `callbackRouteKey` the app's card callback was registered with: cards created with
    /// it send their button clicks to this relay. `None`: the cards' buttons call nothing back.
    pub callback_route_key: Option<String>,
    /// `api_calls_per_month`: the open-API calls this robot may make in a month (DingTalk's
    /// month, `domain::quota`); `None`: no limit of its own, only DingTalk's `90020` stops it.
    pub api_calls_per_month: Option<u64>,
    /// A custom robot of the same group that gets the cards as markdown while the quota is
    /// spent; `None`: card operations wait for the next month.
    pub fallback: Option<Fallback>,
}

/// `fallback_webhook` and its 加签 `fallback_secret`: a custom robot, as `webhook`/`secret`.
#[derive(Clone, PartialEq, Eq)]
pub struct Fallback {
    pub webhook: Secret,
    pub secret: Option<Secret>,
}

/// By hand, so the secrets' absence from `Debug` does not depend on another type.
impl fmt::Debug for CardRobot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardRobot")
            .field("app_key", &self.app.app_key)
            .field("app_secret", &"<redacted>")
            .field("robot_code", &self.robot_code)
            .field("card_template_id", &self.card_template_id)
            .field("open_conversation_id", &self.open_conversation_id)
            .field("callback_secret", &"<redacted>")
            .field("callback_route_key", &self.callback_route_key)
            .field("api_calls_per_month", &self.api_calls_per_month)
            .field("fallback", &self.fallback.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The card keys of one `[[robots]]` entry, as written (secrets too: no `Debug`).
#[derive(Default)]
pub(super) struct CardKeys {
    pub app_key: Option<String>,
    pub app_secret: Option<String>,
    pub robot_code: Option<String>,
    pub card_template_id: Option<String>,
    pub open_conversation_id: Option<String>,
    pub callback_secret: Option<String>,
    pub callback_route_key: Option<String>,
    pub api_calls_per_month: Option<u64>,
    pub fallback_webhook: Option<String>,
    pub fallback_secret: Option<String>,
}

impl CardKeys {
    /// The keys that are set, for "a custom robot does not take …".
    pub fn present(&self) -> Vec<&'static str> {
        [
            ("app_key", &self.app_key),
            ("app_secret", &self.app_secret),
            ("robot_code", &self.robot_code),
            ("card_template_id", &self.card_template_id),
            ("open_conversation_id", &self.open_conversation_id),
            ("callback_secret", &self.callback_secret),
            ("callback_route_key", &self.callback_route_key),
            ("fallback_webhook", &self.fallback_webhook),
            ("fallback_secret", &self.fallback_secret),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
        .chain(self.api_calls_per_month.map(|_| "api_calls_per_month"))
        .collect()
    }

    /// Every key `${VAR}`-expanded and non-empty; errors name the key (and the variable), never
    /// a value.
    pub fn build(self, env: &dyn Fn(&str) -> Option<String>) -> Result<CardRobot, String> {
        let required = |key: &str, v: Option<String>| -> Result<String, String> {
            let raw = v.ok_or_else(|| format!("{key} is required for kind = \"card\""))?;
            let value = expand(&raw, env).map_err(|e| format!("{key}: {e}"))?;
            let value = value.trim().to_string();
            if value.is_empty() {
                return Err(format!("{key} is empty"));
            }
            Ok(value)
        };
        let app_key = required("app_key", self.app_key)?;
        let callback_route_key = match self.callback_route_key {
            Some(key) => Some(required("callback_route_key", Some(key))?),
            None => None,
        };
        let robot_code = match self.robot_code {
            Some(code) => required("robot_code", Some(code))?,
            None => app_key.clone(),
        };
        if self.api_calls_per_month == Some(0) {
            return Err(
                "api_calls_per_month must be at least 1 (leave it out for no limit)".into(),
            );
        }
        let fallback = match self.fallback_webhook {
            Some(raw) => {
                let webhook = required("fallback_webhook", Some(raw))?;
                super::check_robot_url(&webhook)
                    .map_err(|_| "fallback_webhook is not an http(s) URL".to_string())?;
                let secret = match self.fallback_secret {
                    Some(s) => Some(Secret::new(required("fallback_secret", Some(s))?)),
                    None => None,
                };
                Some(Fallback {
                    webhook: Secret::new(webhook),
                    secret,
                })
            }
            None if self.fallback_secret.is_some() => {
                return Err("fallback_secret needs fallback_webhook".into());
            }
            None => None,
        };
        Ok(CardRobot {
            api_calls_per_month: self.api_calls_per_month,
            fallback,
            app: AppCredentials {
                app_secret: Secret::new(required("app_secret", self.app_secret)?),
                app_key,
            },
            robot_code,
            card_template_id: required("card_template_id", self.card_template_id)?,
            open_conversation_id: required("open_conversation_id", self.open_conversation_id)?,
            callback_secret: Secret::new(required("callback_secret", self.callback_secret)?),
            callback_route_key,
        })
    }
}

#[cfg(test)]
mod tests;
