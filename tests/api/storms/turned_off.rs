//! Storm mode turned off by a reload in the middle of a storm: the storm ends at once, its
//! end summary taking every alert it held (none is left held under a storm nothing will end),
//! and the alerts after it get their own messages again.

use super::{is_storm, post_all};
use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use sentry_dingtalk::Secret;

const ROBOT: &str = "stormy";

/// A robot with storm mode at `threshold` (0: off) whose storms neither update nor end by
/// themselves within a test, and a route sending everything to it.
fn config(robot: &FakeRobot, threshold: u32) -> String {
    let storm =
        format!("storm_threshold = {threshold}\nstorm_quiet = \"1h\"\nstorm_interval = \"1h\"\n");
    let entry = robot_entry(ROBOT, robot, &storm);
    format!(
        "{entry}\n[[routes]]\nname = \"all\"\nrobots = [\"{ROBOT}\"]\nrepeat_interval = \"0s\"\n"
    )
}

async fn held_under_a_storm(app: &TestApp) -> bool {
    let holds = app.outbox.holds(ROBOT).await.expect("holds");
    holds.iter().any(|h| h.starts_with("storm:"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storm_mode_turned_off_mid_storm_ends_the_storm_with_what_it_held() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let (on, off) = (config(&robot, 50), config(&robot, 0));
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().to_path_buf();
    let app = spawn_app_for(robot, |s| {
        s.admin_token = Some(Secret::new(ADMIN));
        with_config_file(s, &path, &on);
    })
    .await;
    assert_eq!(post_all(&app, 0..100, 4).await, 100);
    let stormed = |p: &[crate::fake_robot::Received]| p.iter().any(is_storm);
    assert!(
        app.robot.wait_for(WAIT, stormed).await,
        "a storm began: {:?}",
        app.robot
            .posted()
            .iter()
            .map(|m| m.text())
            .collect::<Vec<_>>()
    );
    // Ten more, held under the storm (its next summary is an hour away).
    assert_eq!(post_all(&app, 100..110, 2).await, 10);
    let all_held = poll_async(WAIT, || async {
        app.outbox.waiting_count(ROBOT).await.expect("count") == 0
    })
    .await;
    assert!(
        all_held && held_under_a_storm(&app).await,
        "held under the storm"
    );

    std::fs::write(dir.path().join("sentry-dingtalk.toml"), &off).expect("config");
    let reload = reload_at(&app.http, &app.address).await;
    assert_eq!(reload.status().as_u16(), 200);
    let ended = |p: &[crate::fake_robot::Received]| p.iter().any(|m| m.text().contains("风暴结束"));
    assert!(
        app.robot.wait_for(WAIT, ended).await,
        "the storm ends when storm mode is turned off: {:?}",
        app.robot
            .posted()
            .iter()
            .map(|m| m.text())
            .collect::<Vec<_>>()
    );
    assert!(!held_under_a_storm(&app).await, "nothing left held");
    let open = app.outbox.current_storm(ROBOT).await.expect("storm");
    assert!(open.is_none(), "the storm is over");

    // Storm mode is off: the next alert has its own message.
    let before = app.robot.posted().len();
    assert_eq!(post_all(&app, 200..201, 1).await, 1);
    let own = |p: &[crate::fake_robot::Received]| {
        p.len() > before && !is_storm(&p[before]) && p[before].text().contains("StormError")
    };
    assert!(
        app.robot.wait_for(WAIT, own).await,
        "an ordinary message: {:?}",
        app.robot
            .posted()
            .iter()
            .skip(before)
            .map(|m| m.text())
            .collect::<Vec<_>>()
    );
}
