//! Chromium on the status page with two robots: a chart per robot, a dead letter's issue link
//! opening its trace; keeps `docs/screenshots/status.png` and `trace.png`. And the counts a
//! stopping relay still holds reach the store.

use crate::browser::{BrowserResult, log_in, screenshot, with_browser};
use crate::helpers::*;
use crate::ui_status::{event, series, status_page, two_robots};
use sentry_dingtalk::outbox::MessageState;
use sentry_dingtalk::{BUCKET_MS, CHART_BUCKETS, Tally, TallyKind, bucket_of};

/// Chromium: the status page shows a chart per robot; a dead letter's issue link opens its
/// trace. Keeps `docs/screenshots/status.png` and `trace.png`.
#[tokio::test]
#[ignore = "needs Chromium (chromium, chromium-driver)"]
async fn a_browser_sees_a_chart_per_robot_and_opens_a_trace_from_a_dead_letter() {
    let s = two_robots().await;
    for issue in 1..=6 {
        s.app
            .post_signed("event_alert", &event("alpha", issue))
            .await;
    }
    s.web.refuse_with(Some((310000, "keywords not in content")));
    s.app.post_signed("event_alert", &event("beta", 42)).await;
    assert!(s.app.wait_messages(MessageState::Dead, 1, WAIT).await);
    assert!(s.ops.wait_for(WAIT, |p| !p.is_empty()).await);
    let counted = poll_async(WAIT, || async {
        series(&status_page(&s.app).await, "web", "dead").is_some_and(|(t, _)| t == 1)
    })
    .await;
    assert!(counted, "the counts reached the store");
    // A day of history for `ops`, as replicas would have counted it: the screenshot shows a
    // chart that has seen some traffic.
    let now = sentry_dingtalk::now_ms();
    let history: Vec<Tally> = (1..CHART_BUCKETS - 1)
        .flat_map(|i| {
            let bucket = bucket_of(now) - i * BUCKET_MS;
            let wave = (i % 36 - 18).abs();
            let n = 2 + (18 - wave) / 2 + if i % 29 == 3 { 14 } else { 0 };
            [
                (TallyKind::In, n),
                (TallyKind::Out, (n + 2) / 3),
                (TallyKind::Held, if (60..72).contains(&i) { n } else { 0 }),
                (TallyKind::Throttled, i64::from(i % 29 == 3)),
            ]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(move |(kind, n)| Tally {
                robot: "ops".into(),
                kind,
                bucket,
                n,
            })
        })
        .collect();
    s.app.outbox.add_tallies(&history).await.expect("history");
    with_browser(|c| drive(c, &s.app)).await;
}

async fn drive(c: fantoccini::Client, app: &TestApp) -> BrowserResult {
    use fantoccini::Locator;
    log_in(&c, app, ADMIN).await?;
    let charts = c
        .find_all(Locator::Css("figure.robot-chart svg.chart"))
        .await?;
    let mut robots = Vec::new();
    for chart in &charts {
        robots.push(chart.attr("data-robot").await?.unwrap_or_default());
    }
    assert_eq!(robots, ["ops", "web"]);
    let dead = c
        .find(Locator::Css(
            "svg.chart[data-robot='web'] g.series[data-kind='dead']",
        ))
        .await?;
    assert_eq!(dead.attr("data-total").await?.as_deref(), Some("1"));
    screenshot(&c, "status").await?;
    c.find(Locator::Css("#dead a.trace-link"))
        .await?
        .click()
        .await?;
    let trace = c.wait().for_element(Locator::Id("trace")).await?;
    let text = trace.text().await?;
    assert!(text.contains("web") && text.contains("dead"), "{text}");
    assert!(
        c.current_url()
            .await?
            .as_str()
            .contains("/ui/trace?issue=42")
    );
    screenshot(&c, "trace").await?;
    Ok(())
}

/// Counts not yet flushed when the relay stops are stored on the way out.
#[tokio::test]
async fn the_last_counts_are_stored_at_shutdown() {
    let mut s = two_robots().await;
    s.ops.refuse_with(Some((310000, "keywords not in content")));
    let resp = s.app.post_signed("event_alert", &event("alpha", 7)).await;
    assert_eq!(resp.status().as_u16(), 202);
    s.app.halt().await;
    let stored = s.app.outbox.tallies(0).await.expect("tallies");
    let ins: i64 = stored
        .iter()
        .filter(|t| t.robot == "ops" && t.kind == TallyKind::In)
        .map(|t| t.n)
        .sum();
    assert_eq!(ins, 1, "{stored:?}");
}
