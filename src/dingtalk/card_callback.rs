//! Card button clicks: DingTalk POSTs them to the callback URL registered for the app, signed
//! with the `apiSecret` given at registration (`callback_secret` in the configuration).
//!
//! `x-ddpaas-signature` = base64(HMAC-SHA256(key = apiSecret, message = the
//! `x-ddpaas-signature-timestamp` header, milliseconds, as sent)). Only the timestamp is signed,
//! not the body, so a stale timestamp is refused, and the HTTP handler lets each signature act
//! once (remembered in the outbox for every replica): a captured signature cannot carry a
//! second click, with this body or another. Nothing ties the body to the signature beyond
//! that; the card it names must also belong to the robot whose secret signed it.

use crate::secret::Secret;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const SIGNATURE_HEADER: &str = "x-ddpaas-signature";
pub const TIMESTAMP_HEADER: &str = "x-ddpaas-signature-timestamp";
/// How far the signed timestamp may be from our clock, either way.
pub const MAX_SKEW_MS: i64 = 5 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    #[error("{TIMESTAMP_HEADER} is not a millisecond timestamp")]
    BadTimestamp,
    #[error("{TIMESTAMP_HEADER} is more than 5 minutes from now")]
    Stale,
    #[error("{SIGNATURE_HEADER} does not match")]
    BadSignature,
    #[error("callback body: {0}")]
    Body(String),
}

/// What a button press asks for. Templates send `params: {"action": "resolve"|"ignore"|"claim"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardAction {
    Resolve,
    Ignore,
    Claim,
    /// Silence the card's issue for an hour (in the relay).
    Silence,
}

impl CardAction {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "resolve" => Self::Resolve,
            "ignore" => Self::Ignore,
            "claim" => Self::Claim,
            "silence" => Self::Silence,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resolve => "resolve",
            Self::Ignore => "ignore",
            Self::Claim => "claim",
            Self::Silence => "silence",
        }
    }
}

/// One click on a card's button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardClick {
    /// The card, as the relay named it when it created it.
    pub out_track_id: String,
    /// The DingTalk userId of whoever clicked (the documented callback carries no name; the
    /// contacts API can look one up).
    pub user_id: String,
    pub corp_id: Option<String>,
    pub action: CardAction,
}

/// The signature DingTalk sends for `timestamp`.
pub fn signature(secret: &Secret, timestamp: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks the two headers' values against `secret` at `now_ms`. The comparison takes the same
/// time wherever the signatures differ.
pub fn verify(
    secret: &Secret,
    timestamp: Option<&str>,
    signature_header: Option<&str>,
    now_ms: i64,
) -> Result<(), CallbackError> {
    let ts = timestamp
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(CallbackError::MissingHeader(TIMESTAMP_HEADER))?;
    let given = signature_header
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(CallbackError::MissingHeader(SIGNATURE_HEADER))?;
    let at: i64 = ts.parse().map_err(|_| CallbackError::BadTimestamp)?;
    if now_ms.abs_diff(at) > MAX_SKEW_MS as u64 {
        return Err(CallbackError::Stale);
    }
    let expected = signature(secret, ts);
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(CallbackError::BadSignature)
    }
}

/// Reads a click: `{"type": "actionCallback", "outTrackId", "corpId", "userId", "content":
/// "{\"cardPrivateData\":{\"actionIds\":[…],\"params\":{\"action\":\"resolve\"}}}"}`.
/// `content` is JSON inside a string; an object is taken as well.
pub fn parse_click(body: &[u8]) -> Result<CardClick, CallbackError> {
    let bad = |why: &str| CallbackError::Body(why.to_string());
    let v: Value = serde_json::from_slice(body).map_err(|_| bad("not JSON"))?;
    if let Some(kind) = v.get("type").and_then(Value::as_str)
        && kind != "actionCallback"
    {
        let kind: String = kind.chars().take(40).collect();
        return Err(CallbackError::Body(format!(
            "type `{kind}` is not actionCallback"
        )));
    }
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let out_track_id = text("outTrackId").ok_or_else(|| bad("no outTrackId"))?;
    let user_id = text("userId").ok_or_else(|| bad("no userId"))?;
    let content = match v.get("content") {
        Some(Value::String(s)) => {
            serde_json::from_str(s).map_err(|_| bad("content is not JSON"))?
        }
        Some(obj @ Value::Object(_)) => obj.clone(),
        _ => return Err(bad("no content")),
    };
    let action = content
        .pointer("/cardPrivateData/params/action")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no cardPrivateData.params.action"))?;
    let action = CardAction::parse(action).ok_or_else(|| {
        let shown: String = action.chars().take(40).collect();
        CallbackError::Body(format!("action `{shown}` is not resolve, ignore or claim"))
    })?;
    Ok(CardClick {
        out_track_id,
        user_id,
        corp_id: text("corpId"),
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "card-callback-secret";
    const TS: &str = "1732600000000";

    #[test]
    fn the_signature_is_base64_hmac_sha256_of_the_timestamp() {
        // Computed independently: printf %s 1732600000000 | openssl dgst -sha256 -hmac
        // card-callback-secret -binary | base64
        assert_eq!(
            signature(&Secret::new(SECRET), TS),
            "WvR5oPFXOgqHmCJfT9VETrwYwvgxwjK8xZKNgSxHQRI="
        );
    }

    #[test]
    fn verify_accepts_the_right_signature_only_and_refuses_stale_times() {
        let secret = Secret::new(SECRET);
        let sig = signature(&secret, TS);
        let now: i64 = 1_732_600_000_000 + 60_000;
        assert_eq!(verify(&secret, Some(TS), Some(&sig), now), Ok(()));
        let wrong = Secret::new("other");
        assert_eq!(
            verify(&wrong, Some(TS), Some(&sig), now),
            Err(CallbackError::BadSignature)
        );
        assert_eq!(
            verify(&secret, Some(TS), Some("AAAA"), now),
            Err(CallbackError::BadSignature)
        );
        let later = 1_732_600_000_000 + MAX_SKEW_MS + 1;
        assert_eq!(
            verify(&secret, Some(TS), Some(&sig), later),
            Err(CallbackError::Stale)
        );
        let earlier = 1_732_600_000_000 - MAX_SKEW_MS - 1;
        assert_eq!(
            verify(&secret, Some(TS), Some(&sig), earlier),
            Err(CallbackError::Stale)
        );
        assert_eq!(
            verify(&secret, None, Some(&sig), now),
            Err(CallbackError::MissingHeader(TIMESTAMP_HEADER))
        );
        assert_eq!(
            verify(&secret, Some(TS), None, now),
            Err(CallbackError::MissingHeader(SIGNATURE_HEADER))
        );
        assert_eq!(
            verify(&secret, Some("soon"), Some(&sig), now),
            Err(CallbackError::BadTimestamp)
        );
        let err = verify(&wrong, Some(TS), Some(&sig), now)
            .expect_err("refused")
            .to_string();
        assert!(!err.contains(SECRET) && !err.contains("other"), "{err}");
    }

    #[test]
    fn a_click_yields_the_card_the_user_and_the_action() {
        let body = br#"{"type":"actionCallback","outTrackId":"sentry-42","corpId":"ding1","userId":"u007",
            "content":"{\"cardPrivateData\":{\"actionIds\":[\"btn1\"],\"params\":{\"action\":\"resolve\"}}}"}"#;
        let click = parse_click(body).expect("parses");
        assert_eq!(
            click,
            CardClick {
                out_track_id: "sentry-42".into(),
                user_id: "u007".into(),
                corp_id: Some("ding1".into()),
                action: CardAction::Resolve,
            }
        );
        let object_content = br#"{"outTrackId":"t","userId":"u","content":{"cardPrivateData":{"params":{"action":"claim"}}}}"#;
        assert_eq!(
            parse_click(object_content).expect("parses").action,
            CardAction::Claim
        );
    }

    #[test]
    fn malformed_clicks_are_refused_with_a_reason() {
        let cases: &[&[u8]] = &[
            b"not json",
            br#"{"userId":"u","content":"{}"}"#,
            br#"{"outTrackId":"t","content":"{\"cardPrivateData\":{\"params\":{\"action\":\"resolve\"}}}"}"#,
            br#"{"outTrackId":"t","userId":"u","content":"{not json"}"#,
            br#"{"outTrackId":"t","userId":"u","content":"{\"cardPrivateData\":{\"params\":{}}}"}"#,
            br#"{"outTrackId":"t","userId":"u","content":"{\"cardPrivateData\":{\"params\":{\"action\":\"delete\"}}}"}"#,
            br#"{"type":"other","outTrackId":"t","userId":"u","content":"{}"}"#,
        ];
        for body in cases {
            assert!(
                matches!(parse_click(body), Err(CallbackError::Body(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
