//! Mute windows as the TOML file gives them: errors naming the key, routes' rules, and when
//! a target's alert is held.

use crate::config::Settings;
use crate::config::test_files::{OPS_ROBOT, settings, shanghai};
use crate::domain::alert::{Alert, AlertKind, Level};
use crate::routing::{MuteRule, Target};
use chrono_tz::Asia;

/// A second robot, beside `OPS_ROBOT`.
const DEV_ROBOT: &str = r#"
[[robots]]
name = "dev"
webhook = "https://x.example/robot/send?access_token=u"
"#;

const WINDOWS: &str = r#"
[[mute_times]]
name = "nights"
weekdays = ["mon", "tue", "wed", "thu", "fri"]
times = ["22:00-08:00"]

[[mute_times]]
name = "lunch"
zone = "UTC"
times = ["04:00-05:00"]
"#;

const ROUTES: &str = r#"
[[routes]]
name = "payments"
projects = ["payments-*"]
robots = ["ops"]
mute_times = ["nights", "lunch"]
mute_pass_level = "fatal"
continue = true

[[routes]]
name = "all-ops"
robots = ["ops", "dev"]
mute_times = ["nights"]
"#;

fn alert(kind: AlertKind, project: &str, level: Level) -> Alert {
    let mut a = Alert::new(kind, "created");
    a.project = Some(project.into());
    a.level = level;
    a
}

/// For each target of `a`: its robot and the window holding it at `now`.
fn held(s: &Settings, a: &Alert, now: i64) -> Vec<(String, Option<String>)> {
    s.route(a)
        .iter()
        .map(|t| (t.robot.clone(), s.muted_by(&t.mute, a, now)))
        .collect()
}

fn pair(robot: &str, window: Option<&str>) -> (String, Option<String>) {
    (robot.into(), window.map(Into::into))
}

#[test]
fn windows_and_routes_load_and_every_route_to_a_robot_gives_it_a_rule() {
    let s = settings(&format!("{OPS_ROBOT}{DEV_ROBOT}{WINDOWS}{ROUTES}"));
    let names: Vec<&str> = s.mute_times.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["nights", "lunch"]);
    assert_eq!(
        s.mute_window("nights").map(|w| w.zone()),
        Some(Asia::Shanghai)
    );
    assert_eq!(
        s.mute_window("lunch").map(|w| w.zone()),
        Some(chrono_tz::UTC)
    );
    assert_eq!(s.routes[0].mute.pass_level, Some(Level::Fatal));
    let targets = s.route(&alert(AlertKind::Issue, "payments-api", Level::Error));
    let rules: Vec<(&str, &[MuteRule])> = targets
        .iter()
        .map(|t| (t.robot.as_str(), t.mute.as_slice()))
        .collect();
    let rule = |route: &str, windows: &[&str], pass_level| MuteRule {
        route: route.into(),
        windows: windows.iter().map(|w| w.to_string()).collect(),
        pass_level,
    };
    assert_eq!(
        rules,
        [
            (
                "ops",
                &[
                    rule("payments", &["nights", "lunch"], Some(Level::Fatal)),
                    rule("all-ops", &["nights"], None)
                ][..]
            ),
            ("dev", &[rule("all-ops", &["nights"], None)][..]),
        ]
    );
}

#[test]
fn an_alert_is_held_only_when_every_route_sending_it_is_muted_and_it_is_below_the_pass_level() {
    let s = settings(&format!("{OPS_ROBOT}{DEV_ROBOT}{WINDOWS}{ROUTES}"));
    let error = alert(AlertKind::Issue, "payments-api", Level::Error);
    let friday_night = shanghai(7, 23, 0);
    assert_eq!(
        held(&s, &error, friday_night),
        [pair("ops", Some("nights")), pair("dev", Some("nights"))]
    );
    assert_eq!(
        held(&s, &error, shanghai(8, 23, 0)),
        [pair("ops", None), pair("dev", None)],
        "Saturday night is not muted"
    );
    // Lunch mutes `payments`, but `all-ops` also sends it to ops and is not muted then.
    assert_eq!(
        held(&s, &error, shanghai(7, 12, 30)),
        [pair("ops", None), pair("dev", None)]
    );
    let fatal = alert(AlertKind::Issue, "payments-api", Level::Fatal);
    assert_eq!(
        held(&s, &fatal, friday_night),
        [pair("ops", None), pair("dev", Some("nights"))],
        "payments lets fatal pass to ops; all-ops alone holds it for dev"
    );
    let mut comment = alert(AlertKind::Comment, "payments-api", Level::Fatal);
    comment.action = "created".into();
    assert_eq!(
        held(&s, &comment, friday_night)[0],
        pair("ops", Some("nights")),
        "a comment has no level to pass with"
    );
    let web = alert(AlertKind::Issue, "web", Level::Error);
    assert_eq!(
        held(&s, &web, friday_night),
        [pair("ops", Some("nights")), pair("dev", Some("nights"))]
    );
}

#[test]
fn a_target_no_route_chose_is_never_held_and_the_first_active_window_is_named() {
    let only_payments = ROUTES.replace("continue = true", "").replace(
        "[[routes]]\nname = \"all-ops\"\nrobots = [\"ops\", \"dev\"]\nmute_times = [\"nights\"]\n",
        "",
    );
    let s = settings(&format!("{OPS_ROBOT}{DEV_ROBOT}{WINDOWS}{only_payments}"));
    let web = alert(AlertKind::Issue, "web", Level::Error);
    assert_eq!(held(&s, &web, shanghai(7, 23, 0)), [pair("default", None)]);
    let target = Target {
        robot: "ops".into(),
        at: Default::default(),
        reason: "test".into(),
        repeat: Vec::new(),
        oncall: Vec::new(),
        escalate: Vec::new(),
        storm_exempt: false,
        mute: vec![MuteRule {
            route: "r".into(),
            windows: vec!["removed".into(), "lunch".into(), "nights".into()],
            pass_level: None,
        }],
    };
    assert_eq!(
        s.muted_by(&target.mute, &web, shanghai(7, 12, 30))
            .as_deref(),
        Some("lunch")
    );
    assert_eq!(s.muted_by(&[], &web, shanghai(7, 12, 30)), None);
}

#[test]
fn a_hold_lasts_while_the_window_is_active_and_a_route_to_the_robot_names_it() {
    let s = settings(&format!("{OPS_ROBOT}{DEV_ROBOT}{WINDOWS}{ROUTES}"));
    let night = shanghai(7, 23, 0);
    assert!(s.mute_still_holds("ops", "nights", night));
    assert!(s.mute_still_holds("dev", "nights", night));
    assert!(s.mute_still_holds("ops", "lunch", shanghai(7, 12, 30)));
    assert!(
        !s.mute_still_holds("dev", "lunch", shanghai(7, 12, 30)),
        "no route sends dev lunch"
    );
    assert!(
        !s.mute_still_holds("ops", "nights", shanghai(8, 8, 0)),
        "the window ended"
    );
    assert!(
        !s.mute_still_holds("ops", "weekends", night),
        "no such window"
    );
    let reloaded = settings(&format!(
        "{OPS_ROBOT}{DEV_ROBOT}{WINDOWS}{}",
        ROUTES
            .replace(
                "mute_times = [\"nights\", \"lunch\"]",
                "mute_times = [\"lunch\"]"
            )
            .replace("mute_times = [\"nights\"]\n", "")
    ));
    assert!(
        !reloaded.mute_still_holds("ops", "nights", night),
        "a reload removed the routes' reference"
    );
    assert!(reloaded.mute_window("nights").is_some());
    let removed = settings(
        &format!("{OPS_ROBOT}{DEV_ROBOT}{ROUTES}")
            .replace(
                "mute_times = [\"nights\", \"lunch\"]\nmute_pass_level = \"fatal\"\n",
                "",
            )
            .replace("mute_times = [\"nights\"]\n", ""),
    );
    assert!(
        !removed.mute_still_holds("ops", "nights", night),
        "a reload removed the window"
    );
}
