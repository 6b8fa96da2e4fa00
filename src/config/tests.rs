//! Settings from a given environment: defaults, each variable's errors, secrets never echoed.

use super::test_files::OPS_ROBOT;
use super::*;
use std::collections::HashMap;

fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let env: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_lookup(|k| env.get(k).cloned())
}

#[test]
fn defaults_follow_the_design() {
    let s = load(&[]).expect("empty env loads");
    let r = &s.robots[0];
    assert_eq!(
        (
            r.rate_per_minute,
            r.group_window.as_secs(),
            r.throttle_pause.as_secs()
        ),
        (18, 30, 600)
    );
    assert_eq!(s.listen_addr, "0.0.0.0:8080");
    assert_eq!(s.body_limit, 4 * 1024 * 1024);
    assert_eq!(s.lang, Lang::Zh);
    assert!(s.require_client_secret().is_err());
}

#[test]
fn secrets_rotate_as_a_comma_list() {
    let s = load(&[("SENTRY_CLIENT_SECRET", "old, new")]).expect("loads");
    let got: Vec<&str> = s.client_secrets.iter().map(Secret::expose).collect();
    assert_eq!(got, ["old", "new"]);
}

#[test]
fn bad_values_name_their_variable_but_not_the_secret() {
    let err = load(&[("DINGTALK_RATE_PER_MINUTE", "many")])
        .expect_err("refused")
        .to_string();
    assert!(err.contains("DINGTALK_RATE_PER_MINUTE"), "{err}");
    let err =
        load(&[("DINGTALK_WEBHOOK", "ftp://x/robot?access_token=tok123")]).expect_err("refused");
    assert!(!err.to_string().contains("tok123"), "{err}");
    assert!(load(&[("ALERT_LANG", "fr")]).is_err());
    let err = load(&[("ALERT_TIMEZONE", "Mars/Olympus")]).expect_err("refused");
    assert!(err.to_string().contains("ALERT_TIMEZONE"), "{err}");
    let tz = load(&[("ALERT_TIMEZONE", "Europe/Berlin")])
        .expect("loads")
        .timezone;
    assert_eq!(tz, Some(chrono_tz::Europe::Berlin));
}

#[test]
fn a_short_token_is_refused_without_repeating_it() {
    for name in ["ADMIN_TOKEN", "LEGACY_WEBHOOK_TOKEN"] {
        let err = load(&[(name, "hunter2hunter2")])
            .expect_err("refused")
            .to_string();
        assert!(err.contains(name) && err.contains("16"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let ok = load(&[(name, "0123456789abcdef")]).expect("16 characters load");
        assert!(ok.admin_token.is_some() || ok.legacy_token.is_some());
    }
}

#[test]
fn body_limits_are_consistent() {
    let s = load(&[]).expect("defaults");
    assert_eq!(s.inflight_body_limit, 64 * 1024 * 1024);
    assert_eq!(s.body_read_timeout, Duration::from_secs(10));
    let err = load(&[("INFLIGHT_BODY_LIMIT_BYTES", "1000")]).expect_err("below the body limit");
    assert!(err.to_string().contains("BODY_LIMIT_BYTES"), "{err}");
    assert!(load(&[("BODY_READ_TIMEOUT", "0")]).is_err());
}

#[test]
fn trusted_proxies_take_cidrs_and_single_addresses() {
    assert!(load(&[]).expect("defaults").trusted_proxies.is_empty());
    let s = load(&[("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,fd00::/8")]).expect("loads");
    let shown: Vec<String> = s.trusted_proxies.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["10.0.0.0/8", "192.0.2.7/32", "fd00::/8"]);
    let err = load(&[("TRUSTED_PROXIES", "10.0.0.0/8,proxy.local")]).expect_err("a name");
    assert!(err.to_string().contains("proxy.local"), "{err}");
}

#[test]
fn listen_addr_is_a_host_and_a_port() {
    assert_eq!(load(&[]).expect("defaults").listen_addr, "0.0.0.0:8080");
    for good in ["127.0.0.1:9000", "[::]:8080", "localhost:80"] {
        let s = load(&[("LISTEN_ADDR", good)]).expect(good);
        assert_eq!(s.listen_addr, good);
    }
    for bad in ["0.0.0.0:80x", "0.0.0.0", ":8080", "0.0.0.0:99999"] {
        let err = load(&[("LISTEN_ADDR", bad)]).expect_err(bad);
        assert!(err.to_string().starts_with("LISTEN_ADDR:"), "{err}");
    }
}

/// A window and a route of `OPS_ROBOT` it mutes (`docs/mute-windows.md`).
const MUTED_ROUTE: &str = r#"
[[mute_times]]
name = "nights"
times = ["22:00-08:00"]

[[routes]]
robots = ["ops"]
mute_times = ["nights"]
"#;

fn refused(text: &str) -> String {
    let defaults = load(&[]).expect("defaults").env_robot;
    file::parse(text, "t.toml", &|_| None, &defaults, chrono_tz::UTC)
        .err()
        .expect("refused")
        .to_string()
}

#[test]
fn bad_windows_and_references_are_refused_naming_the_key() {
    let window = |body: &str| format!("{OPS_ROBOT}[[mute_times]]\nname = \"nights\"\n{body}\n");
    let route = "[[routes]]\nrobots = [\"ops\"]\n";
    let cases = [
        (
            format!("{}{route}mute_times = [\"nihgts\"]\n", window("")),
            "routes[0].mute_times: unknown window \"nihgts\" (defined: nights)",
        ),
        (
            format!("{OPS_ROBOT}{route}mute_times = [\"nights\"]\n"),
            "routes[0].mute_times: unknown window \"nights\" (no [[mute_times]] are defined)",
        ),
        (
            window("weekdays = [\"mon\", \"fry\"]"),
            "mute_times[0].weekdays: `fry` is not one of mon",
        ),
        (window("weekdays = []"), "mute_times[0].weekdays: is empty"),
        (
            window("times = [\"25:00-08:00\"]"),
            "mute_times[0].times: `25:00-08:00`: `25:00`",
        ),
        (
            window("times = [\"22:60-08:00\"]"),
            "mute_times[0].times: `22:60-08:00`",
        ),
        (
            window("times = [\"08:00-08:00\"]"),
            "mute_times[0].times: `08:00-08:00`: start and end",
        ),
        (window("times = []"), "mute_times[0].times: is empty"),
        (
            window("zone = \"Mars/Olympus\""),
            "mute_times[0].zone: `Mars/Olympus`",
        ),
        (
            format!("{}{}", window(""), "[[mute_times]]\nname = \"nights\"\n"),
            "mute_times[1].name: duplicate window name \"nights\"",
        ),
        (window("weekday = [\"mon\"]"), "weekday"),
        (
            format!(
                "{}{route}mute_times = [\"nights\"]\nmute_pass_level = \"loud\"\n",
                window("")
            ),
            "routes[0]: mute_pass_level `loud` is not debug",
        ),
        (
            format!("{OPS_ROBOT}{route}actions = [\"trigered\"]\n"),
            "routes[0]: action `trigered` is not one of created,",
        ),
        (
            format!("{}{route}mute_pass_level = \"fatal\"\n", window("")),
            "routes[0].mute_pass_level: the route has no mute_times",
        ),
    ];
    for (text, expected) in cases {
        let e = refused(&text);
        assert!(e.starts_with("config file t.toml: "), "{e}");
        assert!(
            e.contains(expected),
            "{e}\nexpected: {expected}\nfor:\n{text}"
        );
    }
}

#[test]
fn a_window_without_a_zone_takes_alert_timezone_or_the_languages_zone() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("c.toml");
    std::fs::write(&path, format!("{OPS_ROBOT}{MUTED_ROUTE}")).expect("write");
    let path = path.display().to_string();
    let zone = |vars: &[(&str, &str)]| {
        let s = Settings::from_lookup(|k| {
            (k == "CONFIG_FILE").then(|| path.clone()).or_else(|| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            })
        })
        .expect("loads");
        let nights = s.mute_window("nights").map(|w| w.zone());
        let reloaded = s.reloaded().expect("reloads");
        assert_eq!(
            reloaded.mute_window("nights").map(|w| w.zone()),
            nights,
            "a reload keeps it"
        );
        nights
    };
    assert_eq!(zone(&[]), Some(chrono_tz::Asia::Shanghai));
    assert_eq!(zone(&[("ALERT_LANG", "en")]), Some(chrono_tz::UTC));
    assert_eq!(
        zone(&[("ALERT_TIMEZONE", "Europe/Berlin")]),
        Some(chrono_tz::Europe::Berlin)
    );
}

#[test]
fn duration_variables_take_seconds_or_a_duration_up_to_a_year() {
    let window = |v: &str| load(&[("DINGTALK_GROUP_WINDOW", v)]).map(|s| s.env_robot.group_window);
    assert_eq!(window("0.5").expect("seconds"), Duration::from_millis(500));
    assert_eq!(window("5m").expect("a duration"), Duration::from_secs(300));
    assert_eq!(
        window("1h 30m").expect("a duration"),
        Duration::from_secs(5400)
    );
    assert_eq!(
        window("366d").expect("a year"),
        Duration::from_secs(366 * 86_400)
    );
    for bad in ["5x", "-1", "367d", "99999999999"] {
        let e = window(bad).expect_err(bad).to_string();
        assert!(e.starts_with("DINGTALK_GROUP_WINDOW: "), "{bad}: {e}");
    }
    let e = load(&[("SHUTDOWN_TIMEOUT", "soon")])
        .expect_err("soon")
        .to_string();
    assert!(e.contains("nor a duration (30s, 5m, 1h)"), "{e}");
}

#[test]
fn a_duration_in_the_file_is_at_most_a_year() {
    let robot = |window: &str| format!("{OPS_ROBOT}group_window = \"{window}\"\n");
    let e = refused(&robot("999999999999h"));
    assert!(e.contains("longer than a year"), "{e}");
    let defaults = load(&[]).expect("defaults").env_robot;
    let ok = file::parse(
        &robot("366d"),
        "t.toml",
        &|_| None,
        &defaults,
        chrono_tz::UTC,
    );
    assert!(ok.is_ok(), "{:?}", ok.err());
}
