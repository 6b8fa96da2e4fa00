//! The Sentry Web API on loopback (wiremock): enrichment, its failures, and rate limits.

use crate::helpers::*;
use sentry_dingtalk::Secret;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ISSUE: &str = "/api/0/organizations/acme/issues/5127733104/";

fn issue_json() -> serde_json::Value {
    json!({"id": "5127733104", "title": "OperationalError: could not connect to server",
        "permalink": "https://acme.sentry.io/issues/5127733104/", "shortId": "PAYMENTS-API-2Z",
        "project": {"slug": "payments-api", "name": "Payments API"}, "count": "1843", "userCount": 612})
}

fn event_json() -> serde_json::Value {
    json!({"eventID": "abc", "tags": [{"key": "environment", "value": "production"}],
        "user": {"email": "li.na@example.com"},
        "entries": [{"type": "exception", "data": {"values": [{"type": "OperationalError", "value": "timeout",
            "stacktrace": {"frames": [{"filename": "app/db/pool.py", "lineNo": 88, "function": "acquire", "inApp": true,
                "context": [[88, "conn = self._pool.get(timeout=5)"]]}]}}]}}]})
}

async fn app_with_api(server: &MockServer) -> TestApp {
    let uri = server.uri();
    spawn_app_with(move |s| {
        s.sentry_api_token = Some(Secret::new("api-token"));
        s.sentry_url = uri;
        s.sentry_org = Some("acme".into());
    })
    .await
}

/// An issue comment names only the issue id: the API supplies the rest.
fn comment() -> Vec<u8> {
    json!({"action": "created", "data": {"comment": "看一下连接池", "comment_id": 77, "issue_id": 5127733104_u64,
        "project_slug": "payments-api"}, "actor": {"type": "user", "name": "李娜"}})
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn enrichment_fills_stack_link_and_user_from_the_api() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ISSUE))
        .and(header("Authorization", "Bearer api-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue_json()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ISSUE}events/latest/")))
        .respond_with(ResponseTemplate::new(200).set_body_json(event_json()))
        .expect(1)
        .mount(&server)
        .await;
    let app = app_with_api(&server).await;
    app.post_signed("comment", &comment()).await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    let text = app.robot.posted()[0].text();
    assert!(
        text.contains("app/db/pool.py:88") && text.contains("conn = self.\\_pool.get"),
        "{text}"
    );
    assert!(
        text.contains("PAYMENTS\\-API\\-2Z") || text.contains("PAYMENTS-API-2Z"),
        "{text}"
    );
    assert!(text.contains("li.na@\u{2060}example.com"), "{text}");
    assert!(text.contains("看一下连接池"), "{text}");
}

#[tokio::test]
async fn a_429_is_respected_until_its_reset_and_alerts_still_flow() {
    let server = MockServer::start().await;
    let reset = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 120)
        .to_string();
    Mock::given(method("GET"))
        .and(path(ISSUE))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Sentry-Rate-Limit-Reset", reset.as_str())
                .set_body_json(
                    json!({"detail": "You are attempting to use this endpoint too frequently."}),
                ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let app = app_with_api(&server).await;
    app.post_signed("issue", &example("issue-resolved.json"))
        .await;
    app.post_signed("comment", &comment()).await;
    assert!(
        app.robot.wait_for(WAIT, |p| p.len() == 2).await,
        "delivered without enrichment"
    );
    // wiremock checks on drop that the API was called once: the second alert did not retry it.
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"sentry_dingtalk_sentry_api_requests_total{result="rate_limited"} 2"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn an_api_that_is_down_unauthorized_or_not_json_does_not_hold_alerts_back() {
    for answer in [
        ResponseTemplate::new(500),
        ResponseTemplate::new(401),
        ResponseTemplate::new(200).set_body_string("<html>"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let app = app_with_api(&server).await;
        app.post_signed("issue", &example("issue-resolved.json"))
            .await;
        assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
        assert!(app.robot.posted()[0].text().contains("OperationalError"));
    }
    // Nothing listening at all.
    let app = spawn_app_with(|s| {
        s.sentry_api_token = Some(Secret::new("t"));
        s.sentry_url = "http://127.0.0.1:9".into();
        s.sentry_org = Some("acme".into());
    })
    .await;
    app.post_signed("issue", &example("issue-resolved.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
}

fn issues_page(ids: &[u64]) -> serde_json::Value {
    json!(ids.iter().map(|id| json!({"id": id.to_string(), "title": format!("Issue {id}"), "shortId": format!("PAY-{id}"),
        "permalink": format!("https://acme.sentry.io/issues/{id}/"), "count": (id * 10).to_string(), "userCount": 1,
        "level": "error", "project": {"slug": "payments-api"}})).collect::<Vec<_>>())
}

fn link(next: &str, more: bool) -> String {
    format!(
        r#"<https://sentry.io/api/0/organizations/acme/issues/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <https://sentry.io/api/0/organizations/acme/issues/?cursor={next}>; rel="next"; results="{more}"; cursor="{next}""#
    )
}

async fn digest_cli(server: &MockServer, extra: &[&str]) -> std::process::Output {
    let uri = server.uri();
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_sentry-dingtalk"))
            .arg("digest")
            .args(&extra)
            .env_remove("DINGTALK_WEBHOOK")
            .env("SENTRY_API_TOKEN", "api-token")
            .env("SENTRY_ORG", "acme")
            .env("SENTRY_URL", uri)
            .output()
            .expect("digest runs")
    })
    .await
    .expect("join")
}

#[tokio::test]
async fn digest_follows_link_pagination_to_the_last_page() {
    use wiremock::matchers::query_param;
    let server = MockServer::start().await;
    let list = "/api/0/organizations/acme/issues/";
    Mock::given(method("GET"))
        .and(path(list))
        .and(query_param("cursor", "0:100:0"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(issues_page(&[3, 4]))
                .insert_header("Link", link("0:200:0", true).as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(list))
        .and(query_param("cursor", "0:200:0"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(issues_page(&[5]))
                .insert_header("Link", link("0:300:0", false).as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(list))
        .and(query_param("query", "is:unresolved lastSeen:-24h"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(issues_page(&[1, 2]))
                .insert_header("Link", link("0:100:0", true).as_str()),
        )
        .with_priority(10)
        .mount(&server)
        .await;
    let out = digest_cli(&server, &["--dry-run"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: serde_json::Value =
        serde_json::from_str(stdout.lines().next().expect("one message")).expect("json");
    let text = body["markdown"]["text"].as_str().expect("text");
    for id in 1..=5 {
        assert!(
            text.contains(&format!("(https://acme.sentry.io/issues/{id}/)")),
            "issue {id} in\n{text}"
        );
    }
    // Sorted by events: issue 5 (50 events) first.
    assert!(
        text.find("issues/5/").expect("5") < text.find("issues/1/").expect("1"),
        "{text}"
    );
    assert!(
        text.contains("共 5 个问题") && !text.contains("不完整"),
        "{text}"
    );
}

#[tokio::test]
async fn digest_marks_a_partial_list_when_the_link_header_is_malformed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/0/projects/acme/payments-api/issues/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(issues_page(&[1]))
                .insert_header("Link", "nonsense"),
        )
        .mount(&server)
        .await;
    let out = digest_cli(
        &server,
        &["--dry-run", "--project", "payments-api", "--since", "7d"],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("列表不完整") && stdout.contains("7d"),
        "{stdout}"
    );
    let bad = digest_cli(&server, &["--since", "yesterday"]).await;
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--since"));
}

#[tokio::test]
async fn the_scheduled_digest_is_queued_through_the_outbox_and_delivered() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/0/organizations/acme/issues/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(issues_page(&[7, 9]))
                .insert_header("Link", link("0:100:0", false).as_str()),
        )
        .mount(&server)
        .await;
    let app = app_with_api(&server).await;
    let runtime = app.live.get();
    let api = sentry_dingtalk::sentry_api(&runtime.settings).expect("api configured");
    let robots = sentry_dingtalk::queue_open_issues(&runtime, &api, &app.outbox, "24h", None)
        .await
        .expect("queued");
    assert_eq!(robots, ["default"]);
    assert!(
        app.robot.wait_for(WAIT, |p| p.len() == 1).await,
        "the worker sent it"
    );
    let text = app.robot.posted()[0].text();
    assert!(
        text.contains("未解决问题汇总") && text.contains("issues/9/") && text.contains("issues/7/"),
        "{text}"
    );
}

/// Sentry's project issue list takes `statsPeriod` only as "", "24h" or "14d" and answers 400
/// to anything else; `lastSeen:-7d` in the query is what limits the list.
struct StatsPeriodSentryRefuses;

impl wiremock::Match for StatsPeriodSentryRefuses {
    fn matches(&self, request: &wiremock::Request) -> bool {
        request
            .url
            .query_pairs()
            .any(|(k, v)| k == "statsPeriod" && !["", "24h", "14d"].contains(&v.as_ref()))
    }
}

#[tokio::test]
async fn a_project_digest_over_seven_days_asks_what_sentry_accepts() {
    let server = MockServer::start().await;
    let issues = "/api/0/projects/acme/payments-api/issues/";
    Mock::given(method("GET"))
        .and(path(issues))
        .and(StatsPeriodSentryRefuses)
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"detail": "Invalid stats_period. Valid choices are '', '24h', and '14d'"}),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(issues))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(issues_page(&[3]))
                .insert_header("Link", link("0:100:0", false).as_str()),
        )
        .mount(&server)
        .await;
    for since in ["7d", "24h", "14d"] {
        let args = ["--dry-run", "--project", "payments-api", "--since", since];
        let out = digest_cli(&server, &args).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("issues/3/"),
            "{since}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A 400 says Sentry's reason: "answered HTTP 400" alone left nobody knowing what to change.
#[tokio::test]
async fn a_request_sentry_refuses_is_told_with_its_reason() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/0/organizations/acme/issues/"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"detail": "Invalid query: lastSeen"})),
        )
        .mount(&server)
        .await;
    let out = digest_cli(&server, &["--dry-run"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("refused the request (HTTP 400): Invalid query: lastSeen"),
        "{stderr}"
    );
}
