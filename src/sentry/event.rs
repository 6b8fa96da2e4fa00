//! Reading a Sentry event body (`event.as_dict()` in webhooks, the legacy plugin's `event`, or a
//! bare event) into an [`Alert`]. Every field is optional and may have an unexpected type.

use crate::domain::alert::{Alert, Exception, Frame, Level, Request, Tag, User};
use serde_json::Value;

/// Frames kept on the alert; rendering trims further when the message would be too long.
pub const MAX_FRAMES: usize = 10;

/// A string at `path`, accepting numbers and booleans too; `null` and `""` count as absent.
pub fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    match cur {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn first_text(v: &Value, paths: &[&[&str]]) -> Option<String> {
    paths.iter().find_map(|p| text(v, p))
}

/// Only http(s) links survive, and with every character that could end a markdown link
/// (`(`, `)`, `[`, `]`, …) percent-encoded, so a crafted URL cannot break out of `[..](url)`.
pub fn http_link(raw: Option<String>) -> Option<String> {
    let url = url::Url::parse(raw?.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let mut out = String::with_capacity(url.as_str().len());
    for c in url.as_str().chars() {
        match c {
            '(' | ')' | '[' | ']' | '<' | '>' | '"' | '\'' | '*' | '`' | '\\' | '|' | '@' | '!'
            | ' ' => {
                out.push_str(&format!("%{:02X}", c as u32));
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

pub fn fill_from_event(alert: &mut Alert, ev: &Value) {
    if !ev.is_object() {
        return;
    }
    let or = |cur: &mut Option<String>, new: Option<String>| {
        if cur.is_none() {
            *cur = new;
        }
    };
    if alert.title.is_empty() {
        alert.title = first_text(
            ev,
            &[
                &["title"],
                &["message"],
                &["logentry", "formatted"],
                &["logentry", "message"],
            ],
        )
        .unwrap_or_default();
    }
    or(&mut alert.culprit, text(ev, &["culprit"]));
    or(
        &mut alert.message,
        first_text(ev, &[&["logentry", "formatted"], &["message"]]),
    );
    or(&mut alert.environment, text(ev, &["environment"]));
    or(&mut alert.release, text(ev, &["release"]));
    or(&mut alert.platform, text(ev, &["platform"]));
    or(
        &mut alert.event_id,
        first_text(ev, &[&["event_id"], &["id"]]),
    );
    or(
        &mut alert.issue_id,
        first_text(ev, &[&["issue_id"], &["group_id"]]),
    );
    alert.tags = tags(ev.get("tags"));
    if alert.environment.is_none() {
        alert.environment = alert.tag("environment").map(str::to_string);
    }
    if let Some(level) = text(ev, &["level"]).or_else(|| alert.tag("level").map(str::to_string)) {
        alert.level = Level::parse(&level).unwrap_or(alert.level);
    }
    let exception = ev
        .get("exception")
        .or_else(|| ev.get("sentry.interfaces.Exception"));
    let values = exception
        .and_then(|e| e.get("values").or(Some(e)))
        .and_then(Value::as_array);
    // The last value of a chain is the exception that was finally raised.
    if let Some(last) = values.and_then(|v| v.last()) {
        alert.exception = Some(Exception {
            ty: text(last, &["type"]),
            value: text(last, &["value"]),
            handled: last.pointer("/mechanism/handled").and_then(Value::as_bool),
            mechanism: text(last, &["mechanism", "type"]),
        });
        alert.frames = frames(last.pointer("/stacktrace/frames"));
    }
    if alert.frames.is_empty() {
        alert.frames = frames(ev.pointer("/stacktrace/frames"));
    }
    if alert
        .exception
        .as_ref()
        .is_some_and(|e| e.handled.is_none())
    {
        let handled = alert.tag("handled").map(|h| h == "yes");
        if let Some(e) = alert.exception.as_mut() {
            e.handled = handled;
        }
    }
    alert.user = user(ev.get("user").or_else(|| ev.get("sentry.interfaces.User")));
    alert.request = request(
        ev.get("request")
            .or_else(|| ev.get("sentry.interfaces.Http")),
    );
}

fn tags(v: Option<&Value>) -> Vec<Tag> {
    let pair = |k: &Value, v: &Value| {
        let key = k.as_str()?.to_string();
        let value = match v {
            Value::String(s) => s.clone(),
            Value::Null => return None,
            other => other.to_string(),
        };
        Some(Tag { key, value })
    };
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| match item {
                Value::Array(kv) if kv.len() == 2 => pair(&kv[0], &kv[1]),
                Value::Object(o) => pair(o.get("key")?, o.get("value")?),
                _ => None,
            })
            .collect(),
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| pair(&Value::String(k.clone()), v))
            .collect(),
        _ => Vec::new(),
    }
}

fn frames(v: Option<&Value>) -> Vec<Frame> {
    let Some(list) = v.and_then(Value::as_array) else {
        return Vec::new();
    };
    // Sentry lists frames oldest first; the crashing one is last.
    let mut all: Vec<Frame> = list
        .iter()
        .rev()
        .filter(|f| f.is_object())
        .map(|f| Frame {
            file: first_text(f, &[&["filename"], &["abs_path"], &["module"]]),
            line: f.get("lineno").and_then(Value::as_u64),
            function: first_text(f, &[&["function"], &["raw_function"]]),
            context: text(f, &["context_line"]).map(|c| c.trim().to_string()),
            in_app: f.get("in_app").and_then(Value::as_bool).unwrap_or(false),
        })
        .collect();
    // Stable: in-app frames first, each group still crashing-first.
    all.sort_by_key(|f| !f.in_app);
    all.truncate(MAX_FRAMES);
    all
}

fn user(v: Option<&Value>) -> Option<User> {
    let v = v.filter(|v| v.is_object())?;
    let geo = v.get("geo").map(|g| {
        [
            text(g, &["city"]),
            text(g, &["region"]),
            text(g, &["country_code"]),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    });
    let user = User {
        id: text(v, &["id"]),
        email: text(v, &["email"]),
        username: text(v, &["username"]),
        ip: text(v, &["ip_address"]),
        geo: geo.filter(|g| !g.is_empty()),
    };
    (user != User::default()).then_some(user)
}

fn request(v: Option<&Value>) -> Option<Request> {
    let v = v.filter(|v| v.is_object())?;
    let req = Request {
        method: text(v, &["method"]),
        url: text(v, &["url"]),
    };
    (req != Request::default()).then_some(req)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use serde_json::json;

    #[test]
    fn picks_the_raised_exception_and_puts_in_app_crash_frame_first() {
        let ev = json!({"exception": {"values": [
            {"type": "KeyError", "value": "cause"},
            {"type": "ValueError", "value": "bad", "mechanism": {"handled": false},
             "stacktrace": {"frames": [
                {"filename": "lib.py", "lineno": 1, "in_app": false},
                {"filename": "app.py", "lineno": 10, "function": "outer", "in_app": true},
                {"filename": "app.py", "lineno": 20, "function": "inner", "in_app": true},
                {"filename": "vendor.py", "lineno": 5, "in_app": false}]}}]}});
        let mut a = Alert::new(AlertKind::Error, "created");
        fill_from_event(&mut a, &ev);
        let e = a.exception.expect("exception");
        assert_eq!(
            (e.ty.as_deref(), e.handled),
            (Some("ValueError"), Some(false))
        );
        let order: Vec<_> = a
            .frames
            .iter()
            .map(|f| (f.file.clone().unwrap_or_default(), f.line))
            .collect();
        assert_eq!(order[0], ("app.py".into(), Some(20)));
        assert_eq!(order[1], ("app.py".into(), Some(10)));
        assert_eq!(order[2], ("vendor.py".into(), Some(5)));
    }

    #[test]
    fn tags_in_every_shape_and_odd_types_do_not_panic() {
        assert_eq!(
            tags(Some(&json!([["a", "1"], ["b", 2], "junk", [1, 2]]))).len(),
            2
        );
        assert_eq!(tags(Some(&json!([{"key": "a", "value": "1"}]))).len(), 1);
        assert_eq!(tags(Some(&json!({"a": "1"})))[0].value, "1");
        let mut a = Alert::new(AlertKind::Error, "created");
        fill_from_event(
            &mut a,
            &json!({"exception": "nope", "user": 5, "tags": 7, "stacktrace": {"frames": [1]}}),
        );
        assert!(a.exception.is_none() && a.user.is_none() && a.frames.is_empty());
    }

    #[test]
    fn only_http_links_survive() {
        assert!(http_link(Some("javascript:alert(1)".into())).is_none());
        assert!(http_link(Some("not a url".into())).is_none());
        assert_eq!(
            http_link(Some("https://sentry.io/x/".into())).as_deref(),
            Some("https://sentry.io/x/")
        );
        let crafted =
            http_link(Some("https://sentry.io/a)[x](http://evil".into())).expect("still a link");
        assert!(
            !crafted.contains(')') && !crafted.contains('['),
            "{crafted}"
        );
    }
}
