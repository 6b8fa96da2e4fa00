//! Any configuration text: a working configuration or an error, and the error never carries
//! the value of an expanded `${SECRET}`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sentry_dingtalk::{Settings, parse_config_file};

const SECRET: &str = "SECfuzz0secret0value0never0shown";

fuzz_target!(|text: &str| {
    let Ok(settings) = Settings::from_lookup(|_| None) else {
        return;
    };
    let (defaults, zone) = (settings.env_robot.clone(), settings.alert_zone());
    // A value written into the file itself is the operator's to see; the expanded one is not.
    if text.contains(SECRET) {
        return;
    }
    let env = |k: &str| (k == "SECRET").then(|| SECRET.to_string());
    if let Err(e) = parse_config_file(text, "fuzz.toml", &env, &defaults, zone) {
        assert!(!e.to_string().contains(SECRET), "{e}");
    }
});
