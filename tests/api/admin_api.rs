//! The admin API's outbox and storm endpoints on a running relay, and its error rule: every
//! answer under `/api/` that is an error is JSON with a message — also an unknown path, a
//! method no route takes, and a query actix cannot read.

use crate::helpers::*;
use reqwest::Method;
use sentry_dingtalk::Secret;
use sentry_dingtalk::outbox::MessageState;
use serde_json::Value;

async fn admin_app() -> TestApp {
    spawn_app_with(|s| s.admin_token = Some(Secret::new(ADMIN))).await
}

/// A dead letter is listed (and only with `state=dead` among the dead), re-sent through the
/// API with a confirmation, and delivered; a sent message cannot be re-sent (409).
#[tokio::test]
async fn dead_letters_are_listed_and_re_sent() {
    let app = admin_app().await;
    app.robot
        .refuse_with(Some((310000, "keywords not in content")));
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    app.wait_messages(MessageState::Dead, 1, WAIT).await;
    let (status, dead) = api(&app, Method::GET, "/api/messages?state=dead", None).await;
    assert_eq!(status, 200, "{dead}");
    let dead = dead.as_array().expect("a list").clone();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["state"], "dead");
    assert!(dead[0].get("body").is_none(), "bodies are left out");
    let id = dead[0]["id"].as_i64().expect("id");
    let (status, sent) = api(&app, Method::GET, "/api/messages?state=sent", None).await;
    assert_eq!((status, sent), (200, Value::Array(vec![])));

    app.robot.refuse_with(None);
    let (status, done) = api(
        &app,
        Method::POST,
        &format!("/api/messages/{id}/retry"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "queued");
    assert!(
        done["message"]
            .as_str()
            .expect("message")
            .contains(&id.to_string())
    );
    app.wait_messages(MessageState::Sent, 1, WAIT).await;
    let sent = app.messages(Some(MessageState::Sent)).await[0].id;
    let (status, refused) = api(
        &app,
        Method::POST,
        &format!("/api/messages/{sent}/retry"),
        None,
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"], "conflict");
    let (status, _) = api(&app, Method::POST, "/api/messages/999999/retry", None).await;
    assert_eq!(status, 404);
}

/// The trace tells each webhook of the issue and its fate, by id or short id.
#[tokio::test]
async fn the_trace_tells_what_became_of_an_issues_webhooks() {
    let app = admin_app().await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    app.wait_messages(MessageState::Sent, 1, WAIT).await;
    for issue in ["5128840021", "PAYMENTS-API-3F"] {
        let (status, trace) = api(
            &app,
            Method::GET,
            &format!("/api/trace?issue={issue}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{trace}");
        let webhooks = trace["webhooks"].as_array().expect("webhooks");
        assert_eq!(webhooks.len(), 1, "{trace}");
        assert_eq!(webhooks[0]["outcome"], "routed");
        assert_eq!(webhooks[0]["alerts"][0]["fate"], "sent");
        assert!(!webhooks[0]["fates"].as_array().expect("fates").is_empty());
    }
    let (status, none) = api(&app, Method::GET, "/api/trace?issue=404404", None).await;
    assert_eq!((status, &none["webhooks"]), (200, &Value::Array(vec![])));
    let (status, missing) = api(&app, Method::GET, "/api/trace", None).await;
    assert_eq!(status, 400, "{missing}");
    assert!(
        missing["message"]
            .as_str()
            .expect("message")
            .contains("issue")
    );
}

/// No storm yet: an empty list, and an unknown or non-numeric id is a JSON 404.
#[tokio::test]
async fn storms_list_and_unknown_storms() {
    let app = admin_app().await;
    let (status, storms) = api(&app, Method::GET, "/api/storms", None).await;
    assert_eq!((status, storms), (200, Value::Array(vec![])));
    for path in ["/api/storms/7", "/api/storms/x"] {
        let (status, body) = api(&app, Method::GET, path, None).await;
        assert_eq!(
            (status, &body["error"]),
            (404, &Value::from("not_found")),
            "{path}"
        );
    }
}

/// Whatever goes wrong under `/api/`, the answer is JSON with `error` and `message`.
#[tokio::test]
async fn every_api_error_is_json_with_a_message() {
    let app = admin_app().await;
    let cases: [(Method, &str, Option<&str>, u16); 9] = [
        (Method::GET, "/api/nothing-here", Some(ADMIN), 404),
        // A path segment that is no id names nothing (it gave the parser's own words).
        (Method::GET, "/api/storms/abc", Some(ADMIN), 404),
        (Method::GET, "/storms/abc?exp=1&sig=x", None, 404),
        (Method::PUT, "/api/silences", Some(ADMIN), 405),
        (Method::GET, "/api/messages?limit=0", Some(ADMIN), 400),
        (Method::GET, "/api/messages?state=lost", Some(ADMIN), 400),
        (Method::GET, "/api/messages?state=%FF", Some(ADMIN), 400),
        (Method::GET, "/api/silences", None, 401),
        (Method::GET, "/api/storms", Some("wrong"), 401),
    ];
    for (method, path, token, want) in cases {
        let mut req = app
            .http
            .request(method.clone(), format!("{}{path}", app.address));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let kind = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, want, "{method} {path}: {body}");
        assert!(
            kind.starts_with("application/json"),
            "{method} {path}: {kind}"
        );
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()) && body["error"].is_string(),
            "{method} {path}: {body}"
        );
    }
}

/// The `Authorization` scheme is case-insensitive (RFC 9110): `bearer`, `BEARER` and
/// `Bearer` all carry the token; another scheme does not.
#[tokio::test]
async fn the_bearer_scheme_is_read_in_any_case() {
    let app = admin_app().await;
    let url = format!("{}/api/silences", app.address);
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let resp = app
            .http
            .get(&url)
            .header("Authorization", format!("{scheme} {ADMIN}"))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status().as_u16(), 200, "{scheme}");
    }
    let basic = app
        .http
        .get(&url)
        .header("Authorization", format!("Basic {ADMIN}"))
        .send()
        .await
        .expect("get");
    assert_eq!(basic.status().as_u16(), 401);
}
