//! `check`'s lines about mute windows: each window, each route's windows and whether one is
//! active now, and for `--explain` whether each target would be held now.

use crate::config::Settings;
use crate::domain::alert::{Alert, AlertKind};
use crate::domain::mute_window::MuteWindow;
use crate::routing::{Route, Target};
use chrono::DateTime;

/// `mute window nights: mon, … 22:00-08:00 Asia/Shanghai (not active; next Mon 22:00 …)`.
pub(crate) fn window_lines(settings: &Settings, now_ms: i64) -> Vec<String> {
    settings
        .mute_times
        .iter()
        .map(|w| {
            format!(
                "mute window {}: {} ({})",
                w.name,
                w.summary(),
                state(w, now_ms)
            )
        })
        .collect()
}

/// `  mute: nights (active until 08:00 Asia/Shanghai) | fatal and above pass`; `None` for a
/// route without windows.
pub(crate) fn route_line(settings: &Settings, route: &Route, now_ms: i64) -> Option<String> {
    if route.mute.windows.is_empty() {
        return None;
    }
    let windows: Vec<String> = route
        .mute
        .windows
        .iter()
        .map(|name| match settings.mute_window(name) {
            Some(w) => format!("{name} ({})", state(w, now_ms)),
            None => format!("{name} (not defined)"),
        })
        .collect();
    let pass = route
        .mute
        .pass_level
        .map(|l| format!(" | {} and above pass", l.as_str()))
        .unwrap_or_default();
    Some(format!("  mute: {}{pass}", windows.join(", ")))
}

/// `    held now by mute window nights (until 08:00 Asia/Shanghai)`, or why it is posted.
pub(crate) fn target_line(
    settings: &Settings,
    target: &Target,
    alert: &Alert,
    now_ms: i64,
) -> String {
    if let Some(name) = settings.muted_by(&target.mute, alert, now_ms) {
        let until = settings
            .mute_window(&name)
            .and_then(|w| {
                Some(format!(
                    " (until {})",
                    moment(w, w.next_change_after(now_ms)?, now_ms)
                ))
            })
            .unwrap_or_default();
        return format!("    held now by mute window {name}{until}");
    }
    format!(
        "    not held now: {}",
        why_posted(settings, target, alert, now_ms)
    )
}

/// The first route that lets the alert through, as [`Settings::muted_by`] decides.
fn why_posted(settings: &Settings, target: &Target, alert: &Alert, now_ms: i64) -> String {
    if target.mute.is_empty() {
        return "no route chose this robot".into();
    }
    for rule in &target.mute {
        if rule.windows.is_empty() {
            return format!("route {} has no mute_times", rule.route);
        }
        if let Some(p) = rule.pass_level
            && alert.kind != AlertKind::Comment
            && alert.level >= p
        {
            return format!("route {} lets {} and above pass", rule.route, p.as_str());
        }
        let active = rule
            .windows
            .iter()
            .any(|n| settings.mute_window(n).is_some_and(|w| w.active_at(now_ms)));
        if !active {
            return format!("no window of route {} is active", rule.route);
        }
    }
    "every route is muted".into()
}

/// `active until 08:00 Asia/Shanghai`, `not active; next Mon 22:00 Asia/Shanghai`.
fn state(w: &MuteWindow, now_ms: i64) -> String {
    match (w.active_at(now_ms), w.next_change_after(now_ms)) {
        (true, Some(end)) => format!("active until {}", moment(w, end, now_ms)),
        (true, None) => "active all the time".into(),
        (false, Some(start)) => format!("not active; next {}", moment(w, start, now_ms)),
        (false, None) => "never active".into(),
    }
}

/// `08:00 Asia/Shanghai` today, `Mon 22:00 Asia/Shanghai` another day (changes come within
/// a week).
fn moment(w: &MuteWindow, ms: i64, now_ms: i64) -> String {
    let zone = w.zone();
    let local = |ms: i64| DateTime::from_timestamp_millis(ms).map(|t| t.with_timezone(&zone));
    match (local(ms), local(now_ms)) {
        (Some(t), Some(now)) if t.date_naive() == now.date_naive() => {
            format!("{} {}", t.format("%H:%M"), zone.name())
        }
        (Some(t), _) => format!("{} {}", t.format("%a %H:%M"), zone.name()),
        (None, _) => "?".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_files::{OPS_ROBOT, settings, shanghai};
    use crate::domain::alert::Level;

    /// Windows and routes of `OPS_ROBOT`.
    const WINDOWS_AND_ROUTES: &str = r#"
[[mute_times]]
name = "nights"
zone = "Asia/Shanghai"
weekdays = ["mon", "tue", "wed", "thu", "fri"]
times = ["22:00-08:00"]

[[routes]]
name = "payments"
projects = ["payments-*"]
robots = ["ops"]
mute_times = ["nights"]
mute_pass_level = "fatal"
continue = true

[[routes]]
name = "plain"
robots = ["ops"]
"#;

    fn text() -> String {
        format!("{OPS_ROBOT}{WINDOWS_AND_ROUTES}")
    }

    #[test]
    fn routes_show_their_windows_and_whether_one_is_active_now() {
        let s = settings(&text());
        let line = |now| route_line(&s, &s.routes[0], now).expect("a mute line");
        assert_eq!(
            line(shanghai(7, 23, 0)),
            "  mute: nights (active until Sat 08:00 Asia/Shanghai) | fatal and above pass"
        );
        assert_eq!(
            line(shanghai(8, 1, 0)),
            "  mute: nights (active until 08:00 Asia/Shanghai) | fatal and above pass"
        );
        assert_eq!(
            line(shanghai(8, 9, 0)),
            "  mute: nights (not active; next Mon 22:00 Asia/Shanghai) | fatal and above pass"
        );
        assert_eq!(route_line(&s, &s.routes[1], shanghai(7, 23, 0)), None);
        assert_eq!(
            window_lines(&s, shanghai(10, 12, 0)),
            [
                "mute window nights: mon, tue, wed, thu, fri 22:00-08:00 Asia/Shanghai (not active; next 22:00 Asia/Shanghai)"
            ]
        );
    }

    #[test]
    fn explain_says_whether_each_target_is_held_now_and_why_not() {
        let only_muted = text()
            .split("[[routes]]\nname = \"plain\"")
            .next()
            .unwrap_or_default()
            .replace("continue = true", "");
        let s = settings(&only_muted);
        let mut a = Alert::new(AlertKind::Issue, "created");
        a.project = Some("payments-api".into());
        a.level = Level::Error;
        let line = |s: &Settings, a: &Alert, now| {
            let targets = s.route(a);
            target_line(s, &targets[0], a, now)
        };
        assert_eq!(
            line(&s, &a, shanghai(7, 23, 0)),
            "    held now by mute window nights (until Sat 08:00 Asia/Shanghai)"
        );
        assert_eq!(
            line(&s, &a, shanghai(7, 12, 0)),
            "    not held now: no window of route payments is active"
        );
        let both = settings(&text());
        assert_eq!(
            line(&both, &a, shanghai(7, 23, 0)),
            "    not held now: route plain has no mute_times"
        );
        a.level = Level::Fatal;
        assert_eq!(
            line(&s, &a, shanghai(7, 23, 0)),
            "    not held now: route payments lets fatal and above pass"
        );
        a.project = Some("web".into());
        assert_eq!(
            line(&s, &a, shanghai(7, 23, 0)),
            "    not held now: no route chose this robot"
        );
    }
}
