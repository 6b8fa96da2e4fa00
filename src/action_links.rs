//! Chat actions: signed, expiring, single-use links that resolve, ignore or silence an issue.
//!
//! A token is `base64url(issue_id|action|expires|nonce[|robot]) . base64url(HMAC-SHA256)`,
//! keyed by a relay key kept in the outbox (created on first use, shared by every replica).
//! The robot (silence links) is the group the confirmation goes to. Single use is enforced by
//! the outbox (the nonce is recorded when the action runs). The issue id comes from a payload:
//! it is percent-encoded, so a `|` in it cannot pose as the fields after it.

use crate::dingtalk::Button;
use crate::domain::alert::{Alert, AlertKind};
use crate::domain::lang::Lang;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use rand::RngCore;
use sha2::Sha256;

/// What is encoded in the issue id field: the separator, and `%` so the decoding is exact.
const FIELD: &AsciiSet = &CONTROLS.add(b'|').add(b'%');

/// How long an action link works.
pub const DEFAULT_TTL_SECS: i64 = 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Resolve,
    /// Ignore for one hour.
    Ignore,
    /// Silence the issue's alerts for one hour (in the relay; Sentry is not asked).
    Silence,
    /// Assign the issue in Sentry to one of the configured people.
    Claim,
}

/// How long a silence from the chat lasts.
pub const CHAT_SILENCE_MS: i64 = 3_600_000;

mod storm_link;

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resolve => "resolve",
            Self::Ignore => "ignore",
            Self::Silence => "silence",
            Self::Claim => "claim",
        }
    }

    /// The action as done, for the trace: `resolved`, `ignored`, …
    pub fn done(self) -> &'static str {
        match self {
            Self::Resolve => "resolved",
            Self::Ignore => "ignored",
            Self::Silence => "silenced",
            Self::Claim => "claimed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "resolve" => Some(Self::Resolve),
            "ignore" => Some(Self::Ignore),
            "silence" => Some(Self::Silence),
            "claim" => Some(Self::Claim),
            _ => None,
        }
    }

    /// The body of `PUT /api/0/organizations/{org}/issues/{id}/`; `None` for an action the
    /// relay does itself.
    pub fn api_body(self) -> Option<serde_json::Value> {
        match self {
            Self::Resolve => Some(serde_json::json!({"status": "resolved"})),
            Self::Ignore => Some(
                serde_json::json!({"status": "ignored", "statusDetails": {"ignoreDuration": 60}}),
            ),
            Self::Silence | Self::Claim => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub issue_id: String,
    pub action: Action,
    pub expires: i64,
    pub nonce: String,
    /// The robot whose message carried the link (silence links), told what was done.
    pub robot: Option<String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("this link is not valid (it was changed or not made by this relay)")]
    Tampered,
    #[error("this link has expired")]
    Expired,
}

pub struct ActionSigner {
    key: Vec<u8>,
    pub public_url: String,
    pub ttl_secs: i64,
    /// Whether the Sentry API can resolve and ignore: without it only silence links are made.
    sentry: bool,
    /// Whether people with a Sentry account are configured: then a Claim link is made.
    claim: bool,
}

impl std::fmt::Debug for ActionSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionSigner")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl ActionSigner {
    pub fn new(key: Vec<u8>, public_url: &str) -> Self {
        Self {
            key,
            public_url: public_url.trim_end_matches('/').to_string(),
            ttl_secs: DEFAULT_TTL_SECS,
            sentry: true,
            claim: false,
        }
    }

    /// Whether Claim links are made (people with a `sentry` account are configured).
    pub fn with_claim(mut self, claim: bool) -> Self {
        self.claim = claim;
        self
    }

    /// Whether Resolve and Ignore links are made (the Sentry API is configured).
    pub fn with_sentry(mut self, sentry: bool) -> Self {
        self.sentry = sentry;
        self
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(payload);
        mac
    }

    pub fn token(&self, issue_id: &str, action: Action, now: i64) -> String {
        self.token_for(issue_id, action, None, now)
    }

    fn token_for(&self, issue_id: &str, action: Action, robot: Option<&str>, now: i64) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let mut payload = format!(
            "{}|{}|{}|{}",
            utf8_percent_encode(issue_id, FIELD),
            action.as_str(),
            now + self.ttl_secs,
            hex::encode(nonce)
        );
        if let Some(robot) = robot {
            payload.push('|');
            payload.push_str(robot);
        }
        let sig = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!("{}.{}", B64.encode(payload), B64.encode(sig))
    }

    pub fn url(&self, issue_id: &str, action: Action, now: i64) -> String {
        self.url_for(issue_id, action, None, now)
    }

    fn url_for(&self, issue_id: &str, action: Action, robot: Option<&str>, now: i64) -> String {
        let token = self.token_for(issue_id, action, robot, now);
        format!("{}/actions/{token}", self.public_url)
    }

    /// Checks the signature (constant time), then the expiry.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claim, TokenError> {
        let (payload_b64, sig_b64) = token.split_once('.').ok_or(TokenError::Tampered)?;
        let payload = B64.decode(payload_b64).map_err(|_| TokenError::Tampered)?;
        let sig = B64.decode(sig_b64).map_err(|_| TokenError::Tampered)?;
        self.mac(&payload)
            .verify_slice(&sig)
            .map_err(|_| TokenError::Tampered)?;
        let text = String::from_utf8(payload).map_err(|_| TokenError::Tampered)?;
        // The robot, last, may hold anything: split off the four fixed fields only.
        let parts: Vec<&str> = text.splitn(5, '|').collect();
        let (issue_id, action, expires, nonce, robot) = match parts.as_slice() {
            [i, a, e, n] => (i, a, e, n, None),
            [i, a, e, n, r] => (i, a, e, n, Some(r.to_string())),
            _ => return Err(TokenError::Tampered),
        };
        let issue_id = percent_decode_str(issue_id)
            .decode_utf8()
            .map_err(|_| TokenError::Tampered)?;
        let claim = Claim {
            issue_id: issue_id.into_owned(),
            action: Action::parse(action).ok_or(TokenError::Tampered)?,
            expires: expires.parse().map_err(|_| TokenError::Tampered)?,
            nonce: nonce.to_string(),
            robot,
        };
        if claim.expires < now {
            return Err(TokenError::Expired);
        }
        Ok(claim)
    }

    /// View / Resolve / Ignore 1 h / Claim / Silence 1 h for an alert about an issue posted by
    /// `robot`
    /// (labels follow `ALERT_LANG`).
    pub fn buttons_for(&self, alert: &Alert, lang: Lang, robot: &str) -> Vec<Button> {
        let Some(issue) = alert.issue_id.as_deref() else {
            return Vec::new();
        };
        if !matches!(
            alert.kind,
            AlertKind::Issue | AlertKind::EventAlert | AlertKind::Error
        ) || alert.action == "resolved"
        {
            return Vec::new();
        }
        let zh = lang == Lang::Zh;
        let now = crate::clock::now_ms() / 1000;
        let mut buttons = Vec::new();
        if let Some(link) = &alert.link {
            buttons.push(Button {
                title: if zh {
                    "在 Sentry 中查看"
                } else {
                    "View in Sentry"
                }
                .into(),
                url: link.clone(),
            });
        }
        if self.sentry {
            buttons.push(Button {
                title: if zh { "解决" } else { "Resolve" }.into(),
                url: self.url(issue, Action::Resolve, now),
            });
            buttons.push(Button {
                title: if zh { "忽略 1 小时" } else { "Ignore 1 h" }.into(),
                url: self.url(issue, Action::Ignore, now),
            });
            if self.claim {
                buttons.push(Button {
                    title: if zh { "我来处理" } else { "Claim" }.into(),
                    url: self.url_for(issue, Action::Claim, Some(robot), now),
                });
            }
        }
        buttons.push(Button {
            title: if zh { "静默 1 小时" } else { "Silence 1 h" }.into(),
            url: self.url_for(issue, Action::Silence, Some(robot), now),
        });
        buttons
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_expire_and_resist_tampering() {
        let s = ActionSigner::new(vec![7; 32], "https://relay.example/");
        let t = s.token("42", Action::Resolve, 1_000);
        let claim = s.verify(&t, 1_001).expect("valid");
        assert_eq!(
            (claim.issue_id.as_str(), claim.action),
            ("42", Action::Resolve)
        );
        assert_eq!(
            s.verify(&t, 1_000 + DEFAULT_TTL_SECS + 1),
            Err(TokenError::Expired)
        );
        let mut forged = t.clone();
        forged.replace_range(0..1, if t.starts_with('A') { "B" } else { "A" });
        assert_eq!(s.verify(&forged, 1_001), Err(TokenError::Tampered));
        let other = ActionSigner::new(vec![8; 32], "https://relay.example");
        assert_eq!(other.verify(&t, 1_001), Err(TokenError::Tampered));
        assert_eq!(s.verify("garbage", 1), Err(TokenError::Tampered));
        assert!(
            s.url("42", Action::Ignore, 0)
                .starts_with("https://relay.example/actions/")
        );
        // A silence link names the robot to tell, under the signature.
        let silence = s.token_for("42", Action::Silence, Some("ops|night"), 1_000);
        let claim = s.verify(&silence, 1_001).expect("valid");
        assert_eq!(
            (claim.action, claim.robot.as_deref()),
            (Action::Silence, Some("ops|night"))
        );
    }

    /// An issue id from a payload that holds the separator stays one field: it cannot make a
    /// link for another issue, action or expiry.
    #[test]
    fn an_issue_id_with_the_separator_stays_the_issue_id() {
        let s = ActionSigner::new(vec![7; 32], "https://relay.example/");
        for id in ["123|resolve|99999999999|n1", "7%7C8", "名|%"] {
            let t = s.token(id, Action::Silence, 1_000);
            let claim = s.verify(&t, 1_001).expect("valid");
            assert_eq!(
                (claim.issue_id.as_str(), claim.action),
                (id, Action::Silence)
            );
            assert_eq!(
                s.verify(&t, 1_000 + DEFAULT_TTL_SECS + 1),
                Err(TokenError::Expired),
                "{id}: the link's own expiry"
            );
        }
    }
}
