//! Admin login under attack: guesses are slowed then refused per client, weak tokens never
//! start, the cookie is `Secure` behind https, and no page can be framed or sniffed.

use crate::helpers::*;
use sentry_dingtalk::Secret;
use std::time::{Duration, Instant};

const ADMIN: &str = "admin-login-test-token-0123";

#[tokio::test]
async fn wrong_tokens_are_slowed_then_refused_with_a_retry_after() {
    let app = spawn_app_with(|s| s.admin_token = Some(Secret::new(ADMIN))).await;
    let ui = format!("{}/ui", app.address);
    let mut took = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let resp = app
            .http
            .get(&ui)
            .bearer_auth("guess")
            .send()
            .await
            .expect("get");
        took.push(started.elapsed());
        assert_eq!(resp.status().as_u16(), 401);
    }
    // Relative to the fourth: a loaded machine slows every answer alike, not the first alone.
    assert!(
        took[0] + Duration::from_millis(500) <= took[3],
        "a first typo is answered at once: {took:?}"
    );
    assert!(
        took[3] >= Duration::from_millis(750),
        "the fourth guess waits: {took:?}"
    );
    for attempt in [
        app.http.get(&ui).bearer_auth("guess"),
        app.http.get(&ui).bearer_auth(ADMIN),
        app.http
            .post(format!("{}/ui/login", app.address))
            .form(&[("token", ADMIN)]),
        app.http
            .post(format!("{}/-/reload", app.address))
            .bearer_auth(ADMIN),
    ] {
        let started = Instant::now();
        let resp = attempt.send().await.expect("answer");
        // Not slowed: the slowdown would be 1.25 s by now.
        assert!(
            started.elapsed() < Duration::from_millis(1000),
            "refused at once"
        );
        assert_eq!(
            resp.status().as_u16(),
            429,
            "locked out, even with the right token"
        );
        let wait: u64 = resp.headers()["retry-after"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!((1..=30).contains(&wait), "Retry-After {wait}");
    }
}

/// Behind a proxy named in `TRUSTED_PROXIES`, wrong guesses count against the client the
/// proxy names: one guesser locks out itself, not every admin behind the same proxy.
/// A request without any token guesses nothing: however many come, the admin is not locked out.
#[tokio::test]
async fn requests_without_a_token_lock_nobody_out() {
    let app = spawn_app_with(|s| s.admin_token = Some(Secret::new(ADMIN))).await;
    for path in ["/api/storms", "/api/silences", "/-/reload"] {
        for _ in 0..6 {
            let url = format!("{}{path}", app.address);
            let resp = if path == "/-/reload" {
                app.http.post(url).send().await
            } else {
                app.http.get(url).send().await
            };
            assert_eq!(resp.expect("answer").status().as_u16(), 401, "{path}");
        }
    }
    let mine = app
        .http
        .get(format!("{}/api/storms", app.address))
        .bearer_auth(ADMIN)
        .send()
        .await
        .expect("answer");
    assert_eq!(mine.status().as_u16(), 200, "the admin still gets in");
}

#[tokio::test]
async fn behind_a_trusted_proxy_a_guesser_locks_out_only_itself() {
    let app = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    })
    .await;
    let ui = format!("{}/ui", app.address);
    let from = |client: &str, token: &str| {
        app.http
            .get(&ui)
            .header("X-Forwarded-For", client)
            .bearer_auth(token)
            .send()
    };
    for _ in 0..5 {
        let resp = from("203.0.113.7", "guess").await.expect("get");
        assert_eq!(resp.status().as_u16(), 401);
    }
    let guesser = from("203.0.113.7", ADMIN).await.expect("get");
    assert_eq!(guesser.status().as_u16(), 429, "the guesser is locked out");
    let admin = from("198.51.100.9", ADMIN).await.expect("get");
    assert_eq!(
        admin.status().as_u16(),
        200,
        "another client behind the proxy is not"
    );
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_relay_is_reached_over_https() {
    let login = |app: &TestApp, proto: Option<&'static str>| {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let mut req = client
            .post(format!("{}/ui/login", app.address))
            .form(&[("token", ADMIN)]);
        if let Some(p) = proto {
            req = req.header("X-Forwarded-Proto", p);
        }
        async move {
            let resp = req.send().await.expect("login");
            assert_eq!(resp.status().as_u16(), 303);
            resp.headers()["set-cookie"]
                .to_str()
                .expect("ascii")
                .to_string()
        }
    };
    let plain = spawn_app_with(|s| s.admin_token = Some(Secret::new(ADMIN))).await;
    let cookie = login(&plain, None).await;
    assert!(
        !cookie.contains("Secure"),
        "plain http keeps a usable cookie: {cookie}"
    );
    let cookie = login(&plain, Some("https")).await;
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let public = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        s.public_url = Some("https://relay.example.com".into());
    })
    .await;
    let cookie = login(&public, None).await;
    assert!(cookie.contains("Secure"), "PUBLIC_URL is https: {cookie}");
}

#[tokio::test]
async fn no_page_can_be_framed_sniffed_cached_or_leak_its_url() {
    let app = spawn_app_with(|s| s.admin_token = Some(Secret::new(ADMIN))).await;
    let base = &app.address;
    let answers = [
        app.http.get(format!("{base}/ui")).send(),
        app.http.get(format!("{base}/ui")).bearer_auth(ADMIN).send(),
        app.http
            .get(format!("{base}/ui/playground"))
            .bearer_auth(ADMIN)
            .send(),
        app.http.get(format!("{base}/actions/forged-token")).send(),
        app.http.post(format!("{base}/webhooks/sentry")).send(),
        app.http.get(format!("{base}/no-such-page")).send(),
    ];
    for answer in answers {
        let resp = answer.await.expect("answer");
        let h = resp.headers();
        let at = format!("{} {}", resp.url().path(), resp.status());
        assert_eq!(h["x-frame-options"], "DENY", "{at}");
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(csp.contains("frame-ancestors 'none'"), "{at}: {csp}");
        // No inline script anywhere: the playground's script is a file of the relay's own.
        assert!(csp.contains("script-src 'self';"), "{at}: {csp}");
        assert!(csp.contains("default-src 'none'"), "{at}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{at}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{at}");
        assert_eq!(h["cache-control"], "no-store", "{at}");
    }
}

#[test]
fn a_weak_admin_token_stops_the_start_and_says_what_is_needed() {
    let data = tempfile::tempdir().expect("tmp");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
        .arg("serve")
        .env_clear()
        .env("SENTRY_CLIENT_SECRET", CLIENT_SECRET)
        .env("ADMIN_TOKEN", "x7")
        .env("DATA_DIR", data.path())
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ADMIN_TOKEN") && err.contains("at least 16"),
        "{err}"
    );
    assert!(!err.contains("x7"), "the token is not repeated: {err}");
}
