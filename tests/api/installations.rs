//! Issue 12: without `SENTRY_ORG`, issue state changes and comments still link to Sentry, with
//! the organization learned from `installation.created` and remembered across restarts.

use crate::helpers::*;
use serde_json::Value;

fn with_org(org: &str) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&example("installation-created.json")).expect("json");
    v["data"]["installation"]["organization"]["slug"] = org.into();
    serde_json::to_vec(&v).expect("json")
}

#[tokio::test]
async fn the_installation_org_builds_links_and_is_remembered_across_restarts() {
    let data = tempfile::tempdir().expect("tmp");
    let link = "/organizations/zed-corp/issues/5127733104/";
    {
        let app = spawn_app_with(|s| {
            s.sentry_org = None;
            s.data_dir = data.path().to_path_buf();
        })
        .await;
        let ack = app.post_signed("installation", &with_org("zed-corp")).await;
        assert_eq!(ack.status().as_u16(), 202);
        app.post_signed("issue", &example("issue-resolved.json"))
            .await;
        assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
        let text = app.robot.posted()[0].text();
        assert!(text.contains(link), "{text}");
        app.stop().await;
    }
    // A new process on the same outbox: the organization comes back from storage.
    let app = spawn_app_with(|s| {
        s.sentry_org = None;
        s.data_dir = data.path().to_path_buf();
    })
    .await;
    app.post_signed("issue", &example("issue-unresolved.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    let text = app.robot.posted()[0].text();
    assert!(text.contains("/organizations/zed-corp/issues/"), "{text}");
}
