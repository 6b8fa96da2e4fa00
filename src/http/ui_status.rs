//! `/ui`: per robot its chart of the last 24 h (`ui_chart`), budget, pause, oldest waiting
//! alert and open-API quota; dead letters with a re-send button and recent deliveries, each
//! with its issues linked to their trace. Every time is a clock time in `ALERT_TIMEZONE` with
//! its age beside it. A re-send answers 303 to `/ui` with a notice saying what was queued, in
//! a short-lived cookie the page shows once.

use super::AppState;
use super::console::FormPost;
use super::gate::Passed;
use super::ui::{CsrfForm, UiAccess, csrf_of, render};
use super::ui_chart;
use crate::clock::now_ms;
use crate::domain::tally::{self, chart_start};
use crate::outbox::{MessageIssue, MessageRow, MessageState, RetryOutcome, SharedOutbox};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono_tz::Tz;
use serde_json::{Value, json};
use tera::Context;

/// The cookie that carries a re-send's notice to the page after the redirect.
const NOTICE_COOKIE: &str = "ui_notice";
const NOTICE_SECS: i64 = 60;
const NOTICE_MAX: usize = 400;
/// Issues shown beside one message.
const ISSUES_SHOWN: usize = 3;

/// `5 s ago`, `12 min ago`, `3 h ago`, `2 d ago`.
fn age(ms: i64) -> String {
    let s = (ms / 1000).max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86_400),
    }
}

/// `12-06 14:21:37` in the page's zone, and its age.
fn when(at: i64, now: i64, tz: Tz) -> Value {
    let clock = chrono::DateTime::from_timestamp_millis(at)
        .map(|t| t.with_timezone(&tz).format("%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| at.to_string());
    json!({"clock": clock, "ago": format!("{} ago", age(now - at)), "ms": at})
}

fn issue_view(i: &MessageIssue) -> Value {
    let trace = i.trace_key().map(|key| {
        let query = serde_urlencoded::to_string([("issue", key)]).unwrap_or_default();
        format!("/ui/trace?{query}")
    });
    json!({"title": i.title, "trace": trace})
}

async fn message_view(
    outbox: &SharedOutbox,
    m: &MessageRow,
    now: i64,
    tz: Tz,
) -> Result<Value, crate::outbox::StoreError> {
    let issues = outbox.message_issues(m.id, ISSUES_SHOWN).await?;
    Ok(json!({
        "id": m.id, "state": m.state, "robot": m.robot, "alert_count": m.alert_count,
        "attempts": m.attempts, "last_error": m.last_error,
        "created": when(m.created_at, now, tz),
        "sent": m.sent_at.map(|t| when(t, now, tz)),
        "issues": issues.iter().map(issue_view).collect::<Vec<_>>(),
    }))
}

struct Page {
    robots: Vec<Value>,
    recent: Vec<Value>,
    dead: Vec<Value>,
}

async fn read_page(state: &AppState, now: i64, tz: Tz) -> Result<Page, crate::outbox::StoreError> {
    let outbox = &state.outbox;
    let runtime = state.live.get();
    let quotas = super::quota_view::card_quotas(state).await?;
    let stats = outbox.stats().await?;
    let count = |st: &str, robot: &str| {
        stats
            .iter()
            .find(|s| s.state == st && s.robot == robot)
            .map_or(0, |s| s.count)
    };
    let start = chart_start(now);
    let tallies = outbox.tallies(start).await?;
    let mut robots = Vec::new();
    for r in &runtime.settings.robots {
        let name = r.name.as_str();
        let target = match (&r.card, &r.webhook) {
            (Some(_), _) => "DingTalk cards",
            (None, Some(_)) => "DingTalk",
            (None, None) => "log",
        };
        let used = outbox.attempts_since(name, now - 60_000).await?.len() as i64;
        let paused = outbox
            .paused_until(name)
            .await?
            .filter(|p| *p > now)
            .map(|p| format!("in {} s", (p - now) / 1000));
        let oldest = outbox.oldest_undelivered(name).await?;
        let series = ui_chart::series_of(&tallies, name, start);
        robots.push(json!({
            "name": name, "rate": r.rate_per_minute, "target": target,
            "remaining": (r.rate_per_minute as i64 - used).max(0), "paused_until": paused,
            "waiting": count("waiting", name), "pending": count("pending", name),
            "held": count("held", name), "dead": count("dead", name), "sent": count("sent", name),
            "open_api": quotas.iter().find(|q| q.robot == name).map(|q| q.shown()),
            "oldest": oldest.map(|t| json!({"age": age(now - t), "seconds": (now - t).max(0) / 1000, "since": when(t, now, tz)})),
            "chart": ui_chart::svg(name, &series, start, tz),
        }));
    }
    let mut recent = Vec::new();
    for m in outbox.list_messages(None, 30).await? {
        recent.push(message_view(outbox, &m, now, tz).await?);
    }
    let mut dead = Vec::new();
    for m in outbox.list_messages(Some(MessageState::Dead), 50).await? {
        dead.push(message_view(outbox, &m, now, tz).await?);
    }
    Ok(Page {
        robots,
        recent,
        dead,
    })
}

/// The notice a re-send left for this page, if any (shown once: the answer removes it).
fn notice_of(req: &HttpRequest) -> Option<String> {
    let cookie = req.cookie(NOTICE_COOKIE)?;
    let bytes = URL_SAFE_NO_PAD.decode(cookie.value()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    Some(text.chars().take(NOTICE_MAX).collect())
}

fn notice_cookie(value: String) -> Cookie<'static> {
    Cookie::build(NOTICE_COOKIE, value)
        .path("/ui")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::seconds(NOTICE_SECS))
        .finish()
}

pub async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
    Passed(access): Passed<UiAccess>,
) -> HttpResponse {
    let now = now_ms();
    let tz = state.live.get().settings.alert_zone();
    let Ok(page) = read_page(&state, now, tz).await else {
        return HttpResponse::ServiceUnavailable().body("the outbox cannot be read right now");
    };
    let notice = notice_of(&req);
    let mut ctx = Context::new();
    ctx.insert("robots", &page.robots);
    ctx.insert("recent", &page.recent);
    ctx.insert("dead", &page.dead);
    ctx.insert("csrf", &csrf_of(&access));
    ctx.insert("notice", &notice);
    ctx.insert("zone", tz.name());
    ctx.insert("bucket_minutes", &(tally::BUCKET_MS / 60_000));
    let mut resp = render(&state, StatusCode::OK, "status.html.tera", ctx, true);
    if req.cookie(NOTICE_COOKIE).is_some() {
        let _ = resp.add_removal_cookie(&notice_cookie(String::new()));
    }
    resp
}

/// What a re-send did, in words: which message, for which robot, with which issues.
async fn retried(state: &AppState, id: i64) -> String {
    let issues = state
        .outbox
        .message_issues(id, ISSUES_SHOWN)
        .await
        .unwrap_or_default();
    let titles: Vec<&str> = issues.iter().map(|i| i.title.as_str()).collect();
    let about = if titles.is_empty() {
        String::new()
    } else {
        format!(" ({})", titles.join("; "))
    };
    let outcome = state.outbox.retry_message(id, now_ms()).await;
    match outcome {
        Ok(RetryOutcome::Queued) => {
            tracing::info!(delivery_id = id, "re-sent from /ui");
            state.wakers.wake_all();
            format!(
                "已重新排队 Queued again: message #{id}{about}; it goes out with the robot's next send."
            )
        }
        Ok(RetryOutcome::AlreadySent) => {
            format!("未排队 Nothing queued: message #{id} was already sent.")
        }
        Ok(RetryOutcome::NoSuchMessage) => {
            format!("未排队 Nothing queued: there is no message #{id} (already re-sent?).")
        }
        Err(e) => {
            tracing::warn!(delivery_id = id, error = %e, "re-send from /ui failed");
            format!("未排队 Nothing queued: the outbox could not be written ({e}).")
        }
    }
}

/// `POST /ui/retry/{id}`: the form holds nothing but the page's CSRF token.
pub async fn retry(
    id: web::Path<i64>,
    state: web::Data<AppState>,
    _: Passed<FormPost<CsrfForm>>,
) -> HttpResponse {
    let notice: String = retried(&state, id.into_inner())
        .await
        .chars()
        .take(NOTICE_MAX)
        .collect();
    HttpResponse::SeeOther()
        .cookie(notice_cookie(URL_SAFE_NO_PAD.encode(notice)))
        .insert_header(("Location", "/ui"))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        assert_eq!(age(-5), "0 s");
        assert_eq!(age(59_999), "59 s");
        assert_eq!(age(60_000), "1 min");
        assert_eq!(age(7_200_000), "2 h");
        assert_eq!(age(3 * 86_400_000), "3 d");
        let w = when(0, 90_000, chrono_tz::Asia::Shanghai);
        assert_eq!(w["clock"], "01-01 08:00:00");
        assert_eq!(w["ago"], "1 min ago");
    }
}
