//! Mute windows in the configuration: `[[mute_times]]`, a route's `mute_times` and
//! `mute_pass_level`, and the two questions delivery asks of them.

use super::Settings;
use crate::domain::alert::{Alert, AlertKind};
use crate::domain::mute_window::MuteWindow;
use crate::routing::MuteRule;
use chrono_tz::Tz;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MuteTimeEntry {
    name: String,
    /// IANA zone; absent: `ALERT_TIMEZONE` (or the language's default).
    zone: Option<String>,
    /// Absent: every day.
    weekdays: Option<Vec<String>>,
    /// `HH:MM-HH:MM` ranges; absent: the whole day.
    times: Option<Vec<String>>,
}

/// The windows in the order written; each error names the key (`mute_times[1].times: …`).
pub(super) fn windows(
    entries: Vec<MuteTimeEntry>,
    default_zone: Tz,
) -> Result<Vec<MuteWindow>, String> {
    let mut out: Vec<MuteWindow> = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        let w = MuteWindow::parse(
            &e.name,
            e.zone.as_deref(),
            default_zone,
            e.weekdays.as_deref(),
            e.times.as_deref(),
        )
        .map_err(|err| format!("mute_times[{i}].{}: {}", err.key, err.reason))?;
        if out.iter().any(|o| o.name == w.name) {
            return Err(format!(
                "mute_times[{i}].name: duplicate window name \"{}\"",
                w.name
            ));
        }
        out.push(w);
    }
    Ok(out)
}

/// A route (`at` is `routes[2]`) names only windows the file defines, and a pass level only
/// with windows to pass.
pub(super) fn check_route(
    at: &str,
    names: &[String],
    pass_level_set: bool,
    windows: &[MuteWindow],
) -> Result<(), String> {
    for name in names {
        if !windows.iter().any(|w| &w.name == name) {
            let defined = if windows.is_empty() {
                "no [[mute_times]] are defined".to_string()
            } else {
                let names: Vec<&str> = windows.iter().map(|w| w.name.as_str()).collect();
                format!("defined: {}", names.join(", "))
            };
            return Err(format!(
                "{at}.mute_times: unknown window \"{name}\" ({defined})"
            ));
        }
    }
    if pass_level_set && names.is_empty() {
        return Err(format!(
            "{at}.mute_pass_level: the route has no mute_times to pass"
        ));
    }
    Ok(())
}

impl Settings {
    pub fn mute_window(&self, name: &str) -> Option<&MuteWindow> {
        self.mute_times.iter().find(|w| w.name == name)
    }

    /// The window that holds `alert` at `now_ms` for a robot the routes of `rules`
    /// (`Target::mute`) sent it to, or `None` to post it. Held only when every route that sent
    /// it there has a window active now and the alert is below that route's pass level (a
    /// comment has no level: it never passes by level). An alert no route sent (the default
    /// robot, a robot picked in Sentry's rule) is never held. The name is the first route's
    /// first active window.
    pub fn muted_by(&self, rules: &[MuteRule], alert: &Alert, now_ms: i64) -> Option<String> {
        let mut first = None;
        for rule in rules {
            let passes = rule
                .pass_level
                .is_some_and(|p| alert.kind != AlertKind::Comment && alert.level >= p);
            if passes {
                return None;
            }
            let active = rule
                .windows
                .iter()
                .find(|n| self.mute_window(n).is_some_and(|w| w.active_at(now_ms)))?;
            first.get_or_insert_with(|| active.clone());
        }
        first
    }

    /// Whether some route's mute window is active at `now_ms`: when none is, nothing is looked
    /// at for muting.
    pub fn any_mute_active(&self, now_ms: i64) -> bool {
        self.routes.iter().any(|r| {
            r.mute
                .windows
                .iter()
                .any(|n| self.mute_window(n).is_some_and(|w| w.active_at(now_ms)))
        })
    }

    /// Whether alerts `window` held for `robot` stay held: the window still exists, is active
    /// at `now_ms`, and some route still sends to `robot` naming it. `false`: it ended, or a
    /// reload removed it or the route's reference — time to summarize what it held.
    pub fn mute_still_holds(&self, robot: &str, window: &str, now_ms: i64) -> bool {
        self.mute_window(window)
            .is_some_and(|w| w.active_at(now_ms))
            && self.routes.iter().any(|r| {
                r.robots.iter().any(|b| b == robot) && r.mute.windows.iter().any(|n| n == window)
            })
    }
}

#[cfg(test)]
mod tests;
