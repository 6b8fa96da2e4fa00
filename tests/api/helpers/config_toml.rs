//! Configuration file pieces the tests share, each written once as TOML: a robot entry for a
//! fake robot, and the people and the rota. Those are macros that stand for string literals,
//! so that a test's configuration stays a `const` made with `concat!`.

use crate::fake_robot::FakeRobot;
use crate::helpers::ROBOT_SECRET;

/// A `[[robots]]` entry named `name` for the fake `robot`, signed with `ROBOT_SECRET` and
/// sending at once, with the TOML lines `extra` at its end.
pub fn robot_entry(name: &str, robot: &FakeRobot, extra: &str) -> String {
    format!(
        r#"
[[robots]]
name = "{name}"
webhook = "{}"
secret = "{ROBOT_SECRET}"
group_window = "0s"
{extra}"#,
        robot.webhook
    )
}

/// 张三: a DingTalk user (mentions, card clicks) with a Sentry account (claims).
macro_rules! person_zhangsan {
    () => {
        r#"
[[people]]
name = "zhangsan"
display = "张三"
dingtalk_user_id = "manager4321"
sentry = "zhangsan@example.com"
"#
    };
}

/// 李四: reachable by mobile only, no Sentry account.
macro_rules! person_lisi {
    () => {
        r#"
[[people]]
name = "lisi"
display = "李四"
mobile = "13800001111"
"#
    };
}

/// 王五: reachable by mobile only, no Sentry account.
macro_rules! person_wangwu {
    () => {
        r#"
[[people]]
name = "wangwu"
display = "王五"
mobile = "13900002222"
"#
    };
}

/// Rota `backend`: zhangsan's week started 2026-11-30 10:00 Shanghai, then lisi's, in turn.
macro_rules! rota_backend {
    () => {
        r#"
[[oncall]]
name = "backend"
zone = "Asia/Shanghai"
rotation = ["zhangsan", "lisi"]
shift = "1w"
start = "2026-11-30T10:00:00+08:00"
"#
    };
}

pub(crate) use {person_lisi, person_wangwu, person_zhangsan, rota_backend};
