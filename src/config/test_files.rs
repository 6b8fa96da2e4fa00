//! Settings files as the tests of several modules write them (`config`, its mute windows, its
//! people, rotas and escalations, the `check` command): one robot, two people, and settings
//! read from a file's text.

use super::{Settings, file};
use chrono::TimeZone;
use chrono_tz::Asia;

/// The robot `ops`, as a file names it.
pub(crate) const OPS_ROBOT: &str =
    "[[robots]]\nname = \"ops\"\nwebhook = \"https://x.example/robot/send?access_token=t\"\n";

/// `zhangsan`, reached by user id, and `lisi`, by mobile.
pub(crate) const TWO_PEOPLE: &str = r#"
[[people]]
name = "zhangsan"
dingtalk_user_id = "manager4321"

[[people]]
name = "lisi"
mobile = "13800001111"
"#;

/// The file's text read over the environment's defaults, zone Shanghai; a refusal as text.
pub(crate) fn parse(text: &str) -> Result<file::FileSettings, String> {
    let env = Settings::from_lookup(|_| None).expect("defaults");
    file::parse(text, "t.toml", &|_| None, &env.env_robot, Asia::Shanghai)
        .map_err(|e| e.to_string())
}

/// The environment's defaults with the file's robots, routes and windows; zone Shanghai.
pub(crate) fn settings(text: &str) -> Settings {
    let mut s = Settings::from_lookup(|_| None).expect("defaults");
    let f = parse(text).expect("loads");
    s.robots.extend(f.robots);
    s.routes = f.routes;
    s.mute_times = f.mute_times;
    s
}

/// 2025-03-07 is a Friday; the time is on Shanghai's clock.
pub(crate) fn shanghai(d: u32, h: u32, mi: u32) -> i64 {
    Asia::Shanghai
        .with_ymd_and_hms(2025, 3, d, h, mi, 0)
        .single()
        .expect("a time")
        .timestamp_millis()
}
