//! The words around the payload text, in Chinese (default) and English.

use crate::config::Lang;
use serde_json::{Map, Value, json};

/// Labels passed to templates as `t`. Keys are the same in both languages.
pub fn labels(lang: Lang) -> Value {
    match lang {
        Lang::Zh => json!({
            "project": "项目", "environment": "环境", "release": "版本", "level": "级别",
            "culprit": "位置", "exception": "异常", "stack": "堆栈", "user": "用户", "request": "请求",
            "count": "事件数", "users": "影响用户", "first_seen": "首次出现", "last_seen": "最近出现",
            "assignee": "负责人", "actor": "操作人", "rule": "触发规则", "comment": "评论",
            "issue": "问题", "view": "在 Sentry 中查看", "handled": "已捕获", "unhandled": "未捕获",
            "tags": "标签", "status": "状态", "digest": "告警汇总", "total": "共", "alerts": "条告警",
            "by_level": "按级别", "by_project": "按项目", "description": "说明", "no_title": "（无标题）",
            "in": "位于", "time": "时间", "sep": "：", "more_before": "另有",
            "more_after": "条告警将在下一条消息中发送", "folded": "此前未通知的重复告警",
        }),
        Lang::En => json!({
            "project": "Project", "environment": "Environment", "release": "Release", "level": "Level",
            "culprit": "Culprit", "exception": "Exception", "stack": "Stack", "user": "User",
            "request": "Request", "count": "Events", "users": "Users affected", "first_seen": "First seen",
            "last_seen": "Last seen", "assignee": "Assignee", "actor": "By", "rule": "Rule",
            "comment": "Comment", "issue": "Issue", "view": "View in Sentry", "handled": "handled",
            "unhandled": "unhandled", "tags": "Tags", "status": "Status", "digest": "Alert digest",
            "total": "Total", "alerts": "alerts", "by_level": "By level", "by_project": "By project",
            "description": "Description", "no_title": "(no title)", "in": "in", "time": "Time",
            "sep": ": ", "more_before": "", "more_after": "more alerts follow in the next message",
            "folded": "Repeats not notified before",
        }),
    }
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

/// The headline word for a kind and action, e.g. "新问题" for a created issue.
pub fn action(lang: Lang, kind: &str, action: &str) -> String {
    let (zh, en) = match (kind, action) {
        ("issue", "created") => ("新问题", "New issue"),
        ("issue", "resolved") => ("问题已解决", "Issue resolved"),
        ("issue", "assigned") => ("问题已指派", "Issue assigned"),
        ("issue", "ignored") => ("问题已忽略", "Issue ignored"),
        ("issue", "archived") => ("问题已归档", "Issue archived"),
        ("issue", "unresolved") => ("问题重新出现", "Issue unresolved"),
        ("comment", "created") => ("新评论", "New comment"),
        ("comment", "updated") => ("评论已编辑", "Comment edited"),
        ("comment", "deleted") => ("评论已删除", "Comment deleted"),
        ("event_alert", _) => ("告警触发", "Alert triggered"),
        ("metric_alert", "critical") => ("指标告警：严重", "Metric alert: critical"),
        ("metric_alert", "warning") => ("指标告警：警告", "Metric alert: warning"),
        ("metric_alert", "resolved") => ("指标告警已恢复", "Metric alert resolved"),
        ("metric_alert", _) => ("指标告警", "Metric alert"),
        ("error", _) => ("错误事件", "Error event"),
        _ => ("Sentry 通知", "Sentry notice"),
    };
    if lang == Lang::Zh { zh } else { en }.to_string()
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
