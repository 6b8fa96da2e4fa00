//! Loading the routing file: bad files refused with a message naming the problem, environment
//! variables substituted into secrets, and the example file valid.

use crate::helpers::repo_path;
use sentry_dingtalk::{ConfigError, Settings};
use std::time::Duration;

fn load(toml: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("c.toml");
    std::fs::write(&path, toml).expect("write");
    let mut vars: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    vars.push(("CONFIG_FILE".into(), path.display().to_string()));
    Settings::from_lookup(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
}

#[test]
fn bad_config_files_are_refused_with_a_message_that_names_the_problem() {
    let robot =
        "[[robots]]\nname = \"a\"\nwebhook = \"https://x.example/robot/send?access_token=t\"\n";
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a [&'a str]);
    let cases: Vec<Case> = vec![
        (
            format!("{robot}colour = \"red\"\n"),
            vec![],
            &["colour", "line 4"],
        ),
        (
            format!("{robot}{robot}"),
            vec![],
            &["duplicate robot name", "`a`"],
        ),
        (
            "[[routes]]\nrobots = [\"nobody\"]\n".into(),
            vec![],
            &["robot `nobody` is not defined"],
        ),
        (
            format!("{robot}[[routes]]\nprojects = [\"pay[\"]\nrobots = [\"a\"]\n"),
            vec![],
            &["malformed glob", "pay["],
        ),
        (
            "[[robots]]\nname = \"a\"\nwebhook = \"${ROBOT_URL}\"\n".into(),
            vec![],
            &["ROBOT_URL is not set"],
        ),
        (
            format!("{robot}[[routes]]\nmin_level = \"loud\"\nrobots = [\"a\"]\n"),
            vec![],
            &["min_level", "loud"],
        ),
        (
            format!("{robot}[[routes]]\nrobots = [\"a\"]\nrepeat_interval = \"soon\"\n"),
            vec![],
            &["repeat_interval"],
        ),
        (
            "[[robots]]\nname = \"default\"\nwebhook = \"https://x.example/r?access_token=t\"\n"
                .into(),
            vec![("DINGTALK_WEBHOOK", "https://y.example/r?access_token=u")],
            &["defined both"],
        ),
    ];
    for (toml, env, wants) in cases {
        let err = load(&toml, &env)
            .err()
            .unwrap_or_else(|| panic!("accepted:\n{toml}"))
            .to_string();
        for want in wants {
            assert!(err.contains(want), "{want:?} not in {err:?}");
        }
        assert!(!err.contains("access_token=t"), "a robot URL leaked: {err}");
    }
}

#[test]
fn env_vars_are_substituted_into_secrets() {
    let toml = "[[robots]]\nname = \"p\"\nwebhook = \"${P_URL}\"\nsecret = \"${P_SECRET}\"\nrate_per_minute = 10\ngroup_window = \"5s\"\n";
    let s = load(
        toml,
        &[
            (
                "P_URL",
                "https://oapi.dingtalk.com/robot/send?access_token=abc",
            ),
            ("P_SECRET", "SECabc"),
        ],
    )
    .expect("loads");
    let p = s.robot("p").expect("robot p");
    assert_eq!(
        p.webhook.as_ref().map(|w| w.expose()),
        Some("https://oapi.dingtalk.com/robot/send?access_token=abc")
    );
    assert_eq!(p.secret.as_ref().map(|w| w.expose()), Some("SECabc"));
    assert_eq!(
        (p.rate_per_minute, p.group_window),
        (10, Duration::from_secs(5))
    );
    assert!(
        s.robot("default").is_some(),
        "the env robot stays as `default`"
    );
}

#[test]
fn the_example_file_loads() {
    let text = std::fs::read_to_string(repo_path("sentry-dingtalk.example.toml")).expect("example");
    let env = [
        (
            "PAYMENTS_ROBOT_URL",
            "https://oapi.dingtalk.com/robot/send?access_token=p",
        ),
        ("PAYMENTS_ROBOT_SECRET", "SECp"),
        (
            "ONCALL_ROBOT_URL",
            "https://oapi.dingtalk.com/robot/send?access_token=o",
        ),
        ("ONCALL_ROBOT_SECRET", "SECo"),
    ];
    let s = load(&text, &env).expect("the example is valid");
    assert_eq!(s.routes.len(), 2);
    assert!(
        s.routes[1].escalation.is_some(),
        "the on-call route escalates"
    );
    assert_eq!(
        s.robots.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["default", "payments", "oncall"]
    );
}
