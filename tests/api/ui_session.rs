//! A logged-in `/ui` session over real HTTP for the console tests: the cookie, the CSRF token
//! of a page, posts that report where a 303 points, and the text the templates escape.

use crate::helpers::*;
use serde_json::Value;

pub use crate::helpers::ADMIN;

/// A client that does not follow redirects, logged in: it and its session cookie.
pub async fn login(app: &TestApp) -> (reqwest::Client, String) {
    let (client, cookie) = login_set_cookie(app).await;
    let session = cookie.split(';').next().expect("pair").to_string();
    (client, session)
}

/// A client that does not follow redirects, logged in: it and the whole `Set-Cookie` of the
/// login's answer (the session cookie with its attributes).
pub async fn login_set_cookie(app: &TestApp) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = client
        .post(format!("{}/ui/login", app.address))
        .form(&[("token", ADMIN)])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status().as_u16(), 303);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("cookie")
        .to_string();
    (client, cookie)
}

/// Posts a new issue (`issue-created.json`) and waits until its escalation ladder started:
/// something for the escalations page to show.
pub async fn new_issue_on_its_ladder(app: &TestApp) {
    let resp = app
        .post_signed("issue", &example("issue-created.json"))
        .await;
    assert_eq!(resp.status(), 202);
    let started = poll_async(WAIT, || async {
        app.outbox.open_ladders().await.expect("ladders").len() == 1
    })
    .await;
    assert!(started, "the issue's ladder started");
}

/// The CSRF token a page's forms carry.
pub fn csrf_in(html: &str) -> String {
    let re = regex_lite::Regex::new(r#"name="csrf" value="([0-9a-f]+)""#).expect("regex");
    re.captures(html).expect("a form with a CSRF token")[1].to_string()
}

/// Text as the page's templates escape it.
pub fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2F;")
}

pub struct Session<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookie: String,
}

impl Session<'_> {
    pub async fn get(&self, path: &str) -> (u16, String) {
        let resp = self
            .client
            .get(format!("{}{path}", self.app.address))
            .header("Cookie", &self.cookie)
            .send()
            .await
            .expect("get");
        (resp.status().as_u16(), resp.text().await.expect("page"))
    }

    /// Posts `form`; the status, and where a 303 points (else the page).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let resp = self
            .client
            .post(format!("{}{path}", self.app.address))
            .header("Cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .expect("post");
        let status = resp.status().as_u16();
        match resp.headers().get("location") {
            Some(l) => (status, l.to_str().expect("location").to_string()),
            None => (status, resp.text().await.expect("page")),
        }
    }
}

pub async fn session(app: &TestApp) -> Session<'_> {
    let (client, cookie) = login(app).await;
    Session {
        app,
        client,
        cookie,
    }
}

pub async fn api_message(app: &TestApp, path: &str, body: Value) -> String {
    let resp = app
        .http
        .post(format!("{}{path}", app.address))
        .bearer_auth(ADMIN)
        .json(&body)
        .send()
        .await
        .expect("api");
    assert_eq!(resp.status().as_u16(), 400);
    let v: Value = resp.json().await.expect("json");
    v["message"].as_str().expect("message").to_string()
}
