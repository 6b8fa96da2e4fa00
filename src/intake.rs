//! From a parsed payload to stored alerts: route, then one durable insert. Shared by the
//! webhook handlers and `replay`.

use crate::config::Settings;
use crate::outbox::{Delivery, Enqueued, QueuedAlert, SharedOutbox, StoreError};
use crate::routing_choice;
use crate::sentry::payload::Parsed;
use sha2::{Digest, Sha256};

/// What became of a webhook.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Routed and handed to the outbox, which stored, suppressed or recognised it.
    Stored(Enqueued),
    /// Routed nowhere (an `unmatched = "drop"` configuration).
    Dropped,
    Ignored {
        resource: String,
        action: String,
    },
    Installation {
        action: String,
    },
}

/// What makes two webhooks the same one: the same bytes for the same resource (`legacy` for
/// the plugin endpoint), or the same `Request-ID`. Anything that changed — a second resolve,
/// another assignee, another rule firing on the same event — is news and gets its own alert.
pub fn identity(resource: &str, body: &[u8], request_id: Option<&str>) -> Vec<String> {
    let digest = Sha256::new()
        .chain_update(resource.as_bytes())
        .chain_update([0u8])
        .chain_update(body)
        .finalize();
    let mut keys = vec![format!("body:{}", hex::encode(digest))];
    if let Some(id) = request_id.filter(|id| !id.is_empty()) {
        keys.push(format!("request:{id}"));
    }
    keys
}

pub async fn accept(
    parsed: Parsed,
    identity: Vec<String>,
    settings: &Settings,
    outbox: &SharedOutbox,
) -> Result<Outcome, StoreError> {
    let alert = match parsed {
        Parsed::Alert(alert) => alert,
        Parsed::Ignored { resource, action } => return Ok(Outcome::Ignored { resource, action }),
        Parsed::Installation { action } => return Ok(Outcome::Installation { action }),
    };
    // A robot chosen in the Sentry rule's settings wins; otherwise the routes decide.
    let targets = routing_choice::targets(&alert, settings);
    if targets.is_empty() {
        return Ok(Outcome::Dropped);
    }
    // A test notification is sent every time it is asked for.
    let identity = if routing_choice::is_test(&alert) {
        Vec::new()
    } else {
        identity
    };
    let items: Vec<Delivery> = targets
        .into_iter()
        .map(|t| {
            // A card robot shows a repeat by updating the card: never suppressed.
            let card = settings.robot(&t.robot).is_some_and(|r| r.card.is_some());
            Delivery {
                queued: QueuedAlert {
                    alert: (*alert).clone(),
                    at: t.at,
                },
                repeat: if card { Vec::new() } else { t.repeat },
                robot: t.robot,
            }
        })
        .collect();
    let stored = outbox
        .enqueue(identity, items, crate::clock::now_ms())
        .await?;
    Ok(Outcome::Stored(stored))
}
