//! People and rotas as the TOML file gives them: every mistake is an error naming its key;
//! `mention.people` becomes user ids or mobiles, `mention.oncall` rota names.

use crate::config::file;
use crate::config::test_files::{self, TWO_PEOPLE};
use chrono_tz::Asia;

/// Besides the two people every file here has (`test_files::TWO_PEOPLE`): one nothing reaches.
const WANGWU: &str = r#"
[[people]]
name = "wangwu"
"#;

const ROTA: &str = r#"
[[oncall]]
name = "backend"
rotation = ["zhangsan", "lisi"]
shift = "1w"
start = "2026-12-07T10:00:00+08:00"
"#;

fn parse(text: &str) -> Result<file::FileSettings, String> {
    test_files::parse(&format!("{TWO_PEOPLE}{text}"))
}

#[test]
fn each_mistake_names_its_key() {
    let cases = [
        (
            format!("{WANGWU}{}", ROTA.replace("\"lisi\"]", "\"zhaoliu\"]")),
            "oncall[0].rotation: unknown person \"zhaoliu\"",
        ),
        (
            format!("{WANGWU}{}", ROTA.replace("[\"zhangsan\", \"lisi\"]", "[]")),
            "oncall[0].rotation: a rota needs at least one person",
        ),
        (
            format!("{WANGWU}{}", ROTA.replace("1w", "weekly")),
            "oncall[0].shift",
        ),
        (
            format!("{WANGWU}{}", ROTA.replace("1w", "999999999999h")),
            "oncall[0].shift: `999999999999h` is longer than a year",
        ),
        (
            format!(
                "{WANGWU}{}",
                ROTA.replace("2026-12-07T10:00:00+08:00", "monday")
            ),
            "oncall[0].start",
        ),
        (
            format!("{WANGWU}{ROTA}zone = \"Mars/Base\"\n"),
            "oncall[0].zone: unknown time zone",
        ),
        (
            format!("{WANGWU}{ROTA}{ROTA}"),
            "oncall[1].name: duplicate rota",
        ),
        (
            format!("{WANGWU}[[people]]\nname = \"lisi\"\n"),
            "people[3].name: duplicate person",
        ),
        (
            format!("{WANGWU}[[people]]\nname = \"x\"\nphone = \"1\"\n"),
            "phone",
        ),
        (
            format!(
                "{WANGWU}{ROTA}[[routes]]\nrobots = [\"default\"]\nmention = {{ people = [\"nobody\"] }}\n"
            ),
            "routes[0].mention.people: unknown person \"nobody\"",
        ),
        (
            format!(
                "{WANGWU}{ROTA}[[routes]]\nrobots = [\"default\"]\nmention = {{ people = [\"wangwu\"] }}\n"
            ),
            "neither dingtalk_user_id nor mobile",
        ),
        (
            format!(
                "{WANGWU}{ROTA}[[routes]]\nrobots = [\"default\"]\nmention = {{ oncall = [\"frontend\"] }}\n"
            ),
            "routes[0].mention.oncall: unknown rota \"frontend\"",
        ),
        // Someone a rota puts on call, or an escalation step reaches, who cannot be @-mentioned
        // would be named and never pinged.
        (
            format!(
                "{WANGWU}{}[[routes]]\nrobots = [\"default\"]\nmention = {{ oncall = [\"backend\"] }}\n",
                ROTA.replace("\"lisi\"]", "\"wangwu\"]")
            ),
            "routes[0].mention.oncall: \"wangwu\" has neither dingtalk_user_id nor mobile to @",
        ),
        (
            format!(
                "{WANGWU}[[routes]]\nrobots = [\"default\"]\nescalation = [\"person:wangwu\"]\n"
            ),
            "routes[0].escalation[0]: \"wangwu\" has neither dingtalk_user_id nor mobile to @",
        ),
    ];
    for (text, want) in cases {
        let err = parse(&text).err().unwrap_or_default();
        assert!(err.contains(want), "want {want:?}, got {err:?}");
    }
}

#[test]
fn people_and_rotas_become_mentions() {
    let text = format!(
        "{WANGWU}{ROTA}[[routes]]\nrobots = [\"default\"]\nmention = {{ people = [\"zhangsan\", \"lisi\"], oncall = [\"backend\"] }}\n"
    );
    let f = parse(&text).expect("loads");
    let m = &f.routes[0].mention;
    assert_eq!(m.at.user_ids, ["manager4321"]);
    assert_eq!(m.at.mobiles, ["13800001111"]);
    assert_eq!(m.oncall, ["backend"]);
    let rota = f.team.rota("backend").expect("rota");
    assert_eq!(
        (rota.shift_ms, rota.zone),
        (7 * 24 * 3_600_000, Asia::Shanghai)
    );
}
