//! The playground form takes payloads up to the body limit and explains larger ones.

use super::*;

/// The playground's form used actix's default 256 KiB limit and a plain-text 413: a payload
/// between that and the body limit must render, and a larger one get the page's own error.
#[tokio::test]
async fn the_playground_takes_payloads_up_to_the_body_limit_and_explains_larger_ones() {
    const ADMIN: &str = "playground-admin-token-0123";
    let app = spawn_app_with(|s| s.admin_token = Some(Secret::new(ADMIN))).await;
    let post = |app: &TestApp, payload: String| {
        app.http
            .post(format!("{}/ui/playground", app.address))
            .bearer_auth(ADMIN)
            .form(&[("payload", payload), ("lang", "en".into())])
            .send()
    };
    let mut issue: serde_json::Value =
        serde_json::from_slice(&example("issue-created.json")).expect("json");
    issue["padding"] = "x".repeat(600 * 1024).into();
    let resp = post(&app, issue.to_string()).await.expect("post");
    assert_eq!(resp.status().as_u16(), 200);
    let page = resp.text().await.expect("page");
    assert!(page.contains("id=\"preview\""), "a 600 KiB payload renders");

    let small = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        s.body_limit = 64 * 1024;
    })
    .await;
    let resp = post(&small, "x".repeat(100 * 1024)).await.expect("post");
    assert_eq!(resp.status().as_u16(), 200);
    let page = resp.text().await.expect("page");
    assert!(page.contains("id=\"error\"") && page.contains("the limit is 65536"));
    let resp = post(&small, "x".repeat(1024 * 1024)).await.expect("post");
    assert_eq!(resp.status().as_u16(), 413);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    let page = resp.text().await.expect("page");
    assert!(
        page.contains("id=\"error\"") && page.contains("larger than the limit of 65536 bytes"),
        "the page's own error, not actix's plain text"
    );
}
