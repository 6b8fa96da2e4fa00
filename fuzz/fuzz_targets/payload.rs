//! Any body, under any resource, through every payload shape: the parser may refuse, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sentry_dingtalk::payload::{self, LinkBase};

const RESOURCES: &[&str] = &[
    "issue",
    "comment",
    "event_alert",
    "metric_alert",
    "error",
    "installation",
    "seer",
    "",
];

fuzz_target!(|data: &[u8]| {
    // The first byte stands for the `Sentry-Hook-Resource` header.
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let base = LinkBase {
        sentry_url: "https://sentry.io".into(),
        org: Some("acme".into()),
        learned_org: None,
    };
    if let Ok(v) = payload::parse_json(body) {
        let _ = payload::parse_integration(RESOURCES[pick as usize % RESOURCES.len()], &v, &base);
        let _ = payload::parse_legacy(&v, &base);
        let _ = payload::parse_bare_event(&v, &base);
        let _ = payload::detect_shape(&v);
    }
});
