//! Sentry signs the exact body bytes: lowercase hex HMAC-SHA256 keyed by the client secret.

use crate::secret::Secret;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// True when `signature` matches `body` under any of `secrets` (rotation). The comparison is
/// constant-time (`Mac::verify_slice`), and the body is never re-serialized before it.
pub fn verify(body: &[u8], signature: &str, secrets: &[Secret]) -> bool {
    let Ok(expected) = hex::decode(signature.trim()) else {
        return false;
    };
    // Every secret is tried so the time taken does not tell which one matched.
    secrets.iter().fold(false, |matched, secret| {
        let mut mac = mac_for(secret);
        mac.update(body);
        mac.verify_slice(&expected).is_ok() | matched
    })
}

/// The header value Sentry would send for `body`; used by `replay --to` and tests.
pub fn sign(body: &[u8], secret: &Secret) -> String {
    let mut mac = mac_for(secret);
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn mac_for(secret: &Secret) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(secret.expose().as_bytes()).unwrap_or_else(|_| unreachable!())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sentrys_hexdigest() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"key",b"{\"a\":1}",hashlib.sha256).hexdigest())'
        let sig = sign(br#"{"a":1}"#, &Secret::new("key"));
        assert_eq!(
            sig,
            "88a67f24bbcdaed0e6c997404bb79a743baf44c6bab2f4c27328e3009d22e342"
        );
    }

    #[test]
    fn accepts_any_rotated_secret_and_rejects_others() {
        let body = br#"{"action":"created"}"#;
        let secrets = [Secret::new("old"), Secret::new("new")];
        assert!(verify(body, &sign(body, &Secret::new("new")), &secrets));
        assert!(verify(body, &sign(body, &Secret::new("old")), &secrets));
        assert!(!verify(body, &sign(body, &Secret::new("other")), &secrets));
        assert!(!verify(body, "not hex", &secrets));
        assert!(!verify(body, "", &secrets));
        assert!(!verify(body, &sign(body, &Secret::new("new")), &[]));
    }

    #[test]
    fn a_single_changed_byte_fails() {
        let secret = Secret::new("s");
        let sig = sign(br#"{"a": 1}"#, &secret);
        assert!(!verify(br#"{"a":1}"#, &sig, &[secret]));
    }
}
