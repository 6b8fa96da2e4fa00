//! `/ui`'s status page with two robots: the chart's counts (from the store, as every replica
//! sees them), dead letters and deliveries with their issues, trace links and clock times,
//! re-send's confirmation, the playground's kept sample (Chromium opening it all:
//! `ui_status_browser`).

use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use sentry_dingtalk::outbox::MessageState;
use sentry_dingtalk::{DEFAULT_ROBOT, Secret};
use serde_json::json;

/// An event alert of `project`'s `issue`, its title naming both.
pub(crate) fn event(project: &str, issue: u64) -> Vec<u8> {
    json!({"action": "triggered", "data": {"event": {
        "event_id": format!("{:032x}", uuid::Uuid::new_v4().as_u128()), "issue_id": issue.to_string(),
        "title": format!("Boom {issue} in {project}"), "level": "error", "environment": "production",
        "url": format!("https://sentry.io/api/0/projects/acme/{project}/events/x/"),
        "web_url": format!("https://sentry.io/organizations/acme/issues/{issue}/events/x/")}}})
    .to_string()
    .into_bytes()
}

pub(crate) struct TwoRobots {
    pub app: TestApp,
    pub ops: FakeRobot,
    pub web: FakeRobot,
    _dir: tempfile::TempDir,
}

/// Robots `ops` (project alpha, and every issue webhook) and `web` (project beta).
pub(crate) async fn two_robots() -> TwoRobots {
    let ops = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let web = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let robots = robot_entry("ops", &ops, "") + &robot_entry("web", &web, "");
    let text = format!(
        r#"unmatched = "drop"
{robots}
[[routes]]
projects = ["beta"]
robots = ["web"]

[[routes]]
robots = ["ops"]
"#
    );
    let app = spawn_app_with(|s| {
        with_config_file(s, dir.path(), &text);
        // Just the file's two: not the environment's `default` robot.
        s.robots.retain(|r| r.name != DEFAULT_ROBOT);
        s.admin_token = Some(Secret::new(ADMIN));
    })
    .await;
    TwoRobots {
        app,
        ops,
        web,
        _dir: dir,
    }
}

pub(crate) async fn status_page(app: &TestApp) -> String {
    let resp = admin_get(app, "/ui").await;
    assert_eq!(resp.status().as_u16(), 200);
    resp.text().await.expect("page")
}

/// The `data-total` of `kind` in `robot`'s chart, and the sum of its `data-values`.
pub(crate) fn series(html: &str, robot: &str, kind: &str) -> Option<(i64, i64)> {
    let start = html.find("<svg class=\"chart\"")?;
    let chart = html[start..]
        .split("</svg>")
        .find(|svg| svg.contains(&format!("data-robot=\"{robot}\"")))?;
    let at = chart.find(&format!("data-kind=\"{kind}\" data-total=\""))?;
    let rest = &chart[at..];
    let attr = |name: &str| {
        let from = rest.find(&format!("{name}=\""))? + name.len() + 2;
        let len = rest[from..].find('"')?;
        Some(rest[from..from + len].to_owned())
    };
    let total = attr("data-total")?.parse().ok()?;
    let values = attr("data-values")?;
    let sum = values
        .split(',')
        .filter_map(|v| v.parse::<i64>().ok())
        .sum();
    Some((total, sum))
}

#[tokio::test]
async fn the_chart_shows_each_robots_counts_from_the_store() {
    let s = two_robots().await;
    for issue in [1, 2, 3] {
        let resp = s
            .app
            .post_signed("event_alert", &event("alpha", issue))
            .await;
        assert_eq!(resp.status().as_u16(), 202);
    }
    s.web.refuse_with(Some((310000, "keywords not in content")));
    s.app.post_signed("event_alert", &event("beta", 9)).await;
    assert!(s.app.wait_messages(MessageState::Dead, 1, WAIT).await);
    assert!(s.ops.wait_for(WAIT, |p| !p.is_empty()).await);
    let counted = poll_async(WAIT, || async {
        let html = status_page(&s.app).await;
        let total = |robot, kind| series(&html, robot, kind).map_or(0, |(t, _)| t);
        total("ops", "in") == 3
            && total("ops", "out") >= 1
            && total("web", "in") == 1
            && total("web", "dead") == 1
    })
    .await;
    let html = status_page(&s.app).await;
    assert!(counted, "{html}");
    assert_eq!(
        html.matches("<svg class=\"chart\"").count(),
        2,
        "a chart per robot"
    );
    for kind in ["in", "out", "held", "throttled", "dead"] {
        let (total, sum) = series(&html, "ops", kind).expect(kind);
        assert_eq!(total, sum, "{kind}: the values add up to the total");
    }
    assert_eq!(series(&html, "web", "out"), Some((0, 0)));
    for label in [
        "收到 in",
        "发出 out",
        "暂缓 held",
        "限流 throttled",
        "死信 dead",
    ] {
        assert!(html.contains(label), "legend: {label}");
    }
    // In the store, where another replica's page reads them.
    let stored = s.app.outbox.tallies(0).await.expect("tallies");
    let ins: i64 = stored
        .iter()
        .filter(|t| t.kind.as_str() == "in")
        .map(|t| t.n)
        .sum();
    assert_eq!(ins, 4);
}

#[tokio::test]
async fn dead_letters_name_their_issue_and_resend_says_what_it_queued() {
    let s = two_robots().await;
    s.ops.refuse_with(Some((310000, "keywords not in content")));
    s.app
        .post_signed("issue", &example("issue-created.json"))
        .await;
    assert!(s.app.wait_messages(MessageState::Dead, 1, WAIT).await);
    let dead_id = s.app.messages(Some(MessageState::Dead)).await[0].id;
    let html = status_page(&s.app).await;
    let row_at = html
        .find(&format!("<tr id=\"dead-{dead_id}\""))
        .expect("dead row");
    let row = &html[row_at..row_at + html[row_at..].find("</tr>").expect("row end")];
    assert!(
        row.contains("href=\"/ui/trace?issue=PAYMENTS-API-3F\"")
            && row.contains("ZeroDivisionError: division by zero"),
        "{row}"
    );
    // A clock time in ALERT_TIMEZONE (Asia/Shanghai for Chinese), and its age beside it.
    assert!(html.contains("created (Asia/Shanghai)"), "zone named");
    assert!(row.contains(" s ago</span>"), "{row}");
    let clock = row.split("<time data-ms=\"").nth(1).expect("time");
    let text = &clock[clock.find('>').expect(">") + 1..clock.find("</time>").expect("end")];
    assert_eq!(text.len(), "12-06 14:21:37".len(), "{text}");

    s.ops.refuse_with(None);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resend = client
        .post(format!("{}/ui/retry/{dead_id}", s.app.address))
        .bearer_auth(ADMIN)
        .form(&[("csrf", "")])
        .send()
        .await
        .expect("re-send");
    assert_eq!(resend.status().as_u16(), 303);
    assert_eq!(resend.headers()["location"], "/ui");
    let cookie = resend.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    for part in [
        "ui_notice=",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/ui",
        "Max-Age=60",
    ] {
        assert!(cookie.contains(part), "{part}: {cookie}");
    }
    let pair = cookie.split(';').next().expect("pair").to_owned();
    let shown = client
        .get(format!("{}/ui", s.app.address))
        .bearer_auth(ADMIN)
        .header("Cookie", &pair)
        .send()
        .await
        .expect("page");
    let removal = shown.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        removal.contains("ui_notice=") && removal.contains("Max-Age=0"),
        "{removal}"
    );
    let page = shown.text().await.expect("page");
    assert!(
        page.contains(&format!(
            "Queued again: message #{dead_id} (ZeroDivisionError: division by zero)"
        )),
        "{page}"
    );
    assert!(
        !status_page(&s.app).await.contains("id=\"notice\""),
        "shown once"
    );
    assert!(s.ops.wait_for(WAIT, |p| p.len() == 1).await, "re-sent");

    let again = client
        .post(format!("{}/ui/retry/{dead_id}", s.app.address))
        .bearer_auth(ADMIN)
        .send()
        .await
        .expect("re-send again");
    let cookie = again.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let pair = cookie.split(';').next().expect("pair").to_owned();
    let page = client
        .get(format!("{}/ui", s.app.address))
        .bearer_auth(ADMIN)
        .header("Cookie", &pair)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("page");
    assert!(page.contains(&format!("Nothing queued: there is no message #{dead_id}")));
}

/// The playground page after posting `form` as an admin.
async fn playground(app: &TestApp, form: &[(&str, &str)]) -> String {
    app.http
        .post(format!("{}/ui/playground", app.address))
        .bearer_auth(ADMIN)
        .form(form)
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("page")
}

#[tokio::test]
async fn the_playground_keeps_the_chosen_sample_selected() {
    let s = two_robots().await;
    let body = String::from_utf8(example("issue-created.json")).expect("utf8");
    let form = [
        ("payload", body.as_str()),
        ("sample", "issue-created.json"),
        ("lang", "en"),
    ];
    let page = playground(&s.app, &form).await;
    assert!(page.contains("id=\"preview\""));
    assert!(
        page.contains("<option value=\"issue-created.json\" selected>"),
        "{page}"
    );
    assert_eq!(
        page.matches(" selected>").count(),
        2,
        "the sample and the language"
    );
}

/// Without JavaScript the form sends the chosen sample's name and no payload: the sample is
/// rendered (it said "body is not valid JSON: EOF").
#[tokio::test]
async fn the_playground_renders_a_sample_chosen_without_javascript() {
    let s = two_robots().await;
    let form = [("sample", "metric_alert-critical.json"), ("lang", "en")];
    let page = playground(&s.app, &form).await;
    assert!(page.contains("id=\"preview\""), "{page}");
    assert!(page.contains("Metric alert: critical"), "{page}");
    assert!(!page.contains("not valid JSON"), "{page}");
}
