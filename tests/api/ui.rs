//! `/ui`: access, CSRF, the playground's inline errors, and a real headless Chromium driving
//! the page (chromedriver + fantoccini).

use crate::browser::{BrowserResult, log_in, with_browser};
use crate::helpers::*;
use sentry_dingtalk::Secret;
use sentry_dingtalk::outbox::MessageState;
use std::time::Duration;

async fn ui_app() -> TestApp {
    spawn_app_with(|s| s.admin_token = Some(Secret::new(ADMIN))).await
}

#[tokio::test]
async fn ui_is_404_without_admin_token_and_401_without_the_right_one() {
    let off = spawn_app().await;
    assert_eq!(
        off.http
            .get(format!("{}/ui", off.address))
            .send()
            .await
            .expect("get")
            .status()
            .as_u16(),
        404
    );
    let app = ui_app().await;
    let url = format!("{}/ui", app.address);
    let anon = app.http.get(&url).send().await.expect("get");
    assert_eq!(anon.status().as_u16(), 401);
    assert!(
        anon.text().await.expect("page").contains("name=\"token\""),
        "the 401 page offers the login form"
    );
    let wrong = app
        .http
        .get(&url)
        .bearer_auth("nope")
        .send()
        .await
        .expect("get");
    assert_eq!(wrong.status().as_u16(), 401);
    let ok = admin_get(&app, "/ui").await;
    assert_eq!(ok.status().as_u16(), 200);
    let login = app
        .http
        .post(format!("{}/ui/login", app.address))
        .form(&[("token", "nope")])
        .send()
        .await
        .expect("post");
    assert_eq!(login.status().as_u16(), 401);
}

#[tokio::test]
async fn a_session_must_send_the_csrf_token_of_its_page() {
    let app = ui_app().await;
    let (client, cookie) = crate::ui_session::login_set_cookie(&app).await;
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().expect("pair").to_string();
    let page = client
        .get(format!("{}/ui/playground", app.address))
        .header("Cookie", &session)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    // The storm templates, shown on a storm of the samples: first, update, end.
    assert_eq!(html.matches("class=\"grid storm-preview\"").count(), 3);
    assert!(html.contains("告警风暴 #1") && html.contains("风暴结束 #1"));
    let forged = client
        .post(format!("{}/ui/playground", app.address))
        .header("Cookie", &session)
        .form(&[("payload", "{}"), ("csrf", "forged")])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status().as_u16(), 403);
    // Said as plain text, like every console form's refusal (it had no Content-Type).
    assert_eq!(
        forged
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/plain; charset=utf-8")
    );
    // Logging out: back to /ui, and the browser is told to drop the session cookie.
    assert!(
        html.contains("action=\"/ui/logout\""),
        "every page offers it"
    );
    let out = client
        .post(format!("{}/ui/logout", app.address))
        .header("Cookie", &session)
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status().as_u16(), 303);
    assert_eq!(out.headers()["location"], "/ui");
    let gone = out.headers()["set-cookie"].to_str().expect("ascii");
    assert!(
        gone.starts_with("sd_session=;") && gone.contains("Max-Age=0") && gone.contains("Path=/"),
        "{gone}"
    );
}

#[tokio::test]
async fn the_playground_shows_bad_payloads_inline_never_as_a_500() {
    let app = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        s.body_limit = 2048;
    })
    .await;
    let post = |payload: String| {
        app.http
            .post(format!("{}/ui/playground", app.address))
            .bearer_auth(ADMIN)
            .form(&[("payload", payload), ("lang", "en".into())])
            .send()
    };
    for (payload, want) in [
        ("{ not json".to_string(), "Not a Sentry payload"),
        ("x".repeat(5000), "the limit is 2048"),
    ] {
        let resp = post(payload).await.expect("post");
        assert_eq!(resp.status().as_u16(), 200);
        let page = resp.text().await.expect("page");
        assert!(
            page.contains("id=\"error\"") && page.contains(want),
            "{want}"
        );
    }
    let body = String::from_utf8(example("issue-created.json")).expect("utf8");
    let page = post(body).await.expect("post").text().await.expect("page");
    assert!(
        page.contains("id=\"preview\"")
            && page.contains("<strong>ZeroDivisionError: division by zero</strong>"),
        "preview rendered"
    );
    assert!(page.contains("New issue"), "English labels");
    // The card variables a `kind = "card"` robot's card gets for this payload.
    assert!(page.contains("id=\"card-vars\""), "card variables shown");
    for row in [
        "<code>level_label</code></td><td>Error</td>",
        "<code>status</code></td><td>firing</td>",
        "<code>count</code></td><td>1</td>",
        "<code>project</code></td><td>payments-api</td>",
    ] {
        assert!(page.contains(row), "{row}");
    }
}

/// The page as a person uses it: log in, render a sample in the playground, re-send a dead
/// letter and see the fake robot receive it. Needs Debian's chromium and chromium-driver
/// (`.ci/run` installs them).
#[tokio::test]
#[ignore = "needs Chromium (chromium, chromium-driver)"]
async fn a_browser_logs_in_renders_a_sample_and_resends_a_dead_letter() {
    let app = ui_app().await;
    // A dead letter: the robot refuses, then is fixed.
    app.robot
        .refuse_with(Some((310000, "keywords not in content")));
    app.post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(
        app.wait_messages(MessageState::Dead, 1, Duration::from_secs(10))
            .await
    );
    let dead_id = app.messages(Some(MessageState::Dead)).await[0].id;
    app.robot.refuse_with(None);

    with_browser(|c| drive(c, &app, dead_id)).await;
    assert!(
        app.robot
            .wait_for(Duration::from_secs(10), |p| p.len() == 1)
            .await,
        "the re-sent letter reached the robot"
    );
    assert!(app.robot.posted()[0].text().contains("ZeroDivisionError"));
}

async fn drive(c: fantoccini::Client, app: &TestApp, dead_id: i64) -> BrowserResult {
    use fantoccini::Locator;
    log_in(&c, app, ADMIN).await?;
    // Playground: pick a built-in sample (the page's JavaScript fills the box) and render.
    c.goto(&format!("{}/ui/playground", app.address)).await?;
    c.find(Locator::Css(
        "#sample option[value='event_alert-triggered.json']",
    ))
    .await?
    .click()
    .await?;
    let filled = c
        .find(Locator::Id("payload"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(
        filled.contains("ZeroDivisionError"),
        "the sample filled the box"
    );
    c.find(Locator::Id("render")).await?.click().await?;
    let preview = c
        .wait()
        .for_element(Locator::Id("preview"))
        .await?
        .html(true)
        .await?;
    assert!(
        preview.contains("<strong>ZeroDivisionError: division by zero</strong>"),
        "{preview}"
    );
    assert!(
        preview.contains("href=\"https://sentry.io/organizations/acme/issues/5128840021/events/"),
        "{preview}"
    );
    // The picked sample stays picked after rendering.
    let picked = c.find(Locator::Id("sample")).await?.prop("value").await?;
    assert_eq!(picked.as_deref(), Some("event_alert-triggered.json"));
    let png = c.screenshot().await?;
    std::fs::write(
        std::env::temp_dir().join("sentry-dingtalk-playground.png"),
        png,
    )?;
    // Status page: re-send the dead letter.
    c.goto(&format!("{}/ui", app.address)).await?;
    c.find(Locator::Id(&format!("resend-{dead_id}")))
        .await?
        .click()
        .await?;
    // The redirected page lists no dead letter any more (the old page's elements do not count).
    c.wait().for_element(Locator::Id("no-dead")).await?;
    let notice = c.find(Locator::Id("notice")).await?.text().await?;
    assert!(
        notice.contains(&format!("Queued again: message #{dead_id}"))
            && notice.contains("ZeroDivisionError"),
        "{notice}"
    );
    Ok(())
}
