//! `check`: prove the configuration and templates work before they meet a real alert.

use crate::commands::check_mute;
use crate::commands::replay;
use crate::config::Settings;
use crate::domain::lang::Lang;
use crate::render::Renderer;
use crate::routing::Unmatched;
use crate::routing_choice::{self, Choice};
use crate::sentry::payload::Parsed;
use anyhow::Context;
use std::fmt::Write;
use std::path::Path;

/// Renders every built-in sample in both languages; the first failure names the sample and
/// the template error (file, line, variable).
pub fn run(settings: &Settings, explain: Option<&Path>) -> anyhow::Result<String> {
    let mut report = String::new();
    let base = settings.link_base();
    let dir = settings.templates_dir.as_deref();
    if let Some(d) = dir {
        writeln!(
            report,
            "templates: built-in, overridden from {}",
            d.display()
        )?;
    }
    let samples = crate::sentry::samples::alerts(&base, settings.legacy_token.is_some());
    for (lang, code) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        let renderer = Renderer::load(dir, lang)
            .context("loading templates")?
            .with_timezone(settings.timezone);
        let rendered = crate::render::proof::prove(&renderer, &samples, crate::clock::now_ms())
            .with_context(|| format!("templates in {code}"))?;
        writeln!(
            report,
            "{code}: rendered {rendered} samples, their batches, a storm's summaries, a hold's summary and the open-issue digest"
        )?;
    }
    for robot in &settings.robots {
        if let Some(card) = &robot.card {
            // Every key was required when the configuration loaded; this says what it holds.
            writeln!(
                report,
                "robot {}: card robot (enterprise app {}, robot {}), template {}, group {}, {} per minute, group window {}, throttle pause {}",
                robot.name,
                card.app.app_key,
                card.robot_code,
                card.card_template_id,
                card.open_conversation_id,
                robot.rate_per_minute,
                span(robot.group_window),
                span(robot.throttle_pause)
            )?;
            let quota = card
                .api_calls_per_month
                .map_or("no api_calls_per_month".to_owned(), |n| {
                    format!("{n} calls a month")
                });
            let spent = if card.fallback.is_some() {
                "then the fallback robot posts"
            } else {
                "then card operations wait (no fallback_webhook)"
            };
            writeln!(report, "  open API: {quota}; {spent}")?;
            writeln!(report, "{}", storm_line(robot))?;
            if card.callback_route_key.is_none() {
                writeln!(
                    report,
                    "  warning: robot {} has no callback_route_key: its cards' buttons call nothing back (README: Card robots, step 4)",
                    robot.name
                )?;
            }
            continue;
        }
        let target = if robot.webhook.is_some() {
            "DingTalk"
        } else {
            "the log (no DINGTALK_WEBHOOK)"
        };
        let signed = if robot.secret.is_some() {
            "signed"
        } else {
            "unsigned"
        };
        let keyword = match &robot.keyword {
            Some(k) => format!("keyword \"{k}\""),
            None => "no keyword".into(),
        };
        writeln!(
            report,
            "robot {}: sends to {target}, {signed}, {keyword}, {} per minute, group window {}, throttle pause {}",
            robot.name,
            robot.rate_per_minute,
            span(robot.group_window),
            span(robot.throttle_pause)
        )?;
        writeln!(report, "{}", storm_line(robot))?;
        if let Some(warning) = robot.rate_warning() {
            writeln!(report, "  warning: {warning}")?;
        }
    }
    if let Some(file) = &settings.config_file {
        writeln!(
            report,
            "config file {}: {} robot(s), {} route(s)",
            file.display(),
            settings.robots.len(),
            settings.routes.len()
        )?;
    }
    // Windows follow the wall clock; `check` shows them as of now.
    let now_ms = crate::clock::now_ms();
    for line in check_mute::window_lines(settings, now_ms) {
        writeln!(report, "{line}")?;
    }
    for (i, r) in settings.routes.iter().enumerate() {
        let m = &r.mention;
        let at = &m.at;
        let from = m
            .min_level
            .map(|l| format!(" from {}", l.as_str()))
            .unwrap_or_default();
        let mut whom: Vec<String> = Vec::new();
        if !at.is_empty() {
            whom.push(at.text_line());
        }
        if !m.oncall.is_empty() {
            whom.push(format!("on call ({})", m.oncall.join(", ")));
        }
        let mention = if whom.is_empty() {
            "nobody".to_string()
        } else {
            format!("{}{from}", whom.join(" + "))
        };
        // An unnamed route is called `routes[i]`: its number says that already.
        let name = if r.name == format!("routes[{i}]") {
            String::new()
        } else {
            format!(" {}", r.name)
        };
        writeln!(
            report,
            "route {i}{name}: {} → {} | mention {mention} | repeat {}{}",
            r.summary,
            r.robots.join(", "),
            span(r.repeat.interval),
            if r.continue_ { " | continue" } else { "" }
        )?;
        if let Some(line) = check_mute::route_line(settings, r, now_ms) {
            writeln!(report, "{line}")?;
        }
        let card_robots = r
            .robots
            .iter()
            .filter(|name| settings.robot(name).is_some_and(|b| b.card.is_some()));
        for name in card_robots.filter(|_| !at.mobiles.is_empty() || at.all) {
            writeln!(
                report,
                "  warning: robot {name} posts cards, which @-mention user ids only: this route's mobiles and `all` are not used there"
            )?;
        }
    }
    if let Some(s) = &settings.digest_schedule {
        let offset = format!(
            "{:+03}:{:02}",
            s.offset_secs / 3600,
            (s.offset_secs.abs() % 3600) / 60
        );
        writeln!(
            report,
            "open-issue digest: daily at {:02}:{:02} (UTC{offset}), window {}",
            s.at_secs / 3600,
            (s.at_secs % 3600) / 60,
            s.since
        )?;
    }
    if !settings.routes.is_empty() {
        let unmatched = match settings.unmatched {
            Unmatched::Default => "go to the default robot",
            Unmatched::Drop => "are dropped",
        };
        writeln!(report, "alerts no route matches {unmatched}")?;
    }
    if let Some(path) = explain {
        let samples = replay::load(&[path.to_path_buf()])?;
        for sample in &samples {
            let (resource, parsed) =
                crate::sentry::shape::interpret(&sample.value, None, None, &base);
            let Parsed::Alert(alert) = parsed else {
                writeln!(
                    report,
                    "{}: {resource}: acknowledged, no message",
                    path.display()
                )?;
                continue;
            };
            // What `min_level` judges: a comment and a metric alert's resolution carry no level.
            let level = if alert.carries_level() {
                format!("level {}", alert.level.as_str())
            } else {
                "no level (min_level does not apply)".to_string()
            };
            writeln!(
                report,
                "{}: {resource}.{} {level} project {}",
                path.display(),
                alert.action,
                alert.project.as_deref().unwrap_or("(none)")
            )?;
            if let (Some(_), Choice::Routes(why)) =
                (&alert.rule_choice, routing_choice::choose(&alert, settings))
            {
                writeln!(report, "  rule settings not used: {why}")?;
            }
            for mut t in routing_choice::targets(&alert, settings) {
                // Who is on call by the rotation alone: overrides live in the store.
                let on_call =
                    crate::oncall::mention_on_call(settings, &mut t.at, &t.oncall, &[], now_ms);
                let at = if t.at.is_empty() {
                    "nobody".to_string()
                } else {
                    t.at.text_line()
                };
                writeln!(report, "  → robot {} mentions {at} ({})", t.robot, t.reason)?;
                if !t.oncall.is_empty() {
                    let who = if on_call.is_empty() {
                        "nobody".to_owned()
                    } else {
                        on_call.join(", ")
                    };
                    let rotas = t.oncall.join(", ");
                    writeln!(
                        report,
                        "    on call ({rotas}) now by the rotation: {who}; an override in the store may name another"
                    )?;
                }
                if !settings.mute_times.is_empty() {
                    let held = check_mute::target_line(settings, &t, &alert, now_ms);
                    writeln!(report, "{held}")?;
                }
            }
        }
    }
    Ok(report)
}

/// A robot's storm settings in words (`storm_threshold = 0` and the default read alike in
/// the file's absence, so they are said).
fn storm_line(robot: &crate::config::RobotConfig) -> String {
    let storm = &robot.storm;
    match storm.threshold_for(robot.rate_per_minute) {
        None => "  storm mode off (storm_threshold = 0)".to_string(),
        Some(n) => format!(
            "  storm mode from {n} waiting alerts: a summary every {}, over after {} without new alerts",
            span(storm.interval),
            span(storm.quiet)
        ),
    }
}

/// A duration as people write it: `30s`, `10m`, `0s`.
fn span(d: std::time::Duration) -> String {
    humantime::format_duration(d).to_string()
}
