//! Which organization each Sentry installation belongs to, learned from `installation.created`
//! and from any payload that carried a Sentry URL, kept durably in the outbox, and cached here
//! so a webhook costs a store read only the first time its installation is seen.

use crate::outbox::{InstallationOrg, SharedOutbox};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct OrgMemory {
    known: Mutex<HashMap<String, Option<String>>>,
}

/// The installation a payload came from.
pub fn installation_of(v: &Value) -> Option<String> {
    crate::sentry::event::text(v, &["installation", "uuid"])
}

impl OrgMemory {
    /// Remembers what this payload tells about its installation's organization, if anything new.
    pub async fn learn_from(&self, outbox: &SharedOutbox, v: &Value) {
        let Some((installation, org)) = crate::sentry::installation::installation_org(v) else {
            return;
        };
        if self.cached(&installation).flatten().as_deref() == Some(org.as_str()) {
            return;
        }
        let learned = InstallationOrg {
            installation: &installation,
            org: &org,
            now: crate::clock::now_ms(),
        };
        match outbox.remember_installation_org(learned).await {
            Ok(()) => {
                tracing::info!(installation = %installation, org = %org, "learned the organization of a Sentry installation");
                self.put(installation, Some(org));
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not remember an installation's organization")
            }
        }
    }

    /// The organization learned for `installation`, from the cache or the outbox.
    pub async fn org_of(&self, outbox: &SharedOutbox, installation: &str) -> Option<String> {
        if let Some(known) = self.cached(installation) {
            return known;
        }
        let found = outbox.installation_org(installation).await.ok()?;
        self.put(installation.to_string(), found.clone());
        found
    }

    fn cached(&self, installation: &str) -> Option<Option<String>> {
        let map = self.known.lock().unwrap_or_else(|p| p.into_inner());
        map.get(installation).cloned()
    }

    fn put(&self, installation: String, org: Option<String>) {
        let mut map = self.known.lock().unwrap_or_else(|p| p.into_inner());
        // Installations are few; a flood of forged uuids must not grow the map without end.
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(installation, org);
    }
}
