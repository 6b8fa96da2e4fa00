//! Silences through the admin API on a running relay: made, listed and ended; bad requests
//! refused with the field named and nothing stored; matching alerts held (never posted),
//! traced and counted; ONE summary per robot when the silence ends, by deletion and by expiry,
//! naming every held issue; alerts after the end flow as usual.

mod race;
mod stored_while_silenced;

use crate::helpers::*;
use sentry_dingtalk::Secret;
use sentry_dingtalk::outbox::MessageState;
use serde_json::{Value, json};

/// An `issue.created` webhook of issue `id` (`PAY-<id>`) titled `title`.
pub fn issue(id: &str, title: &str) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&example("issue-created.json")).expect("example");
    v["data"]["issue"]["id"] = json!(id);
    v["data"]["issue"]["shortId"] = json!(format!("PAY-{id}"));
    v["data"]["issue"]["title"] = json!(title);
    serde_json::to_vec(&v).expect("json")
}

async fn admin_app() -> TestApp {
    spawn_app_with(|s| s.admin_token = Some(Secret::new(ADMIN))).await
}

/// Makes a silence through the API, which must take it (201).
async fn made(app: &TestApp, body: Value) -> Value {
    let (status, silence) = api(app, reqwest::Method::POST, "/api/silences", Some(body)).await;
    assert_eq!(status, 201, "{silence}");
    silence
}

/// Posts a signed webhook that must be stored (202).
async fn accepted(app: &TestApp, resource: &str, body: &[u8]) {
    let resp = app.post_signed(resource, body).await;
    assert_eq!(resp.status().as_u16(), 202, "{resource}");
}

async fn held(app: &TestApp) -> i64 {
    app.stats()
        .await
        .iter()
        .filter(|c| c.state == "held")
        .map(|c| c.count)
        .sum()
}

#[tokio::test]
async fn silences_are_made_listed_and_ended_and_bad_ones_are_refused_by_field() {
    let app = admin_app().await;
    let url = format!("{}/api/silences", app.address);
    let anonymous = app.http.get(&url).send().await.expect("get");
    assert_eq!(anonymous.status().as_u16(), 401);
    let bad = [
        (json!({"matchers": {}, "duration": "1h"}), "matchers"),
        (
            json!({"matchers": {"projekt": "x"}, "duration": "1h"}),
            "projekt",
        ),
        (
            json!({"matchers": {"project": "[x"}, "duration": "1h"}),
            "matchers.project",
        ),
        (
            json!({"matchers": {"all": true}, "duration": "0s"}),
            "duration",
        ),
        (
            json!({"matchers": {"all": true}, "duration": "31d"}),
            "duration",
        ),
        (
            json!({"matchers": {"all": true}, "duration": "later"}),
            "duration",
        ),
        (
            json!({"matchers": {"all": true}, "ends_at": "2001-01-01T00:00:00Z"}),
            "ends_at",
        ),
        (
            json!({"matchers": {"level": "loud"}, "duration": "1h"}),
            "matchers.level",
        ),
        (json!("not an object"), "body"),
        // No issue has such an id: the silence would hold nothing.
        (
            json!({"matchers": {"issue": "abc def"}, "duration": "1h"}),
            "matchers.issue: `abc def` is no issue id",
        ),
        // A robot no route can reach: the silence would hold nothing.
        (
            json!({"matchers": {"robot": "defualt"}, "duration": "1h"}),
            "matchers.robot: no robot is named \"defualt\" (robots: default)",
        ),
        // `duration` and `ends_at` are read by a flattened `Until`: a stray field beside them
        // is still refused, not dropped.
        (
            json!({"matchers": {"all": true}, "duration": "1h", "comentt": "x"}),
            "comentt",
        ),
    ];
    for (body, field) in bad {
        let (status, answer) = api(
            &app,
            reqwest::Method::POST,
            "/api/silences",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{body}: {message}");
    }
    let (_, listed) = api(&app, reqwest::Method::GET, "/api/silences", None).await;
    assert_eq!(listed, json!([]), "a refused silence is not stored");
    let made = json!({"matchers": {"project": "payments-*", "level": "warning"}, "duration": "2h",
                      "comment": "deploy", "created_by": "zhangsan"});
    let (status, silence) = api(&app, reqwest::Method::POST, "/api/silences", Some(made)).await;
    assert_eq!(status, 201);
    let id = silence["id"].as_i64().expect("id");
    assert_eq!(
        silence["matchers"],
        json!({"project": "payments-*", "level": "warning"})
    );
    assert_eq!(
        (silence["state"].as_str(), silence["held"].as_i64()),
        (Some("active"), Some(0))
    );
    assert_eq!(silence["created_by"], "zhangsan");
    let (_, listed) = api(&app, reqwest::Method::GET, "/api/silences", None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"].as_i64(), Some(id));
    let (status, ended) = api(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/silences/{id}"),
        None,
    )
    .await;
    assert_eq!((status, ended["state"].as_str()), (200, Some("ended")));
    let (_, listed) = api(&app, reqwest::Method::GET, "/api/silences", None).await;
    assert_eq!(
        listed[0]["state"], "ended",
        "an ended silence is listed for a day, marked"
    );
    for missing in ["/api/silences/99999", "/api/silences/x"] {
        let (status, answer) = api(&app, reqwest::Method::DELETE, missing, None).await;
        assert_eq!(status, 404, "{missing}");
        assert!(answer["message"].is_string());
    }
    drop(app);
    // Without ADMIN_TOKEN the API does not exist.
    let bare = spawn_app().await;
    let resp = bare
        .http
        .get(format!("{}/api/silences", bare.address))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn held_alerts_are_traced_counted_and_told_once_when_the_silence_is_deleted() {
    let app = admin_app().await;
    let body = json!({"matchers": {"title": "database"}, "duration": "1h",
                      "comment": "db failover", "created_by": "lisi"});
    let (_, silence) = api(&app, reqwest::Method::POST, "/api/silences", Some(body)).await;
    let id = silence["id"].as_i64().expect("id");
    // Three issues, five alerts in all, that the silence holds; one it does not.
    for (issue_id, n) in [("101", 3), ("102", 1), ("103", 1)] {
        for i in 0..n {
            let title = format!("Database timeout #{issue_id}-{i}");
            accepted(&app, "issue", &issue(issue_id, &title)).await;
        }
    }
    let five_held = poll_async(WAIT, || async { held(&app).await == 5 }).await;
    // Say where the alerts went, not only that they were not held (`silences::race` is the
    // case this once was: an alert stored after the silence, picked by a step begun before it).
    let (stats, posted) = (app.stats().await, app.robot.posted());
    assert!(
        five_held,
        "five held; the outbox: {stats:?}; posted: {posted:?}"
    );
    accepted(&app, "issue", &issue("200", "Disk full")).await;
    assert!(app.wait_messages(MessageState::Sent, 1, WAIT).await);
    let posted = app.robot.posted();
    assert_eq!(posted.len(), 1, "only the alert no silence holds is posted");
    assert!(posted[0].text().contains("Disk full"));
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("sentry_dingtalk_alerts_silenced_total{robot=\"default\"} 5"),
        "{metrics}"
    );
    let (_, listed) = api(&app, reqwest::Method::GET, "/api/silences", None).await;
    assert_eq!(listed[0]["held"].as_i64(), Some(5));
    let trace = app.outbox.trace("101", 10).await.expect("trace");
    let holds: Vec<_> = trace
        .iter()
        .flat_map(|e| e.alerts.iter())
        .map(|a| a.held_by.clone())
        .collect();
    assert_eq!(holds, vec![Some(format!("silence:{id}")); 3]);
    let page = admin_text(&app, "/ui/trace?issue=PAY-101").await;
    assert_eq!(
        page.matches(&format!("silenced by #{id}")).count(),
        3,
        "{page}"
    );

    let (status, _) = api(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/silences/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        app.robot.wait_for(WAIT, |p| p.len() == 2).await,
        "the summary comes"
    );
    let summary = app.robot.posted()[1].text();
    assert!(summary.contains(&format!("#{id}")), "{summary}");
    for needle in [
        "db failover",
        "lisi",
        "PAY-101",
        "PAY-102",
        "PAY-103",
        "×3",
        " 5 ",
    ] {
        assert!(summary.contains(needle), "{needle} in {summary}");
    }
    assert_eq!(held(&app).await, 0);
    let trace = app.outbox.trace("101", 10).await.expect("trace");
    assert!(
        trace
            .iter()
            .flat_map(|e| e.alerts.iter())
            .all(|a| a.message_id.is_some())
    );
    // After the end, alerts flow as usual; the summary is not repeated.
    accepted(&app, "issue", &issue("101", "Database timeout again")).await;
    assert!(app.robot.wait_for(WAIT, |p| p.len() == 3).await);
    assert!(
        app.robot.posted()[2]
            .text()
            .contains("Database timeout again")
    );
    drop(app);
}

#[tokio::test]
async fn a_silence_that_expires_is_summarized_once() {
    let app = admin_app().await;
    // Long enough that both alerts are stored while it holds, even on a loaded CI machine.
    let lasts = std::time::Duration::from_secs(10);
    let body = json!({"matchers": {"issue": "PAY-301"}, "duration": "10s"});
    let silence = made(&app, body).await;
    let id = silence["id"].as_i64().expect("id");
    for i in 0..2 {
        accepted(&app, "issue", &issue("301", &format!("Flaky job {i}"))).await;
    }
    assert!(
        poll_async(WAIT, || async { held(&app).await == 2 }).await,
        "two held"
    );
    assert!(app.robot.posted().is_empty());
    assert!(
        app.robot.wait_for(lasts + WAIT, |p| !p.is_empty()).await,
        "the summary at expiry"
    );
    let posted = app.robot.posted();
    assert_eq!(posted.len(), 1);
    assert!(posted[0].text().contains(&format!("#{id}")));
    assert!(posted[0].text().contains("×2"));
    drop(app);
}

/// A silence made with the short id the chat shows also holds the issue's event alerts, which
/// carry only the numeric id, once the relay has seen the issue under both.
#[tokio::test]
async fn a_silence_of_a_short_id_holds_the_issues_event_alerts_too() {
    let app = admin_app().await;
    let body = json!({"matchers": {"issue": "payments-api-3f"}, "duration": "1h"});
    made(&app, body).await;
    accepted(&app, "issue", &example("issue-created.json")).await;
    assert!(poll_async(WAIT, || async { held(&app).await == 1 }).await);
    accepted(&app, "event_alert", &example("event_alert-triggered.json")).await;
    assert!(
        poll_async(WAIT, || async { held(&app).await == 2 }).await,
        "the issue webhook and the event alert both held"
    );
    assert!(app.robot.posted().is_empty());
}

/// Sentry's other spelling of a level is stored and shown by its own name (`level≤critical`
/// read as if it were a level of its own).
#[tokio::test]
async fn a_level_in_another_spelling_is_kept_by_its_own_name() {
    let app = admin_app().await;
    let critical = json!({"matchers": {"level": "critical"}, "duration": "1h"});
    let (status, made) = api(&app, reqwest::Method::POST, "/api/silences", Some(critical)).await;
    assert_eq!((status, &made["matchers"]["level"]), (201, &json!("fatal")));
}
