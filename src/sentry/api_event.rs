//! The API's issue and event JSON (camelCase, `entries`, tags as objects) → the fields an
//! issue or comment webhook lacks. Webhook values stay; only gaps are filled.

use super::event::{fill_from_event, http_link};
use super::json::{first_text, text};
use crate::domain::alert::{Alert, Exception, Level};
use serde_json::{Value, json};

/// Fills what `alert` lacks from the issue (`GET …/issues/{id}/`) and its latest event.
pub fn enrich(alert: &mut Alert, issue: Option<&Value>, event: Option<&Value>) {
    let mut from = Alert::new(alert.kind, alert.action.clone());
    if let Some(ev) = event {
        fill_from_event(&mut from, &webhook_shape(ev));
    }
    if let Some(i) = issue {
        from.title = first_text(i, &[&["title"], &["metadata", "title"]]).unwrap_or(from.title);
        from.culprit = text(i, &["culprit"]).or(from.culprit);
        from.link = http_link(text(i, &["permalink"]));
        from.short_id = text(i, &["shortId"]);
        from.project = text(i, &["project", "slug"]);
        from.project_name = text(i, &["project", "name"]);
        from.count = text(i, &["count"]);
        from.user_count = i.get("userCount").and_then(Value::as_u64);
        from.first_seen = text(i, &["firstSeen"]);
        from.last_seen = text(i, &["lastSeen"]);
        from.status = text(i, &["status"]);
        from.assignee = first_text(i, &[&["assignedTo", "name"], &["assignedTo", "email"]]);
        if let Some(l) = text(i, &["level"]).and_then(|l| Level::parse(&l)) {
            from.level = l;
        }
        if from.exception.is_none() && text(i, &["metadata", "type"]).is_some() {
            from.exception = Some(Exception {
                ty: text(i, &["metadata", "type"]),
                value: text(i, &["metadata", "value"]),
                ..Default::default()
            });
        }
    }
    merge_missing(alert, from);
}

fn merge_missing(a: &mut Alert, from: Alert) {
    fn fill<T>(slot: &mut Option<T>, v: Option<T>) {
        if slot.is_none() {
            *slot = v;
        }
    }
    fn fill_list<T>(list: &mut Vec<T>, v: Vec<T>) {
        if list.is_empty() {
            *list = v;
        }
    }
    if a.title.trim().is_empty() {
        a.title = from.title;
    }
    // A comment carries no level of its own; its issue's is the meaningful one.
    if a.kind == crate::domain::alert::AlertKind::Comment && from.level != Level::default() {
        a.level = from.level;
    }
    fill(&mut a.culprit, from.culprit);
    fill(&mut a.message, from.message);
    fill(&mut a.link, from.link);
    fill(&mut a.short_id, from.short_id);
    fill(&mut a.project, from.project);
    fill(&mut a.project_name, from.project_name);
    fill(&mut a.environment, from.environment);
    fill(&mut a.release, from.release);
    fill(&mut a.platform, from.platform);
    fill(&mut a.event_id, from.event_id);
    fill(&mut a.count, from.count);
    fill(&mut a.user_count, from.user_count);
    fill(&mut a.first_seen, from.first_seen);
    fill(&mut a.last_seen, from.last_seen);
    fill(&mut a.status, from.status);
    fill(&mut a.assignee, from.assignee);
    fill(&mut a.exception, from.exception);
    fill(&mut a.time, from.time);
    fill_list(&mut a.exceptions, from.exceptions);
    fill_list(&mut a.breadcrumbs, from.breadcrumbs);
    fill(&mut a.user, from.user);
    fill(&mut a.request, from.request);
    fill_list(&mut a.frames, from.frames);
    fill_list(&mut a.tags, from.tags);
}

/// Rewrites an API event into the webhook's `event.as_dict()` shape so one reader serves both.
fn webhook_shape(ev: &Value) -> Value {
    let entries = ev
        .get("entries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let entry = |ty: &str| {
        entries
            .iter()
            .find(|e| e.get("type").and_then(Value::as_str) == Some(ty))
            .and_then(|e| e.get("data"))
    };
    let exception = entry("exception").map(|data| {
        let values: Vec<Value> = data
            .get("values")
            .and_then(Value::as_array)
            .map(|vs| vs.iter().map(exception_value).collect())
            .unwrap_or_default();
        json!({ "values": values })
    });
    let tags: Vec<Value> = ev
        .get("tags")
        .and_then(Value::as_array)
        .map(|ts| {
            ts.iter()
                .filter_map(|t| Some(json!([t.get("key")?.as_str()?, t.get("value")?.as_str()?])))
                .collect()
        })
        .unwrap_or_default();
    let environment = tags_value(&tags, "environment");
    json!({
        "event_id": ev.get("eventID").or_else(|| ev.get("id")),
        "title": ev.get("title"),
        "culprit": ev.get("culprit"),
        "message": entry("message").and_then(|m| m.get("formatted")).or_else(|| ev.get("message")),
        "platform": ev.get("platform"),
        "release": ev.pointer("/release/version").or_else(|| ev.get("release").filter(|r| r.is_string())),
        "environment": environment,
        "tags": tags,
        "user": ev.get("user"),
        "request": entry("request"),
        "exception": exception,
        "breadcrumbs": entry("breadcrumbs"),
        "threads": entry("threads").map(|t| {
            let values: Vec<Value> = t.get("values").and_then(Value::as_array)
                .map(|vs| vs.iter().map(|th| json!({
                    "id": th.get("id"), "crashed": th.get("crashed"), "current": th.get("current"),
                    "stacktrace": {"frames": frames_of(th)},
                })).collect())
                .unwrap_or_default();
            json!({ "values": values })
        }),
        "datetime": ev.get("dateCreated"),
    })
}

fn tags_value(tags: &[Value], key: &str) -> Option<String> {
    tags.iter()
        .find(|t| t.get(0).and_then(Value::as_str) == Some(key))
        .and_then(|t| t.get(1)?.as_str().map(str::to_string))
}

fn exception_value(v: &Value) -> Value {
    json!({
        "type": v.get("type"), "value": v.get("value"), "mechanism": v.get("mechanism"),
        "thread_id": v.get("threadId"),
        "stacktrace": { "frames": frames_of(v) },
    })
}

/// The API's camelCase frames in the webhook's snake_case.
fn frames_of(v: &Value) -> Vec<Value> {
    v.pointer("/stacktrace/frames")
        .and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    let line = f.get("lineNo").and_then(Value::as_u64);
                    // `context` is [[line_no, "source"], …]; the frame's own line is the context line.
                    let context_line = f.get("context").and_then(Value::as_array).and_then(|ctx| {
                        ctx.iter().find_map(|pair| {
                            let p = pair.as_array()?;
                            (p.first()?.as_u64() == line)
                                .then(|| p.get(1)?.as_str().map(str::to_string))
                                .flatten()
                        })
                    });
                    json!({
                        "filename": f.get("filename").or_else(|| f.get("absPath")),
                        "lineno": line,
                        "function": f.get("function"),
                        "in_app": f.get("inApp"),
                        "context_line": context_line,
                        "package": f.get("package"),
                        "symbol": f.get("symbol"),
                        "instruction_addr": f.get("instructionAddr"),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;

    #[test]
    fn fills_the_gaps_of_an_issue_webhook_from_the_api() {
        let mut a = Alert::new(AlertKind::Issue, "resolved");
        a.title = "From webhook".into();
        a.issue_id = Some("42".into());
        let issue = json!({"title": "From API", "permalink": "https://acme.sentry.io/issues/42/", "shortId": "PAY-1",
            "project": {"slug": "payments-api"}, "count": "12", "userCount": 3});
        let event = json!({"eventID": "e1", "tags": [{"key": "environment", "value": "production"}],
            "user": {"email": "u@example.com"},
            "entries": [
                {"type": "exception", "data": {"values": [{"type": "ValueError", "value": "bad",
                    "stacktrace": {"frames": [{"filename": "app.py", "lineNo": 7, "function": "f", "inApp": true,
                        "context": [[6, "a = 1"], [7, "raise ValueError('bad')"]]}]}}]}},
                {"type": "request", "data": {"method": "GET", "url": "https://pay.example.com/x"}}]});
        enrich(&mut a, Some(&issue), Some(&event));
        assert_eq!(a.title, "From webhook", "webhook values stay");
        assert_eq!(a.link.as_deref(), Some("https://acme.sentry.io/issues/42/"));
        assert_eq!(a.environment.as_deref(), Some("production"));
        assert_eq!(
            a.frames[0].context.as_deref(),
            Some("raise ValueError('bad')")
        );
        assert_eq!(
            a.request.as_ref().and_then(|r| r.method.as_deref()),
            Some("GET")
        );
        assert_eq!(a.short_id.as_deref(), Some("PAY-1"));
    }
}
