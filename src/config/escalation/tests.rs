//! A route's escalation as the TOML file gives it: every mistake is an error naming its key;
//! a good ladder names its steps, its wait and the robot that climbs it.

use crate::config::file;
use crate::config::test_files::{self, TWO_PEOPLE};
use crate::domain::escalation::{DingType, EscalationStep, Reach};

const TEAM: &str = r#"
[[robots]]
name = "ops"
webhook = "https://x.example/robot/send?access_token=t"

[[robots]]
name = "ops-leads"
webhook = "https://x.example/robot/send?access_token=u"

[[robots]]
name = "oncall-app"
kind = "card"
app_key = "k"
app_secret = "s"
card_template_id = "tpl"
open_conversation_id = "cid"
callback_secret = "cb"

[[people]]
name = "wangwu"
dingtalk_user_id = "w5"

[[oncall]]
name = "backend"
rotation = ["zhangsan", "wangwu"]
shift = "1w"
start = "2026-12-07T10:00:00+08:00"

[[oncall]]
name = "mobiles"
rotation = ["lisi"]
shift = "1d"
start = "2026-12-07T10:00:00+08:00"
"#;

/// A route `r` in a file with the robots, people and rotas above.
fn parse(route: &str) -> Result<file::FileSettings, String> {
    test_files::parse(&format!(
        "{TWO_PEOPLE}{TEAM}\n[[routes]]\nname = \"r\"\n{route}"
    ))
}

#[test]
fn a_full_ladder_reads_as_written() {
    let f = parse(
        r#"robots = ["oncall-app", "ops"]
escalate_after = "15m"
escalation = ["oncall:backend", "person:wangwu", "robot:ops-leads", "all", "ding:oncall:backend"]
escalate_min_level = "error"
ding_robot = "oncall-app"
ding_type = "call"
"#,
    )
    .expect("loads");
    let ladder = f.routes[0].escalation.as_ref().expect("a ladder");
    assert_eq!(ladder.after_ms, 15 * 60_000);
    assert_eq!(ladder.runner, "ops", "the first custom robot climbs it");
    assert_eq!(ladder.ding_type, DingType::Call);
    assert_eq!(ladder.steps.len(), 5);
    assert_eq!(
        ladder.steps[4],
        EscalationStep::Ding(Reach::Oncall("backend".into()))
    );
    assert_eq!(ladder.min_level, Some(crate::domain::alert::Level::Error));
}

#[test]
fn the_wait_defaults_to_fifteen_minutes_and_dings_to_the_app() {
    let f = parse("robots = [\"ops\"]\nescalation = [\"all\"]\n").expect("loads");
    let ladder = f.routes[0].escalation.as_ref().expect("a ladder");
    assert_eq!(ladder.after_ms, 15 * 60_000);
    assert_eq!(ladder.ding_type, DingType::App);
    assert!(
        parse("robots = [\"ops\"]\n").expect("as written").routes[0]
            .escalation
            .is_none()
    );
}

#[test]
fn each_mistake_names_its_key() {
    let cases = [
        (
            "robots = [\"ops\"]\nescalate_after = \"5m\"\n",
            "routes[0]: escalate_after is set but the route has no escalation",
        ),
        (
            "robots = [\"ops\"]\nescalation = []\n",
            "routes[0].escalation: is empty",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"pager:x\"]\n",
            "routes[0].escalation[0]: `pager:x` is not",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"oncall:frontend\"]\n",
            "routes[0].escalation[0]: unknown rota \"frontend\"",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"all\", \"person:zhaoliu\"]\n",
            "routes[0].escalation[1]: unknown person \"zhaoliu\"",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"robot:nowhere\"]\n",
            "routes[0].escalation[0]: unknown robot `nowhere`",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"robot:oncall-app\"]\n",
            "is a card robot",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"ding:person:wangwu\"]\n",
            "needs the route's ding_robot",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"all\"]\nding_robot = \"ops-leads\"\n",
            "routes[0].ding_robot: `ops-leads` is not a kind = \"card\" robot",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"all\"]\nding_robot = \"ghost\"\n",
            "routes[0].ding_robot: unknown robot `ghost`",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"ding:oncall:mobiles\"]\nding_robot = \"oncall-app\"\n",
            "person \"lisi\" has no dingtalk_user_id",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"all\"]\nding_type = \"pager\"\n",
            "routes[0].ding_type: `pager` is not app, sms or call",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"all\"]\nescalate_after = \"soon\"\n",
            "routes[0].escalate_after",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"all\"]\nescalate_after = \"0s\"\n",
            "must be at least 1s",
        ),
        (
            "robots = [\"ops\"]\nescalation = [\"all\"]\nescalate_min_level = \"loud\"\n",
            "escalate_min_level `loud`",
        ),
        (
            "robots = [\"oncall-app\"]\nescalation = [\"oncall:backend\"]\n",
            "needs a custom (markdown) robot",
        ),
    ];
    for (route, says) in cases {
        let e = parse(route)
            .err()
            .unwrap_or_else(|| panic!("accepted: {route}"));
        assert!(e.contains(says), "{route}\n→ {e}\nwanted: {says}");
    }
}

#[test]
fn a_card_robot_alone_can_run_a_ladder_of_dings_and_robots() {
    let f = parse(
        "robots = [\"oncall-app\"]\nescalation = [\"ding:person:wangwu\", \"robot:ops-leads\"]\nding_robot = \"oncall-app\"\n",
    )
    .expect("loads");
    assert_eq!(
        f.routes[0].escalation.as_ref().expect("as written").runner,
        "oncall-app"
    );
}
