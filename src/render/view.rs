//! What templates see: the alert plus the words around it, and a batch's summaries.

use super::escape::{one_line, truncate};
use super::{labels, time};
use crate::domain::alert::{Alert, Level};
use crate::domain::lang::Lang;
use chrono_tz::Tz;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tera::Context;

/// The alert as a template variable, with `level_label`, `action_label` and `emoji` added,
/// and its times in the reader's zone.
pub fn alert(a: &Alert, lang: Lang, tz: Tz) -> Value {
    let mut map = labels::as_map(serde_json::to_value(a).unwrap_or(Value::Null));
    for (key, raw) in [
        ("time", &a.time),
        ("first_seen", &a.first_seen),
        ("last_seen", &a.last_seen),
    ] {
        if let Some(shown) = raw.as_deref().and_then(|r| time::local(r, tz)) {
            map.insert(key.into(), json!(shown));
        }
    }
    let crumbs: Vec<Value> = a
        .breadcrumbs
        .iter()
        .map(|b| {
            let level = b.level.as_deref().and_then(Level::parse);
            json!({
                "time": b.time.as_deref().and_then(|t| time::clock(t, tz)),
                "category": b.category,
                "level": level.map(Level::as_str).or(b.level.as_deref()),
                "level_label": level.map(|l| labels::level(lang, l.as_str())).or(b.level.as_deref()),
                "message": b.message,
            })
        })
        .collect();
    map.insert("breadcrumbs".into(), json!(crumbs));
    map.insert("time_zone".into(), json!(tz.name()));
    // Always a list, so a template can test it: who is on call for the alert's routes.
    map.insert("oncall".into(), json!(a.oncall));
    let level = a.level.as_str();
    map.insert("level_label".into(), json!(labels::level(lang, level)));
    map.insert(
        "action_label".into(),
        json!(labels::action(lang, a.kind.as_str(), &a.action)),
    );
    map.insert("emoji".into(), json!(labels::emoji(level, &a.action)));
    map.insert("is_resolved".into(), json!(a.action == "resolved"));
    let choice = a.rule_choice.as_ref();
    map.insert("is_test".into(), json!(choice.is_some_and(|c| c.test)));
    map.insert("note".into(), json!(choice.and_then(|c| c.note.clone())));
    Value::Object(map)
}

/// The line that says a message is Sentry's "Send Test Notification", for test alerts. Free of
/// markdown-special characters, so the escaped and the plain form are the same text.
pub fn test_notice(a: &Alert, lang: Lang) -> Option<String> {
    a.rule_choice.as_ref().filter(|c| c.test)?;
    Some(labels::label(lang, "test_notice").to_string())
}

fn test_prefix(a: &Alert, lang: Lang) -> String {
    match a.rule_choice.as_ref().filter(|c| c.test) {
        Some(_) => format!("{} ", labels::label(lang, "test")),
        None => String::new(),
    }
}

/// What a batch line may show: the headline fields, not stacks or tags (a batch holds
/// hundreds of alerts, and a full view of each costs memory for nothing).
pub(super) fn batch_line(a: &Alert, lang: Lang) -> Value {
    let level = a.level.as_str();
    // A list item is one line: a newline in a payload's title would break it in two.
    let flat = |s: &str| one_line(s, usize::MAX);
    let flat_opt = |s: &Option<String>| s.as_deref().map(flat);
    json!({
        "kind": a.kind, "action": a.action, "level": level, "title": flat(&a.title),
        "culprit": flat_opt(&a.culprit), "project": flat_opt(&a.project),
        "environment": flat_opt(&a.environment), "release": flat_opt(&a.release),
        "issue_id": a.issue_id, "short_id": a.short_id, "event_id": a.event_id, "link": a.link,
        "count": a.count, "user_count": a.user_count, "suppressed": a.suppressed,
        // One event that fired two rules is two alerts: the rule tells their lines apart.
        "triggered_rule": flat_opt(&a.triggered_rule),
        "level_label": labels::level(lang, level),
        "action_label": labels::action(lang, a.kind.as_str(), &a.action),
        "emoji": labels::emoji(level, &a.action),
        "is_resolved": a.action == "resolved",
        "is_test": a.rule_choice.as_ref().is_some_and(|c| c.test),
    })
}

/// Longest project name in the chat-list title; the error text gets the rest.
const TITLE_PROJECT_CHARS: usize = 16;
const TITLE_CHARS: usize = 80;

/// The preview line in the chat list: plain text, not markdown, at most 80 characters. The
/// error comes first and gets most of the room; the action and project follow in a few words.
pub fn title(a: &Alert, lang: Lang) -> String {
    let subject = if a.title.trim().is_empty() {
        a.comment
            .as_ref()
            .and_then(|c| c.text.clone())
            .unwrap_or_else(|| labels::action(lang, a.kind.as_str(), &a.action))
    } else {
        a.title.clone()
    };
    let project = a
        .project
        .as_deref()
        .map(|p| format!(" · {}", one_line(p, TITLE_PROJECT_CHARS)))
        .unwrap_or_default();
    let suffix = format!(
        " · {}{project}",
        labels::short_action(lang, a.kind.as_str(), &a.action)
    );
    let emoji = labels::emoji(a.level.as_str(), &a.action);
    let prefix = test_prefix(a, lang);
    let room = TITLE_CHARS.saturating_sub(
        prefix.chars().count() + emoji.chars().count() + 1 + suffix.chars().count(),
    );
    format!("{prefix}{emoji} {}{suffix}", one_line(&subject, room))
}

pub fn batch_title(alerts: &[Alert], lang: Lang) -> String {
    let worst = alerts.iter().map(|a| a.level).max().unwrap_or_default();
    let word = |k: &str| labels::label(lang, k);
    one_line(
        &format!(
            "{} {} · {} {} {}",
            labels::emoji(worst.as_str(), ""),
            word("digest"),
            word("total"),
            alerts.len(),
            word("alerts")
        ),
        80,
    )
}

/// `alerts`, `total`, `remaining`, `by_level` (most severe first) and `by_project` (largest first).
pub fn batch_context(ctx: &mut Context, alerts: &[Alert], remaining: usize, lang: Lang) {
    let mut per_level: BTreeMap<std::cmp::Reverse<Level>, usize> = BTreeMap::new();
    let mut per_project: BTreeMap<String, usize> = BTreeMap::new();
    for a in alerts {
        *per_level.entry(std::cmp::Reverse(a.level)).or_default() += 1;
        *per_project
            .entry(a.project.clone().unwrap_or_else(|| "-".into()))
            .or_default() += 1;
    }
    let by_level: Vec<Value> = per_level
        .into_iter()
        .map(|(std::cmp::Reverse(l), n)| {
            json!({"level": l.as_str(), "label": labels::level(lang, l.as_str()), "emoji": labels::emoji(l.as_str(), ""), "count": n})
        })
        .collect();
    let mut by_project: Vec<(String, usize)> = per_project.into_iter().collect();
    by_project.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let by_project: Vec<Value> = by_project
        .into_iter()
        .map(|(p, n)| json!({"project": p, "count": n}))
        .collect();
    let views: Vec<Value> = alerts.iter().map(|a| batch_line(a, lang)).collect();
    ctx.insert("alerts", &views);
    ctx.insert("total", &alerts.len());
    ctx.insert("remaining", &remaining);
    ctx.insert("by_level", &by_level);
    ctx.insert("by_project", &by_project);
}

/// Cuts the free texts of an alert to `limit` characters (and its tags to ten of 100); false
/// when nothing was that long. A text once cut is not cut again: its ellipsis makes it
/// `limit + 1` long, which is not over the mark — else the caller's loop would never end.
pub fn shrink_texts(a: &mut Alert, limit: usize) -> bool {
    let mut changed = false;
    let mut cut = |s: &mut Option<String>| {
        if let Some(v) = s.as_mut() {
            changed |= cut_to(v, limit);
        }
    };
    cut(&mut a.message);
    cut(&mut a.culprit);
    for e in a.exception.iter_mut().chain(a.exceptions.iter_mut()) {
        cut(&mut e.ty);
        cut(&mut e.value);
        cut(&mut e.mechanism);
    }
    if let Some(c) = a.comment.as_mut() {
        cut(&mut c.text);
    }
    if let Some(m) = a.metric.as_mut() {
        cut(&mut m.description);
    }
    if let Some(r) = a.request.as_mut() {
        cut(&mut r.url);
    }
    let mut title = Some(std::mem::take(&mut a.title));
    cut(&mut title);
    a.title = title.unwrap_or_default();
    if a.tags.len() > 10 {
        a.tags.truncate(10);
        changed = true;
    }
    for t in &mut a.tags {
        changed |= cut_to(&mut t.value, 100);
    }
    changed
}

/// Cuts `v` to `limit` characters and an ellipsis; false when it was not over `limit + 1`.
fn cut_to(v: &mut String, limit: usize) -> bool {
    let over = v.chars().count() > limit + 1;
    if over {
        *v = truncate(v, limit);
    }
    over
}
