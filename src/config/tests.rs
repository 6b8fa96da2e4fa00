//! Settings from a given environment: defaults, each variable's errors, secrets never echoed.

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
fn a_short_admin_token_is_refused_without_repeating_it() {
    let err = load(&[("ADMIN_TOKEN", "hunter2hunter2")])
        .expect_err("refused")
        .to_string();
    assert!(err.contains("ADMIN_TOKEN") && err.contains("16"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    let ok = load(&[("ADMIN_TOKEN", "0123456789abcdef")]).expect("16 characters load");
    assert!(ok.admin_token.is_some());
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
