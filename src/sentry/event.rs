//! Reading a Sentry event body (`event.as_dict()` in webhooks, the legacy plugin's `event`, or a
//! bare event) into an [`Alert`]. Every field is optional and may have an unexpected type.

use super::{breadcrumbs, stack, time};
// `http/installations.rs` reads `sentry::event::text`; `json` is where it lives.
pub use super::json::{first_text, text};
use crate::domain::alert::{Alert, Level, Request, Tag, User};
use serde_json::Value;

/// Longest link a message carries. A link is never cut, so a longer one (a 30 KB `web_url`)
/// is rebuilt without its query, or dropped, to keep the body under DingTalk's 20000 bytes.
pub const MAX_LINK_BYTES: usize = 2_000;

/// Only http(s) links survive, and with every character that could end a markdown link
/// (`(`, `)`, `[`, `]`, …) percent-encoded, so a crafted URL cannot break out of `[..](url)`.
pub fn http_link(raw: Option<String>) -> Option<String> {
    let mut url = url::Url::parse(raw?.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    if url.as_str().len() > MAX_LINK_BYTES {
        url.set_query(None);
        url.set_fragment(None);
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
    (out.len() <= MAX_LINK_BYTES).then_some(out)
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
                &["sentry.interfaces.Message", "formatted"],
                &["sentry.interfaces.Message", "message"],
            ],
        )
        .unwrap_or_default();
    }
    or(&mut alert.culprit, text(ev, &["culprit"]));
    or(
        &mut alert.message,
        first_text(
            ev,
            &[
                &["logentry", "formatted"],
                &["message"],
                &["sentry.interfaces.Message", "formatted"],
                &["sentry.interfaces.Message", "message"],
            ],
        ),
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
    // Sentry treats an event without a level as an error.
    alert.level = text(ev, &["level"])
        .or_else(|| alert.tag("level").map(str::to_string))
        .and_then(|l| Level::parse(&l))
        .unwrap_or(Level::Error);
    or(
        &mut alert.time,
        ["datetime", "timestamp", "dateCreated"]
            .iter()
            .find_map(|k| ev.get(*k).and_then(time::normalized)),
    );
    alert.exceptions = stack::exceptions(ev);
    alert.exception = alert.exceptions.first().cloned();
    alert.frames = stack::frames(ev);
    alert.breadcrumbs = breadcrumbs::read(ev);
    if alert
        .exception
        .as_ref()
        .is_some_and(|e| e.handled.is_none())
    {
        let handled = alert.tag("handled").map(|h| h == "yes");
        for e in alert
            .exception
            .iter_mut()
            .chain(alert.exceptions.first_mut())
        {
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

    #[test]
    fn a_huge_link_loses_its_query_or_is_dropped() {
        let base = "https://sentry.io/organizations/acme/issues/1/";
        let query = format!("{base}?q={}", "x".repeat(30_000));
        assert_eq!(http_link(Some(query)).as_deref(), Some(base));
        let path = format!("{base}{}/", "p".repeat(30_000));
        assert_eq!(http_link(Some(path)), None);
    }

    #[test]
    fn an_event_without_a_level_is_an_error_and_keeps_its_time() {
        let mut a = Alert::new(AlertKind::EventAlert, "triggered");
        fill_from_event(&mut a, &json!({"title": "x", "timestamp": 1763619697.412}));
        assert_eq!(a.level, Level::Error);
        assert_eq!(a.time.as_deref(), Some("2025-11-20T06:21:37.412Z"));
    }
}
