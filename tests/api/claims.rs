//! Claiming an issue: the chat's "Claim" link lists the configured people and assigns the
//! issue in Sentry to the one chosen (their `sentry` value), then tells the group; a card's
//! claim button does the same when the clicking DingTalk user is one of the people.

use crate::cards_flow::{CALLBACK_SECRET, ISSUE, card_app_with, click, param, track_id, wait_card};
use crate::fake_openapi::FakeOpenApi;
use crate::helpers::*;
use sentry_dingtalk::Secret;
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PEOPLE: &str = concat!(person_zhangsan!(), person_lisi!());

/// A Sentry API that takes exactly one assignment of the issue to zhangsan.
async fn sentry_expecting_zhangsan() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("/api/0/organizations/acme/issues/{ISSUE}/")))
        .and(body_json(json!({"assignedTo": "zhangsan@example.com"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": ISSUE})))
        .expect(1)
        .mount(&server)
        .await;
    mount_get_404(&server).await;
    server
}

fn tokens(msg: &serde_json::Value) -> Vec<(String, String)> {
    msg["actionCard"]["btns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| {
            let url = b["actionURL"].as_str()?;
            let token = url.split("/actions/").nth(1)?;
            Some((b["title"].as_str()?.to_owned(), token.to_owned()))
        })
        .collect()
}

#[tokio::test]
async fn the_claim_link_assigns_the_issue_to_the_person_chosen_and_tells_the_group() {
    let sentry = sentry_expecting_zhangsan().await;
    let dir = tempfile::tempdir().expect("tmp");
    let uri = sentry.uri();
    let app = spawn_app_with(|s| {
        s.sentry_api_token = Some(Secret::new("api-token"));
        s.sentry_url = uri;
        s.public_url = Some("https://relay.example".into());
        with_config_file(
            s,
            dir.path(),
            &format!("{PEOPLE}[[routes]]\nrobots = [\"default\"]\n"),
        );
    })
    .await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 1).await);
    let buttons = tokens(&app.robot.posted()[0].body);
    let claim = buttons
        .iter()
        .find(|(title, _)| title == "我来处理")
        .map(|(_, t)| t.clone())
        .expect("a Claim button");
    let url = format!("{}/actions/{claim}", app.address);
    let page = app
        .http
        .get(&url)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("<option value=\"zhangsan\">张三</option>"),
        "{page}"
    );
    assert!(
        !page.contains("lisi"),
        "only people with a Sentry account are listed"
    );
    let post = |body: &'static str| {
        app.http
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    // Nobody chosen: refused, and the link stays usable.
    assert_eq!(
        post("person=nobody").await.expect("post").status().as_u16(),
        400
    );
    let done = post("person=zhangsan").await.expect("post");
    assert_eq!(done.status().as_u16(), 200);
    assert!(
        app.robot.wait_for(WAIT, |p| p.len() == 2).await,
        "the group is told"
    );
    let told = app.robot.posted()[1].text();
    assert!(told.contains("张三") && told.contains("认领"), "{told}");
    assert_eq!(
        post("person=zhangsan")
            .await
            .expect("again")
            .status()
            .as_u16(),
        410
    );
    sentry.verify().await;
}

#[tokio::test]
async fn a_card_claim_by_one_of_the_people_assigns_the_issue_in_sentry() {
    let sentry = sentry_expecting_zhangsan().await;
    let fake = FakeOpenApi::start(7200).await;
    let app = card_app_with(&fake, Some(&sentry), PEOPLE).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    wait_card(&fake, &app.outbox, |c| param(c, "count") == "1").await;
    let id = track_id(&app.outbox).await.expect("card");
    assert_eq!(
        click(&app.address, &id, "claim", "manager4321", CALLBACK_SECRET).await,
        200
    );
    let card = wait_card(&fake, &app.outbox, |c| param(c, "status") == "claimed").await;
    assert_eq!(param(&card, "claimed_by"), "张三");
    sentry.verify().await;
}

#[tokio::test]
async fn a_card_claim_stops_the_issues_escalation() {
    let sentry = sentry_expecting_zhangsan().await;
    let fake = FakeOpenApi::start(7200).await;
    // The card robot's route escalates to the default robot's group after an hour.
    let ladder = format!("escalate_after = \"1h\"\nescalation = [\"robot:default\"]\n{PEOPLE}");
    let app = card_app_with(&fake, Some(&sentry), &ladder).await;
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    wait_card(&fake, &app.outbox, |c| param(c, "count") == "1").await;
    assert_eq!(app.outbox.open_ladders().await.expect("ladders").len(), 1);
    let id = track_id(&app.outbox).await.expect("card");
    assert_eq!(
        click(&app.address, &id, "claim", "manager4321", CALLBACK_SECRET).await,
        200
    );
    assert!(
        poll_async(WAIT, || async {
            app.outbox.open_ladders().await.expect("ladders").is_empty()
        })
        .await,
        "the claim stopped the ladder"
    );
    let notes = app.outbox.ladder_notes(ISSUE).await.expect("notes");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].note, "stopped: claimed from a card (张三)");
}
