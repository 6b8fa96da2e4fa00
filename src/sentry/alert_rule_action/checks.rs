//! The checks a rule's values must pass, worded for the person saving the rule in Sentry.

use super::{FIELD_MIN_LEVEL, FIELD_MOBILES, FIELD_ONCALL, FIELD_PEOPLE, FIELD_ROBOT, split_list};
use crate::domain::alert::Level;

/// A mainland China mobile as DingTalk's `atMobiles` takes it: 11 digits starting 13–19.
pub fn is_cn_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// The rule's minimum level, when it names one the relay knows.
pub fn parse_min_level(s: &str) -> Option<Level> {
    const NAMES: [&str; 5] = ["debug", "info", "warning", "error", "fatal"];
    NAMES
        .contains(&s.to_ascii_lowercase().as_str())
        .then(|| Level::parse(s))
        .flatten()
}

/// What the relay has that a rule may name.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    pub robots: &'a [&'a str],
    pub people: &'a [&'a str],
    pub rotas: &'a [&'a str],
}

/// The first problem with a rule's values, worded for the person saving it in Sentry.
pub fn validate(fields: &[(String, String)], known: Known<'_>) -> Result<(), String> {
    let robots = known.robots;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let robot = get(FIELD_ROBOT).ok_or("choose a DingTalk robot (field `robot`)")?;
    if !robots.contains(&robot) {
        return Err(format!(
            "unknown robot `{}`; the relay has: {}",
            clip(robot),
            robots.join(", ")
        ));
    }
    if let Some(bad) = get(FIELD_MOBILES)
        .map(split_list)
        .unwrap_or_default()
        .into_iter()
        .find(|m| !is_cn_mobile(m))
    {
        return Err(format!(
            "malformed mobile `{}`: write 11-digit mainland China numbers such as 13800001111, separated by commas",
            clip(&bad)
        ));
    }
    for (field, defined, what) in [
        (FIELD_PEOPLE, known.people, "person"),
        (FIELD_ONCALL, known.rotas, "on-call rota"),
    ] {
        let named = get(field).map(split_list).unwrap_or_default();
        if let Some(unknown) = named.iter().find(|n| !defined.contains(&n.as_str())) {
            let defined = if defined.is_empty() {
                "none are configured".to_owned()
            } else {
                defined.join(", ")
            };
            return Err(format!(
                "unknown {what} `{}` (field `{field}`); the relay has: {defined}",
                clip(unknown)
            ));
        }
    }
    if let Some(level) = get(FIELD_MIN_LEVEL).filter(|l| parse_min_level(l).is_none()) {
        return Err(format!(
            "unknown level `{}`: use debug, info, warning, error or fatal",
            clip(level)
        ));
    }
    Ok(())
}

/// Echoed values are cut so a pasted novel does not become the error message.
fn clip(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX - 1).collect();
    out.push('…');
    out
}
