//! A route's mute window on a running relay: while it is active, alerts below the route's
//! `mute_pass_level` are held (traced `muted by window …`, counted) and a fatal one passes;
//! when a reload takes the window away from the route, ONE summary names what it held.

mod race;

use crate::helpers::*;
use crate::silences::issue;
use sentry_dingtalk::Secret;
use serde_json::{Value, json};

fn config(muted: bool) -> String {
    let mute = if muted {
        "mute_times = [\"always\"]\nmute_pass_level = \"fatal\"\n"
    } else {
        ""
    };
    format!(
        "[[mute_times]]\nname = \"always\"\nzone = \"Asia/Shanghai\"\ntimes = [\"00:00-24:00\"]\n\n\
         [[routes]]\nname = \"payments\"\nrobots = [\"default\"]\n{mute}"
    )
}

fn fatal(id: &str, title: &str) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&issue(id, title)).expect("json");
    v["data"]["issue"]["level"] = json!("fatal");
    serde_json::to_vec(&v).expect("json")
}

#[tokio::test]
async fn a_mute_window_holds_below_its_pass_level_and_is_summarized_when_a_reload_ends_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = spawn_app_with(|s| {
        s.admin_token = Some(Secret::new(ADMIN));
        with_config_file(s, dir.path(), &config(true));
    })
    .await;
    for i in 0..3 {
        let resp = app
            .post_signed("issue", &issue("501", &format!("Night job {i}")))
            .await;
        assert_eq!(resp.status().as_u16(), 202);
    }
    let resp = app
        .post_signed("issue", &fatal("502", "Payments down"))
        .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert!(
        app.robot.wait_for(WAIT, |p| !p.is_empty()).await,
        "the fatal alert passes"
    );
    let held = || async {
        app.stats()
            .await
            .iter()
            .filter(|c| c.state == "held")
            .map(|c| c.count)
            .sum::<i64>()
    };
    assert!(
        poll_async(WAIT, || async { held().await == 3 }).await,
        "three held"
    );
    let posted = app.robot.posted();
    assert_eq!(posted.len(), 1);
    assert!(posted[0].text().contains("Payments down"));
    assert!(
        app.metrics()
            .await
            .contains("sentry_dingtalk_alerts_muted_total{robot=\"default\"} 3")
    );
    let trace = app.outbox.trace("501", 10).await.expect("trace");
    let holds: Vec<_> = trace
        .iter()
        .flat_map(|e| e.alerts.iter())
        .map(|a| a.held_by.clone())
        .collect();
    assert_eq!(holds, vec![Some("mute:always".to_string()); 3]);
    let page = admin_text(&app, "/ui/trace?issue=501").await;
    assert_eq!(page.matches("muted by window always").count(), 3, "{page}");

    // The route no longer names the window: what it held is told once.
    std::fs::write(dir.path().join("sentry-dingtalk.toml"), config(false)).expect("write");
    let reload = reload_at(&app.http, &app.address).await;
    assert_eq!(reload.status().as_u16(), 200);
    assert!(
        app.robot.wait_for(WAIT, |p| p.len() == 2).await,
        "the summary comes"
    );
    let summary = app.robot.posted()[1].text();
    for needle in ["always", "PAY-501", "×3"] {
        assert!(summary.contains(needle), "{needle} in {summary}");
    }
    assert!(poll_async(WAIT, || async { held().await == 0 }).await);
    let resp = app
        .post_signed("issue", &issue("503", "After the window"))
        .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert!(
        app.robot.wait_for(WAIT, |p| p.len() == 3).await,
        "alerts flow again"
    );
}
