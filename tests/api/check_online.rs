//! `check --online` against a fake Sentry API that enforces its credentials: a Bearer token, or
//! a legacy API key sent as HTTP Basic. The credentials never appear in the output.

use crate::helpers::stdout_and_stderr;
use base64::Engine;
use serde_json::json;
use std::process::Output;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const TOKEN: &str = "sntrys_token_s3cr3t_0123";
const LEGACY_KEY: &str = "legacy_key_s3cr3t_4567";

/// Answers only requests with the right credentials; anything else gets Sentry's 401.
pub async fn fake_sentry() -> MockServer {
    let server = MockServer::start().await;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{LEGACY_KEY}:"))
    );
    for (auth, scopes) in [
        (
            format!("Bearer {TOKEN}"),
            json!(["event:read", "org:read", "project:read"]),
        ),
        (basic, json!(["event:admin", "org:read"])),
    ] {
        Mock::given(method("GET"))
            .and(path("/api/0/"))
            .and(header("Authorization", auth.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"version": "0", "auth": {"scopes": scopes}, "user": {"username": "bot"}}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/0/organizations/acme/"))
            .and(header("Authorization", auth.as_str()))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"slug": "acme", "name": "Acme Corp"})),
            )
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"detail": "Invalid token"})))
        .with_priority(10)
        .mount(&server)
        .await;
    server
}

async fn check_online(server: &MockServer, credentials: (&str, &str)) -> (Output, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .args(["check", "--online"])
        .env_clear()
        .current_dir(dir.path())
        .env("SENTRY_URL", server.uri())
        .env("SENTRY_ORG", "acme")
        .env("RUST_LOG", "debug")
        .env(credentials.0, credentials.1)
        .output()
        .await
        .expect("binary runs");
    let all = stdout_and_stderr(&out);
    assert!(!all.contains(TOKEN) && !all.contains(LEGACY_KEY), "{all}");
    (out, all)
}

#[tokio::test]
async fn a_token_reports_its_scopes_the_organization_and_names_the_missing_scope() {
    let server = fake_sentry().await;
    let (out, all) = check_online(&server, ("SENTRY_API_TOKEN", TOKEN)).await;
    assert!(out.status.success(), "{all}");
    assert!(all.contains("event:read, org:read, project:read"), "{all}");
    assert!(
        all.contains("organization acme: reachable (Acme Corp)"),
        "{all}"
    );
    assert!(
        all.contains("enrichment (stack, user and link for issue and comment alerts): works"),
        "{all}"
    );
    assert!(all.contains("resolve / ignore from the chat (PUBLIC_URL actions): does not work: missing scope event:write"), "{all}");
    assert!(all.contains("open-issue digest: works (org:read)"), "{all}");
}

#[tokio::test]
async fn a_legacy_api_key_is_sent_as_http_basic() {
    let server = fake_sentry().await;
    let (out, all) = check_online(&server, ("SENTRY_API_KEY", LEGACY_KEY)).await;
    assert!(out.status.success(), "{all}");
    assert!(
        all.contains("SENTRY_API_KEY (HTTP Basic) accepted"),
        "{all}"
    );
    // event:admin covers both the read and the write feature.
    assert!(!all.contains("missing scope"), "{all}");
}

#[tokio::test]
async fn refused_credentials_fail_the_check_without_echoing_them() {
    let server = fake_sentry().await;
    let (out, all) = check_online(&server, ("SENTRY_API_TOKEN", "sntrys_token_wrong_0123")).await;
    assert!(!out.status.success(), "{all}");
    assert!(all.contains("refused (HTTP 401)"), "{all}");
    assert!(!all.contains("sntrys_token_wrong_0123"), "{all}");
}
