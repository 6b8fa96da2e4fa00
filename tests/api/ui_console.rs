//! The console pages `/ui/silences`, `/ui/oncall` and `/ui/escalations` over real HTTP: what
//! they list, their forms (the API's checks and messages, 303 with a confirmation, 400, 404)
//! and the CSRF token a session must send with each post.

use crate::helpers::*;
use crate::ui_session::{ADMIN, api_message, csrf_in, escaped, new_issue_on_its_ladder, session};
use sentry_dingtalk::Secret;
use serde_json::{Value, json};

#[tokio::test]
async fn silences_are_made_listed_and_ended_through_the_forms() {
    let app = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        s.timezone = Some(chrono_tz::Asia::Tokyo);
    })
    .await;
    let s = session(&app).await;
    let (status, page) = s.get("/ui/silences").await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"no-silences\""), "none yet");
    let csrf = csrf_in(&page);
    let fields = [
        ("project", "web-*"),
        ("level", "warning"),
        ("environment", ""),
        ("duration", "2h"),
        ("created_by", "zhangsan"),
        ("comment", "deploy"),
    ];
    // Without the page's token, or with another, nothing is made.
    assert_eq!(s.post("/ui/silences", &fields).await.0, 403);
    let forged = [&fields[..], &[("csrf", "forged")]].concat();
    assert_eq!(s.post("/ui/silences", &forged).await.0, 403);
    assert!(app.outbox.silences(0).await.expect("silences").is_empty());

    let good = [&fields[..], &[("csrf", csrf.as_str())]].concat();
    let (status, location) = s.post("/ui/silences", &good).await;
    assert_eq!(status, 303);
    let made = app.outbox.silences(0).await.expect("silences");
    assert_eq!(made.len(), 1);
    let id = made[0].id;
    assert_eq!(location, format!("/ui/silences?created={id}"));
    // The same silence the API would have made from the same matchers.
    let listed: Value = admin_get(&app, "/api/silences")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        listed[0]["matchers"],
        json!({"project": "web-*", "level": "warning"})
    );
    assert_eq!(listed[0]["created_by"], "zhangsan");
    let (status, page) = s.get(&location).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!(
            "Made silence #{id}: project=web-*, level≤warning until "
        )),
        "{page}"
    );
    let row = format!("id=\"silence-{id}\"");
    assert!(page.contains(&row) && page.contains("deploy") && page.contains("zhangsan"));
    assert!(
        page.contains(&escaped("(Asia/Tokyo)")),
        "clock times in ALERT_TIMEZONE"
    );
    assert!(
        page.contains("in 2 h") || page.contains("in 1 h 59 min"),
        "the end, relative"
    );

    // A script with the token needs no CSRF token: the same form, the same answer.
    let scripted = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}/ui/silences", app.address))
        .bearer_auth(ADMIN)
        .form(&[("project", "api-*"), ("duration", "1h")])
        .send()
        .await
        .expect("post");
    assert_eq!(scripted.status().as_u16(), 303);
    assert_eq!(app.outbox.silences(0).await.expect("silences").len(), 2);

    // Bad input: the page again (400) with the API's message, the fields kept.
    for (matchers, form) in [
        (
            json!({"project": "[x"}),
            vec![("project", "[x"), ("duration", "1h")],
        ),
        (json!({}), vec![("duration", "1h")]),
        (
            json!({"all": true}),
            vec![("all", "true"), ("duration", "31d")],
        ),
        (
            json!({"environment": "prod"}),
            vec![("environment", "prod")],
        ),
    ] {
        let mut api_body = json!({"matchers": matchers});
        if let Some((_, d)) = form.iter().find(|(k, _)| *k == "duration") {
            api_body["duration"] = json!(d);
        }
        let want = api_message(&app, "/api/silences", api_body).await;
        let form = [&form[..], &[("csrf", csrf.as_str())]].concat();
        let (status, page) = s.post("/ui/silences", &form).await;
        assert_eq!(status, 400, "{form:?}");
        assert!(
            page.contains(&format!("id=\"error\">{}<", escaped(&want))),
            "{want}: {page}"
        );
    }
    assert_eq!(app.outbox.silences(0).await.expect("silences").len(), 2);

    // Ending: 303 with a confirmation; the silence is listed as ended, without its button.
    let token = [("csrf", csrf.as_str())];
    assert_eq!(s.post(&format!("/ui/silences/{id}/end"), &[]).await.0, 403);
    let (status, location) = s.post(&format!("/ui/silences/{id}/end"), &token).await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/ui/silences?ended={id}"))
    );
    let (_, page) = s.get(&location).await;
    assert!(page.contains(&format!("Ended silence #{id}")), "{page}");
    assert!(page.contains("已结束 ended") && !page.contains(&format!("id=\"end-{id}\"")));
    for unknown in ["999", "abc", "-1"] {
        let (status, page) = s.post(&format!("/ui/silences/{unknown}/end"), &token).await;
        assert_eq!(status, 404, "{unknown}");
        assert!(page.contains("there is no silence"), "{page}");
    }
}

#[tokio::test]
async fn oncall_overrides_are_added_and_ended_through_the_forms() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        with_config_file(s, dir.path(), crate::oncall::CONFIG);
    })
    .await;
    let s = session(&app).await;
    let (status, page) = s.get("/ui/oncall").await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"rota-backend\""), "{page}");
    assert!(page.contains("张三 → 李四"), "the rotation");
    assert!(
        page.contains(&escaped("(Asia/Shanghai)")),
        "the hand-over's clock time"
    );
    let csrf = csrf_in(&page);
    let form = [
        ("person", "lisi"),
        ("duration", "8h"),
        ("created_by", "ops"),
    ];
    assert_eq!(s.post("/ui/oncall/backend/overrides", &form).await.0, 403);
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = extra.to_vec();
        f.push(("csrf", csrf.as_str()));
        f
    };
    let (status, location) = s.post("/ui/oncall/backend/overrides", &with(&form)).await;
    assert_eq!(status, 303, "{location}");
    let made = app.outbox.overrides(0).await.expect("overrides");
    let id = made[0].id;
    assert_eq!(location, format!("/ui/oncall?added={id}"));
    let (_, page) = s.get(&location).await;
    assert!(
        page.contains(&format!(
            "Added override #{id}: lisi on call for backend until"
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "<b>李四</b> <span class=\"small\">(override #{id})</span>"
        )),
        "李四 is on call now: {page}"
    );

    // An unknown rota is 404; a bad form is the page again with the API's message (400).
    let (status, page) = s.post("/ui/oncall/nope/overrides", &with(&form)).await;
    assert_eq!(status, 404);
    assert!(page.contains("there is no rota"), "{page}");
    for (person, duration, want_in) in [
        ("nobody", "8h", "person: there is no person"),
        ("lisi", "31d", "duration: `31d` is longer than 30 days"),
        (
            "lisi",
            "soon",
            "duration: `soon` is not a duration like 30m, 2h or 1d",
        ),
        // Far beyond any clock (more milliseconds than an i64 holds; then just below that, so
        // only adding it to now overflows): an answer, never a 5xx.
        ("lisi", "300000000y", "longer than 30 days"),
        ("lisi", "9223372036000000s", "longer than 30 days"),
    ] {
        let want = api_message(
            &app,
            "/api/oncall/backend/overrides",
            json!({"person": person, "duration": duration}),
        )
        .await;
        let form = with(&[("person", person), ("duration", duration)]);
        let (status, page) = s.post("/ui/oncall/backend/overrides", &form).await;
        assert_eq!(status, 400, "{duration}");
        assert!(page.contains(&escaped(&want)), "{want}: {page}");
        assert!(want.contains(want_in), "{want}");
    }
    assert_eq!(app.outbox.overrides(0).await.expect("overrides").len(), 1);

    // Ending it puts the rota's own person back.
    let end = format!("/ui/oncall/overrides/{id}/end");
    assert_eq!(s.post(&end, &[]).await.0, 403);
    let (status, location) = s.post(&end, &with(&[])).await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/ui/oncall?ended={id}"))
    );
    let (_, page) = s.get(&location).await;
    assert!(page.contains(&format!("Ended override #{id}")), "{page}");
    assert!(!page.contains(&format!("(override #{id})")), "{page}");
    let (status, _) = s.post("/ui/oncall/overrides/999/end", &with(&[])).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_escalations_page_lists_an_issue_waiting_for_someone() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = crate::escalation::ladder(&["oncall:backend", "person:wangwu"], "1h", "");
    let app = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        with_config_file(s, dir.path(), &config);
    })
    .await;
    let s = session(&app).await;
    let (status, page) = s.get("/ui/escalations").await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"no-escalations\""), "{page}");
    new_issue_on_its_ladder(&app).await;
    let (status, page) = s.get("/ui/escalations").await;
    assert_eq!(status, 200);
    let issue = crate::escalation::ISSUE;
    assert!(page.contains(&format!("data-issue=\"{issue}\"")), "{page}");
    assert!(page.contains("ZeroDivisionError"), "the issue's title");
    assert!(
        page.contains(&format!("href=\"/ui/trace?issue={issue}\"")),
        "{page}"
    );
    assert!(page.contains("none yet"), "no step taken yet");
    assert!(
        page.contains("<code class=\"next-step\">oncall:backend (张三)</code>"),
        "the next step and whom it reaches now: {page}"
    );
    assert!(
        page.contains("in 1 h") || page.contains("in 59 min"),
        "when: {page}"
    );
}
