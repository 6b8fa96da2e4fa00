//! The admin API as the tests call it: one bearer token, JSON in and out.

use crate::helpers::TestApp;
use serde_json::Value;

/// The `ADMIN_TOKEN` the tests that use the admin API or the console give the relay.
pub const ADMIN: &str = "admin-secret-token";

/// `method path`, with `body` as JSON, authorised with `ADMIN`: the status and the answer's
/// JSON (`Null` when it is not JSON).
pub async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}{path}", app.address);
    api_at(&app.http, url, ADMIN, method, body).await
}

/// `method url`, with `body` as JSON, authorised with `token`: the status and the answer's JSON
/// (`Null` when it is not JSON). For a relay other than a `TestApp` (a replica).
pub async fn api_at(
    http: &reqwest::Client,
    url: String,
    token: &str,
    method: reqwest::Method,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// `GET path` on `app`, authorised with `ADMIN`.
pub async fn admin_get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.address))
        .bearer_auth(ADMIN)
        .send()
        .await
        .expect("get")
}

/// The page (or other text) at `path`, fetched with `ADMIN`.
pub async fn admin_text(app: &TestApp, path: &str) -> String {
    admin_get(app, path).await.text().await.expect("text")
}

/// The page at `base` + `path` of a child relay or a replica, fetched with `token`; it must be
/// 200.
pub async fn page_at(base: &str, path: &str, token: &str) -> String {
    let page = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200, "{path}");
    page.text().await.expect("html")
}

/// `POST /-/reload` at the relay at `base`, authorised with `ADMIN`.
pub async fn reload_at(http: &reqwest::Client, base: &str) -> reqwest::Response {
    let url = format!("{base}/-/reload");
    http.post(url)
        .bearer_auth(ADMIN)
        .send()
        .await
        .expect("reload")
}
