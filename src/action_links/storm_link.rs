//! Read-only links to a storm's page (`GET /storms/{id}?exp=…&sig=…`), signed with the same
//! key as the action links but over a payload of their own (`storm|ID|EXPIRY`), so neither kind
//! of link can stand in for the other. No login: whoever has the message may read the page,
//! for a week.

use super::{ActionSigner, TokenError};
use hmac::Mac;

/// A storm page link is good this long after its message was made.
pub const STORM_LINK_TTL_MS: i64 = 7 * 24 * 3_600_000;

impl ActionSigner {
    fn storm_mac(&self, storm: i64, expires_ms: i64) -> hmac::Hmac<sha2::Sha256> {
        self.mac(format!("storm|{storm}|{expires_ms}").as_bytes())
    }

    /// The page of storm `storm`, readable until a week after `now_ms`.
    pub fn storm_url(&self, storm: i64, now_ms: i64) -> String {
        let expires = now_ms + STORM_LINK_TTL_MS;
        let sig = hex::encode(self.storm_mac(storm, expires).finalize().into_bytes());
        format!("{}/storms/{storm}?exp={expires}&sig={sig}", self.public_url)
    }

    /// Checks a storm link's signature (constant time), then its expiry.
    pub fn verify_storm(
        &self,
        storm: i64,
        expires_ms: i64,
        sig: &str,
        now_ms: i64,
    ) -> Result<(), TokenError> {
        let sig = hex::decode(sig).map_err(|_| TokenError::Tampered)?;
        self.storm_mac(storm, expires_ms)
            .verify_slice(&sig)
            .map_err(|_| TokenError::Tampered)?;
        if expires_ms < now_ms {
            return Err(TokenError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link_parts(url: &str) -> (i64, i64, String) {
        let (path, query) = url.split_once('?').expect("query");
        let id = path
            .rsplit('/')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("id");
        let mut exp = 0;
        let mut sig = String::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("exp", v)) => exp = v.parse().expect("exp"),
                Some(("sig", v)) => sig = v.to_owned(),
                _ => {}
            }
        }
        (id, exp, sig)
    }

    #[test]
    fn a_storm_link_verifies_until_it_expires_and_not_when_changed() {
        let signer = ActionSigner::new(b"k".repeat(32), "https://relay.example/");
        let url = signer.storm_url(7, 1_000);
        assert!(
            url.starts_with("https://relay.example/storms/7?exp="),
            "{url}"
        );
        let (id, exp, sig) = link_parts(&url);
        assert_eq!(exp, 1_000 + STORM_LINK_TTL_MS);
        assert!(signer.verify_storm(id, exp, &sig, 2_000).is_ok());
        let tampered = |r: Result<(), TokenError>| matches!(r, Err(TokenError::Tampered));
        assert!(tampered(signer.verify_storm(8, exp, &sig, 2_000)));
        assert!(tampered(signer.verify_storm(7, exp + 1, &sig, 2_000)));
        assert!(tampered(signer.verify_storm(7, exp, "zz", 2_000)));
        assert!(matches!(
            signer.verify_storm(7, exp, &sig, exp + 1),
            Err(TokenError::Expired)
        ));
        let other = ActionSigner::new(b"j".repeat(32), "https://relay.example");
        assert!(other.verify_storm(7, exp, &sig, 2_000).is_err());
    }
}
