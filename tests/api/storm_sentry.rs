//! A storm's end asks the Sentry API (when a token is set) which of its issues are still
//! unresolved: an issue resolved or archived in Sentry without a webhook reaching the relay
//! is not listed as open.

use crate::helpers::*;
use crate::storms::{is_storm, post_all, storm_of_50};
use sentry_dingtalk::Secret;
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn issue(id: u64, status: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"id": id.to_string(), "status": status,
        "title": format!("StormError {id}"), "shortId": format!("PAY-{id}"),
        "project": {"slug": "pay", "name": "Pay"}}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_storm_end_lists_only_what_sentry_says_is_still_unresolved() {
    let sentry = MockServer::start().await;
    let issue_path = |id: u64| format!("/api/0/organizations/acme/issues/{id}/");
    // Storm alert n is issue 7700000 + n % 30, titled "StormError number {n % 30}".
    for (id, status) in [(7_700_003, "resolved"), (7_700_004, "ignored")] {
        Mock::given(method("GET"))
            .and(path(issue_path(id)))
            .and(header("Authorization", "Bearer api-token"))
            .respond_with(issue(id, status))
            .mount(&sentry)
            .await;
    }
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/0/organizations/acme/issues/\d+/$"))
        .respond_with(issue(7_700_000, "unresolved"))
        .mount(&sentry)
        .await;
    let uri = sentry.uri();
    let app = spawn_app_with(move |s| {
        storm_of_50(s, Duration::from_secs(2));
        s.sentry_api_token = Some(Secret::new("api-token"));
        s.sentry_url = uri;
        s.sentry_org = Some("acme".into());
    })
    .await;
    assert_eq!(post_all(&app, 0..1_000, 8).await, 1_000);
    let over = |m: &crate::fake_robot::Received| is_storm(m) && m.text().contains("风暴结束");
    assert!(
        app.robot
            .wait_for(Duration::from_secs(40), |p| p.iter().any(over))
            .await,
        "the storm ends: {:?}",
        app.robot
            .posted()
            .iter()
            .map(|m| m.text().lines().next().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    );
    let end = app
        .robot
        .posted()
        .into_iter()
        .find(|m| over(m))
        .expect("end")
        .text();
    let listed = |k: usize| {
        regex_lite::Regex::new(&format!(r"StormError number {k}\D"))
            .expect("re")
            .is_match(&end)
    };
    assert!(
        !listed(3) && !listed(4),
        "resolved and archived in Sentry: not listed as open\n{end}"
    );
    assert!(
        (5..30).all(listed) && listed(0),
        "the issues Sentry says are open are listed\n{end}"
    );
    let asked = sentry.received_requests().await.unwrap_or_default();
    assert!(
        asked.iter().any(|r| r.url.path() == issue_path(7_700_003)),
        "the API was asked"
    );
}
