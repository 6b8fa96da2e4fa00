//! People and rotas as the TOML file gives them: every mistake is an error naming its key;
//! `mention.people` becomes user ids or mobiles, `mention.oncall` rota names.

use crate::config::file;
use chrono_tz::Asia;

const PEOPLE: &str = r#"
[[people]]
name = "zhangsan"
dingtalk_user_id = "manager4321"

[[people]]
name = "lisi"
mobile = "13800001111"

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
    let env = crate::config::Settings::from_lookup(|_| None).expect("defaults");
    file::parse(text, "t.toml", &|_| None, &env.env_robot, Asia::Shanghai)
        .map_err(|e| e.to_string())
}

#[test]
fn each_mistake_names_its_key() {
    let cases = [
        (
            format!("{PEOPLE}{}", ROTA.replace("\"lisi\"]", "\"zhaoliu\"]")),
            "oncall[0].rotation: unknown person \"zhaoliu\"",
        ),
        (
            format!("{PEOPLE}{}", ROTA.replace("[\"zhangsan\", \"lisi\"]", "[]")),
            "oncall[0].rotation: a rota needs at least one person",
        ),
        (
            format!("{PEOPLE}{}", ROTA.replace("1w", "weekly")),
            "oncall[0].shift",
        ),
        (
            format!(
                "{PEOPLE}{}",
                ROTA.replace("2026-12-07T10:00:00+08:00", "monday")
            ),
            "oncall[0].start",
        ),
        (
            format!("{PEOPLE}{ROTA}zone = \"Mars/Base\"\n"),
            "oncall[0].zone: unknown time zone",
        ),
        (
            format!("{PEOPLE}{ROTA}{ROTA}"),
            "oncall[1].name: duplicate rota",
        ),
        (
            format!("{PEOPLE}[[people]]\nname = \"lisi\"\n"),
            "people[3].name: duplicate person",
        ),
        (
            format!("{PEOPLE}[[people]]\nname = \"x\"\nphone = \"1\"\n"),
            "phone",
        ),
        (
            format!(
                "{PEOPLE}{ROTA}[[routes]]\nrobots = [\"default\"]\nmention = {{ people = [\"nobody\"] }}\n"
            ),
            "routes[0].mention.people: unknown person \"nobody\"",
        ),
        (
            format!(
                "{PEOPLE}{ROTA}[[routes]]\nrobots = [\"default\"]\nmention = {{ people = [\"wangwu\"] }}\n"
            ),
            "neither dingtalk_user_id nor mobile",
        ),
        (
            format!(
                "{PEOPLE}{ROTA}[[routes]]\nrobots = [\"default\"]\nmention = {{ oncall = [\"frontend\"] }}\n"
            ),
            "routes[0].mention.oncall: unknown rota \"frontend\"",
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
        "{PEOPLE}{ROTA}[[routes]]\nrobots = [\"default\"]\nmention = {{ people = [\"zhangsan\", \"lisi\"], oncall = [\"backend\"] }}\n"
    );
    let f = parse(&text).expect("loads");
    let m = &f.routes[0].mention;
    assert_eq!(m.user_ids, ["manager4321"]);
    assert_eq!(m.mobiles, ["13800001111"]);
    assert_eq!(m.oncall, ["backend"]);
    let rota = f.team.rota("backend").expect("rota");
    assert_eq!(
        (rota.shift_ms, rota.zone),
        (7 * 24 * 3_600_000, Asia::Shanghai)
    );
}
