//! The last breadcrumbs before an event: `breadcrumbs.values[]` (or a bare list, or the Sentry
//! 8/9 key `sentry.interfaces.Breadcrumbs`), reduced to time, category, level and one line.

use super::json::text;
use super::time;
use crate::domain::alert::Breadcrumb;
use serde_json::Value;

/// Kept on the alert; the templates show the last five by default.
pub const MAX_BREADCRUMBS: usize = 10;
/// A breadcrumb is a clue, not a log: longer messages are cut.
const MESSAGE_CHARS: usize = 160;

pub fn read(ev: &Value) -> Vec<Breadcrumb> {
    let list = ev
        .get("breadcrumbs")
        .or_else(|| ev.get("sentry.interfaces.Breadcrumbs"))
        .and_then(|b| b.get("values").or(Some(b)))
        .and_then(Value::as_array);
    let Some(list) = list else {
        return Vec::new();
    };
    let mut crumbs: Vec<Breadcrumb> = list
        .iter()
        .rev()
        .filter(|c| c.is_object())
        .take(MAX_BREADCRUMBS)
        .map(|c| Breadcrumb {
            time: c.get("timestamp").and_then(time::normalized),
            category: text(c, &["category"]).or_else(|| text(c, &["type"])),
            level: text(c, &["level"]),
            message: message(c).map(|m| one_line(&m, MESSAGE_CHARS)),
        })
        .filter(|c| c.category.is_some() || c.message.is_some())
        .collect();
    crumbs.reverse();
    crumbs
}

/// The message, or what the data of an HTTP or navigation breadcrumb says.
fn message(c: &Value) -> Option<String> {
    if let Some(m) = text(c, &["message"]) {
        return Some(m);
    }
    let data = c.get("data")?;
    if let Some(url) = text(data, &["url"]) {
        let method = text(data, &["method"])
            .map(|m| format!("{m} "))
            .unwrap_or_default();
        let status = text(data, &["status_code"])
            .map(|s| format!(" → {s}"))
            .unwrap_or_default();
        return Some(format!("{method}{url}{status}"));
    }
    match (text(data, &["from"]), text(data, &["to"])) {
        (Some(from), Some(to)) => Some(format!("{from} → {to}")),
        (None, Some(to)) => Some(to),
        _ => None,
    }
}

/// Whitespace runs (newlines included) become one space; the cut is marked.
fn one_line(s: &str, max_chars: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let mut cut: String = flat.chars().take(max_chars - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_last_ones_oldest_first_and_summarises_http_and_navigation() {
        let mut values: Vec<Value> = (0..15)
            .map(|i| json!({"timestamp": 1763619600 + i, "category": "log", "message": format!("step {i}")}))
            .collect();
        values.push(
            json!({"timestamp": "2025-11-20T06:21:36Z", "category": "http", "level": "error",
            "data": {"method": "POST", "url": "https://pay.example.com/api", "status_code": 502}}),
        );
        values
            .push(json!({"category": "navigation", "data": {"from": "/cart", "to": "/checkout"}}));
        values.push(json!("junk"));
        let crumbs = read(&json!({"breadcrumbs": {"values": values}}));
        assert_eq!(crumbs.len(), MAX_BREADCRUMBS);
        assert_eq!(crumbs[0].message.as_deref(), Some("step 7"));
        let http = &crumbs[8];
        assert_eq!(
            http.message.as_deref(),
            Some("POST https://pay.example.com/api → 502")
        );
        assert_eq!(http.time.as_deref(), Some("2025-11-20T06:21:36.000Z"));
        assert_eq!(crumbs[9].message.as_deref(), Some("/cart → /checkout"));
    }

    #[test]
    fn legacy_key_bare_lists_and_long_messages() {
        let long = "x".repeat(1000);
        let crumbs = read(&json!({"sentry.interfaces.Breadcrumbs": [{"message": long}]}));
        assert!(
            crumbs[0]
                .message
                .as_ref()
                .is_some_and(|m| m.chars().count() <= MESSAGE_CHARS)
        );
        assert!(read(&json!({"breadcrumbs": 3})).is_empty());
    }
}
