//! Storm alerts: numbered, signed and posted to a replica as Sentry would, then counted in what
//! the robot got.

use crate::fake_robot::Received;
use crate::helpers::CLIENT_SECRET;
use sentry_dingtalk::{Secret, signature};
use serde_json::json;
use std::collections::BTreeMap;

pub fn request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// One signed POST of `body` to `base`, with Sentry's headers.
pub async fn post(client: &reqwest::Client, base: &str, body: &[u8], rid: &str) -> Option<u16> {
    let resp = post_full(client, base, body, rid).await?;
    Some(resp.status().as_u16())
}

pub async fn post_full(
    client: &reqwest::Client,
    base: &str,
    body: &[u8],
    rid: &str,
) -> Option<reqwest::Response> {
    let sig = signature::sign(body, &Secret::new(CLIENT_SECRET));
    client
        .post(format!("{base}/webhooks/sentry"))
        .header("Content-Type", "application/json")
        .header("Sentry-Hook-Resource", "event_alert")
        .header("Sentry-Hook-Signature", sig)
        .header("Sentry-Hook-Timestamp", "1700000000")
        .header("Request-ID", rid)
        .body(body.to_vec())
        .send()
        .await
        .ok()
}

/// Storm alert `n`: its own issue, whose link (`/issues/{900000 + n}/events/`) names it in
/// single messages and digests alike.
pub fn alert(n: usize) -> Vec<u8> {
    let issue = 900_000 + n;
    json!({"action": "triggered", "data": {"event": {
        "event_id": format!("rp{n:05}"), "title": format!("ReplicaStorm number {n}"), "level": "error",
        "url": "https://sentry.io/api/0/projects/acme/payments-api/events/x/",
        "web_url": format!("https://sentry.io/organizations/acme/issues/{issue}/events/rp{n:05}/")}}})
    .to_string()
    .into_bytes()
}

/// How often each storm alert appears across the messages the group got (digests carry many).
pub fn appearances(posted: &[Received]) -> BTreeMap<usize, usize> {
    let mut counts = BTreeMap::new();
    for message in posted {
        let text = message.text();
        for part in text.split("/issues/").skip(1) {
            let Some((digits, rest)) = part.split_once('/') else {
                continue;
            };
            if !rest.starts_with("events/") {
                continue;
            }
            if let Some(issue) = digits.parse::<usize>().ok().filter(|n| *n >= 900_000) {
                *counts.entry(issue - 900_000).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// Each alert of `accepted` exactly once, any other at most once: the panic message names
/// the ones that are not.
pub fn assert_each_once(posted: &[Received], accepted: &[usize]) {
    let counts = appearances(posted);
    let lost: Vec<_> = accepted
        .iter()
        .filter(|i| !counts.contains_key(i))
        .collect();
    assert!(
        lost.is_empty(),
        "accepted with 202 but never delivered: {lost:?}"
    );
    let doubled: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).collect();
    assert!(
        doubled.is_empty(),
        "delivered more than once (alert, times): {doubled:?}"
    );
}
