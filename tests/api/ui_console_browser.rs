//! The console as a person uses it, in a real headless Chromium: log in, make a silence
//! through `/ui/silences`, see it listed, end it; and the screenshots of the silences, on-call
//! and escalations pages the README shows (`docs/screenshots/`).

use crate::browser::{BrowserResult, log_in, screenshot, wait_text, with_browser};
use crate::helpers::*;
use crate::ui_session::{ADMIN, new_issue_on_its_ladder};
use fantoccini::{Client, Locator};
use sentry_dingtalk::Secret;
use serde_json::json;

/// Two rotas, three people, and a route whose new issues escalate every 15 minutes.
const CONSOLE: &str = concat!(
    person_zhangsan!(),
    person_lisi!(),
    person_wangwu!(),
    rota_backend!(),
    r#"
[[oncall]]
name = "ops"
zone = "Asia/Shanghai"
rotation = ["wangwu", "zhangsan", "lisi"]
shift = "12h"
start = "2026-12-01T09:00:00+08:00"

[[routes]]
name = "payments"
robots = ["default"]
escalate_after = "15m"
escalation = ["oncall:backend", "person:wangwu", "all"]
"#
);

#[tokio::test]
#[ignore = "needs Chromium (chromium, chromium-driver)"]
async fn a_browser_makes_a_silence_sees_it_listed_and_ends_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        s.timezone = Some(chrono_tz::Asia::Shanghai);
        with_config_file(s, dir.path(), CONSOLE);
    })
    .await;
    // Something for each page to show: an issue nobody acted on yet, an override.
    new_issue_on_its_ladder(&app).await;
    let added = app
        .http
        .post(format!("{}/api/oncall/ops/overrides", app.address))
        .bearer_auth(ADMIN)
        .json(&json!({"person": "lisi", "duration": "4h", "created_by": "wangwu"}))
        .send()
        .await
        .expect("override");
    assert_eq!(added.status().as_u16(), 201);

    with_browser(|c| drive(c, &app)).await;
    let silences = app.outbox.silences(0).await.expect("silences");
    assert_eq!(silences.len(), 1);
    assert_eq!(silences[0].matchers.project.as_deref(), Some("web-*"));
}

async fn drive(c: Client, app: &TestApp) -> BrowserResult {
    let c = &c;
    log_in(c, app, ADMIN).await?;
    c.goto(&format!("{}/ui/silences", app.address)).await?;
    c.wait().for_element(Locator::Id("no-silences")).await?;
    c.find(Locator::Id("f-project"))
        .await?
        .send_keys("web-*")
        .await?;
    c.find(Locator::Css("#f-level option[value='warning']"))
        .await?
        .click()
        .await?;
    c.find(Locator::Id("f-duration"))
        .await?
        .send_keys("2h")
        .await?;
    c.find(Locator::Id("f-created-by"))
        .await?
        .send_keys("张三")
        .await?;
    c.find(Locator::Id("f-comment"))
        .await?
        .send_keys("发布 v2.3 deploy")
        .await?;
    c.find(Locator::Id("create-silence")).await?.click().await?;
    let notice = wait_text(c, "notice", "Made silence #").await?;
    assert!(
        notice.contains("project=web-*, level≤warning until"),
        "{notice}"
    );
    let row = c.find(Locator::Css("#silences tr.silence")).await?;
    let shown = row.text().await?;
    assert!(
        shown.contains("web-*") && shown.contains("张三") && shown.contains("发布 v2.3 deploy"),
        "{shown}"
    );
    assert!(
        shown.contains("(Asia/Shanghai)")
            && (shown.contains("in 1 h 59 min") || shown.contains("in 2 h")),
        "{shown}"
    );
    screenshot(c, "silences").await?;
    let end = c.find(Locator::Css("#silences button.end")).await?;
    end.click().await?;
    wait_text(c, "notice", "Ended silence #").await?;
    let shown = c
        .find(Locator::Css("#silences tr.silence"))
        .await?
        .text()
        .await?;
    assert!(shown.contains("已结束 ended"), "{shown}");
    assert!(
        c.find(Locator::Css("#silences button.end")).await.is_err(),
        "no end button left"
    );

    c.goto(&format!("{}/ui/oncall", app.address)).await?;
    let rota = c
        .wait()
        .for_element(Locator::Id("rota-ops"))
        .await?
        .text()
        .await?;
    assert!(
        rota.contains("李四") && rota.contains("override #"),
        "{rota}"
    );
    screenshot(c, "oncall").await?;

    c.goto(&format!("{}/ui/escalations", app.address)).await?;
    let table = c
        .wait()
        .for_element(Locator::Id("escalations"))
        .await?
        .text()
        .await?;
    assert!(
        table.contains("ZeroDivisionError") && table.contains("oncall:backend"),
        "{table}"
    );
    screenshot(c, "escalations").await?;

    // Log out: the browser forgets the session; the console asks for the token again.
    c.find(Locator::Id("logout")).await?.click().await?;
    c.wait().for_element(Locator::Id("token")).await?;
    c.goto(&format!("{}/ui/silences", app.address)).await?;
    c.wait().for_element(Locator::Id("token")).await?;
    Ok(())
}
