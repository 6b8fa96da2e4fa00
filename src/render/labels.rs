//! The words around the payload text, in Chinese (default) and English.

use crate::domain::lang::Lang;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The labels, one line per key with both languages side by side, so a translator edits data
/// and cannot leave a key without its other language (a test reads every line).
const LABELS_TOML: &str = include_str!("labels.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    zh: String,
    en: String,
}

/// `t` for each language, read once: a render looks labels up several times.
static LABELS: LazyLock<[Value; 2]> = LazyLock::new(|| {
    // The file is part of the build and a test reads it; a broken edit fails that test, and
    // here leaves templates without labels rather than the relay without a start.
    let table: BTreeMap<String, Words> = toml::from_str(LABELS_TOML).unwrap_or_default();
    let in_lang = |pick: fn(&Words) -> &String| {
        let map: Map<String, Value> = table
            .iter()
            .map(|(key, words)| (key.clone(), Value::String(pick(words).clone())))
            .collect();
        Value::Object(map)
    };
    [in_lang(|w| &w.zh), in_lang(|w| &w.en)]
});

/// Labels passed to templates as `t`. Keys are the same in both languages.
pub fn labels(lang: Lang) -> &'static Value {
    &LABELS[usize::from(lang != Lang::Zh)]
}

/// One label in `lang`; empty for a key the file does not have.
pub fn label(lang: Lang, key: &str) -> &'static str {
    labels(lang)[key].as_str().unwrap_or("")
}

pub fn level(lang: Lang, level: &str) -> &'static str {
    match (lang, level) {
        (Lang::Zh, "fatal") => "致命",
        (Lang::Zh, "error") => "错误",
        (Lang::Zh, "warning") => "警告",
        (Lang::Zh, "info") => "信息",
        (Lang::Zh, _) => "调试",
        (Lang::En, "fatal") => "Fatal",
        (Lang::En, "error") => "Error",
        (Lang::En, "warning") => "Warning",
        (Lang::En, "info") => "Info",
        (Lang::En, _) => "Debug",
    }
}

/// What an alert's kind and action are called: kind, action (`*`: any), then the headline in
/// Chinese and English and the word or two for the chat-list title, where the error needs the
/// room. The first row that fits names it; the last fits all.
#[rustfmt::skip]
const ACTIONS: &[(&str, &str, [&str; 2], [&str; 2])] = &[
    ("issue", "created", ["新问题", "New issue"], ["新问题", "new"]),
    ("issue", "resolved", ["问题已解决", "Issue resolved"], ["已解决", "resolved"]),
    ("issue", "assigned", ["问题已指派", "Issue assigned"], ["已指派", "assigned"]),
    ("issue", "ignored", ["问题已忽略", "Issue ignored"], ["已忽略", "ignored"]),
    ("issue", "archived", ["问题已归档", "Issue archived"], ["已归档", "archived"]),
    ("issue", "unresolved", ["问题重新出现", "Issue unresolved"], ["重现", "unresolved"]),
    ("comment", "created", ["新评论", "New comment"], ["评论", "comment"]),
    ("comment", "updated", ["评论已编辑", "Comment edited"], ["评论", "comment"]),
    ("comment", "deleted", ["评论已删除", "Comment deleted"], ["评论", "comment"]),
    ("comment", "*", ["Sentry 通知", "Sentry notice"], ["评论", "comment"]),
    ("event_alert", "*", ["告警触发", "Alert triggered"], ["告警", "alert"]),
    ("metric_alert", "critical", ["指标告警：严重", "Metric alert: critical"], ["严重", "critical"]),
    ("metric_alert", "warning", ["指标告警：警告", "Metric alert: warning"], ["警告", "warning"]),
    ("metric_alert", "resolved", ["指标告警已恢复", "Metric alert resolved"], ["已恢复", "resolved"]),
    ("metric_alert", "*", ["指标告警", "Metric alert"], ["指标", "metric"]),
    ("error", "*", ["错误事件", "Error event"], ["错误", "error"]),
    ("*", "*", ["Sentry 通知", "Sentry notice"], ["Sentry", "Sentry"]),
];

/// The row of [`ACTIONS`] that names `kind` and `action`, as (headline, short) in `lang`.
fn action_words(lang: Lang, kind: &str, action: &str) -> (&'static str, &'static str) {
    let fits = |want: &str, got: &str| want == "*" || want == got;
    let (_, _, headline, short) = ACTIONS
        .iter()
        .find(|(k, a, _, _)| fits(k, kind) && fits(a, action))
        .unwrap_or(&ACTIONS[ACTIONS.len() - 1]);
    let i = usize::from(lang != Lang::Zh);
    (headline[i], short[i])
}

/// The headline word for a kind and action, e.g. "新问题" for a created issue.
pub fn action(lang: Lang, kind: &str, action: &str) -> String {
    action_words(lang, kind, action).0.to_string()
}

/// The action in a word or two, for the chat-list title where the error needs the room.
pub fn short_action(lang: Lang, kind: &str, action: &str) -> &'static str {
    action_words(lang, kind, action).1
}

/// A marker that reads at a glance on a phone; resolutions are green whatever their level.
pub fn emoji(level: &str, action: &str) -> &'static str {
    if action == "resolved" {
        return "✅";
    }
    match level {
        "fatal" => "💥",
        "error" => "🔴",
        "warning" => "🟠",
        "info" => "🔵",
        _ => "⚪",
    }
}

pub fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_file_is_a_key_with_both_languages() {
        let table: BTreeMap<String, Words> = toml::from_str(LABELS_TOML).expect("labels.toml");
        let lines = LABELS_TOML
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(table.len(), lines, "one key per line, none repeated");
        // English may leave a word out (`more_before`: "另有" has no English word before the count).
        assert!(table.values().all(|w| !w.zh.is_empty()));
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(labels(lang).as_object().map(Map::len), Some(lines));
        }
    }

    #[test]
    fn labels_come_in_the_language_asked_for() {
        assert_eq!(label(Lang::Zh, "project"), "项目");
        assert_eq!(label(Lang::En, "project"), "Project");
        assert_eq!(label(Lang::En, "paren_open"), " (", "spaces are kept");
        assert_eq!(label(Lang::Zh, "no_such_label"), "");
    }
}
