//! 加签: HMAC-SHA256 keyed by the `SEC…` secret over `"{timestamp}\n{secret}"`, base64.

use crate::secret::Secret;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The raw base64 signature. It must be percent-encoded exactly once, which
/// [`signed_url`] leaves to the query builder.
pub fn signature(secret: &Secret, timestamp_ms: i64) -> String {
    let key = secret.expose();
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(format!("{timestamp_ms}\n{key}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The robot URL with `timestamp` and `sign` added (or unchanged for an unsigned robot).
pub fn signed_url(webhook: &url::Url, secret: Option<&Secret>, timestamp_ms: i64) -> url::Url {
    let mut url = webhook.clone();
    if let Some(secret) = secret {
        url.query_pairs_mut()
            .append_pair("timestamp", &timestamp_ms.to_string())
            .append_pair("sign", &signature(secret, timestamp_ms));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_vector() {
        let secret = Secret::new("secret");
        assert_eq!(
            signature(&secret, 1_700_000_000_000),
            "OuzzJR5+xZ4/EYwqtNt6sMYZQMTa/HEGvc9miJe7XzY="
        );
        let base =
            url::Url::parse("https://oapi.dingtalk.com/robot/send?access_token=t").expect("url");
        let url = signed_url(&base, Some(&secret), 1_700_000_000_000);
        assert_eq!(
            url.query(),
            Some(
                "access_token=t&timestamp=1700000000000&sign=OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"
            )
        );
    }

    #[test]
    fn unsigned_robot_keeps_its_url() {
        let base =
            url::Url::parse("https://oapi.dingtalk.com/robot/send?access_token=t").expect("url");
        assert_eq!(signed_url(&base, None, 1), base);
    }
}
