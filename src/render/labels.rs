//! The words around the payload text, in Chinese (default) and English.

use crate::domain::lang::Lang;
use serde_json::{Map, Value};

/// Label key, Chinese, English. Templates see them as `t.<key>` in `ALERT_LANG`.
const LABELS: &[(&str, &str, &str)] = &[
    ("project", "项目", "Project"),
    ("environment", "环境", "Environment"),
    ("release", "版本", "Release"),
    ("level", "级别", "Level"),
    ("culprit", "位置", "Culprit"),
    ("exception", "异常", "Exception"),
    ("stack", "堆栈", "Stack"),
    ("user", "用户", "User"),
    ("request", "请求", "Request"),
    ("count", "事件数", "Events"),
    ("users", "影响用户", "Users affected"),
    ("first_seen", "首次出现", "First seen"),
    ("last_seen", "最近出现", "Last seen"),
    ("assignee", "负责人", "Assignee"),
    ("actor", "操作人", "By"),
    ("rule", "触发规则", "Rule"),
    ("comment", "评论", "Comment"),
    ("issue", "问题", "Issue"),
    ("view", "在 Sentry 中查看", "View in Sentry"),
    ("handled", "已捕获", "handled"),
    ("unhandled", "未捕获", "unhandled"),
    ("tags", "标签", "Tags"),
    ("status", "状态", "Status"),
    ("digest", "告警汇总", "Alert digest"),
    ("batch", "告警汇总", "Alert batch"),
    ("total", "共", "Total"),
    ("alerts", "条告警", "alerts"),
    ("by_level", "按级别", "By level"),
    ("by_project", "按项目", "By project"),
    ("other_projects", "其他项目", "other projects"),
    ("description", "说明", "Description"),
    ("no_title", "（无标题）", "(no title)"),
    ("in", "位于", "in"),
    ("time", "时间", "Time"),
    ("sep", "：", ": "),
    // Around an aside (a duration, a count): full-width in Chinese, ASCII with a space before
    // it in English.
    ("paren_open", "（", " ("),
    ("paren_close", "）", ")"),
    ("more_before", "另有", ""),
    (
        "more_after",
        "条告警将在下一条消息中发送",
        "more alerts follow in the next message",
    ),
    (
        "folded",
        "此前未通知的重复告警",
        "Repeats not notified before",
    ),
    ("open_issues", "未解决问题汇总", "Open issues"),
    ("breadcrumbs", "面包屑", "Breadcrumbs"),
    ("caused_by", "原因", "caused by"),
    ("event_time", "发生时间", "Occurred"),
    ("value", "当前值", "Value"),
    ("threshold", "阈值", "Threshold"),
    ("critical", "严重", "critical"),
    ("warning", "警告", "warning"),
    ("resolve_at", "恢复", "resolve"),
    ("window", "时间窗口", "window"),
    ("minutes", "分钟", "min"),
    ("query", "条件", "Query"),
    ("started", "开始时间", "Started"),
    (
        "view_rule",
        "在 Sentry 中查看告警规则",
        "View alert rule in Sentry",
    ),
    ("issues", "个问题", "issues"),
    (
        "partial",
        "列表不完整：Sentry 分页中断",
        "partial list: Sentry paging stopped",
    ),
    ("events", "次", "events"),
    ("note", "附言", "Note"),
    ("test", "【测试】", "[TEST]"),
    (
        "test_notice",
        "🧪 测试通知：这不是真实告警，是在 Sentry 告警规则中点击 Send Test Notification 发出的",
        "🧪 Test notification: not a real incident, sent by Send Test Notification in a Sentry alert rule",
    ),
    ("users_short", "位用户", "users"),
    ("more_issues", "个问题未列出", "more issues not listed"),
    ("silence_ended", "静默已结束", "Silence ended"),
    ("oncall", "值班", "On call"),
    ("mute_ended", "免打扰时段已结束", "Mute window ended"),
    ("held", "期间暂缓", "Held back"),
    ("matchers", "范围", "Matching"),
    ("silenced_by", "静默人", "Silenced by"),
    ("storm", "告警风暴", "Alert storm"),
    ("storm_update", "更新", "update"),
    ("storm_over", "风暴结束", "Storm over"),
    ("storm_since", "始于", "since"),
    ("storm_fresh", "新增告警", "New alerts"),
    ("storm_new_issues", "新问题", "New issues"),
    (
        "storm_joined",
        "风暴中新出现的问题",
        "issues new to the storm",
    ),
    ("storm_top", "告警最多的问题", "Issues with the most alerts"),
    ("storm_climbed", "新进前列", "climbed to the top"),
    ("storm_regressed", "复发", "regressed"),
    ("storm_unresolved", "仍未解决", "Still unresolved"),
    ("storm_page", "查看风暴详情", "Open the storm page"),
];

/// Labels passed to templates as `t`. Keys are the same in both languages.
pub fn labels(lang: Lang) -> Value {
    let map: Map<String, Value> = LABELS
        .iter()
        .map(|(key, zh, en)| {
            (
                key.to_string(),
                Value::String(if lang == Lang::Zh { zh } else { en }.to_string()),
            )
        })
        .collect();
    Value::Object(map)
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
