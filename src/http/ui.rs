//! `/ui`: deliveries, dead letters with a re-send button, each robot's budget and pause, and a
//! template playground. Server-rendered (Tera), a few lines of plain JavaScript.

use super::AppState;
use super::ui_auth::{self, Access};
use crate::outbox::now_ms;
use crate::render::{Envelope, Renderer};
use crate::replay::{self, Sample};
use crate::sentry::payload::{self, LinkBase, Parsed};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use tera::{Context, Tera};

const PAGES: &[(&str, &str)] = &[
    (
        "base.html.tera",
        include_str!("../../templates/ui/base.html.tera"),
    ),
    (
        "login.html.tera",
        include_str!("../../templates/ui/login.html.tera"),
    ),
    (
        "status.html.tera",
        include_str!("../../templates/ui/status.html.tera"),
    ),
    (
        "playground.html.tera",
        include_str!("../../templates/ui/playground.html.tera"),
    ),
];

/// The page templates, HTML-escaped by default.
pub fn templates() -> Result<Tera, tera::Error> {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html.tera"]);
    tera.add_raw_templates(PAGES.to_vec())?;
    Ok(tera)
}

fn render(
    state: &AppState,
    status: StatusCode,
    page: &str,
    mut ctx: Context,
    authed: bool,
) -> HttpResponse {
    ctx.insert("authed", &authed);
    match state.ui.render(page, &ctx) {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, page, "status page template failed");
            HttpResponse::InternalServerError().body("page template error")
        }
    }
}

/// 404 without ADMIN_TOKEN, the login page (401) without a valid session or bearer.
fn gate(req: &HttpRequest, state: &AppState) -> Result<Access, Box<HttpResponse>> {
    match ui_auth::access(req, state) {
        Access::Disabled => Err(Box::new(
            HttpResponse::NotFound()
                .content_type("text/html; charset=utf-8")
                .body("<h1>Not found</h1><p>Set ADMIN_TOKEN to enable /ui.</p>"),
        )),
        Access::Denied => Err(Box::new(login_page(state, None))),
        ok => Ok(ok),
    }
}

fn login_page(state: &AppState, error: Option<&str>) -> HttpResponse {
    let mut ctx = Context::new();
    ctx.insert("error", &error);
    render(
        state,
        StatusCode::UNAUTHORIZED,
        "login.html.tera",
        ctx,
        false,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
}

pub async fn login(state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let Ok(form) = serde_urlencoded::from_bytes::<LoginForm>(&body) else {
        return login_page(&state, Some("missing token"));
    };
    match ui_auth::login(&state, &form.token) {
        Some(cookie) => HttpResponse::SeeOther()
            .cookie(cookie)
            .insert_header(("Location", "/ui"))
            .finish(),
        None if state.live.get().settings.admin_token.is_none() => {
            HttpResponse::NotFound().finish()
        }
        None => login_page(&state, Some("wrong token")),
    }
}

pub async fn status(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let access = match gate(&req, &state) {
        Ok(a) => a,
        Err(page) => return *page,
    };
    let store = state.store.clone();
    let runtime = state.live.get();
    let robots: Vec<_> = runtime
        .settings
        .robots
        .iter()
        .map(|r| (r.name.clone(), r.rate_per_minute, r.webhook.is_some()))
        .collect();
    let data = web::block(move || -> Result<_, crate::outbox::StoreError> {
        let now = now_ms();
        let stats = store.stats()?;
        let count = |state: &str, robot: &str| stats.iter().find(|s| s.state == state && s.robot == robot).map_or(0, |s| s.count);
        let mut rows = Vec::new();
        for (name, rate, has_webhook) in robots {
            let used = store.attempts_since(&name, now - 60_000)?.len() as i64;
            let paused = store.paused_until(&name)?.filter(|p| *p > now).map(|p| format!("in {} s", (p - now) / 1000));
            rows.push(json!({
                "name": name, "rate": rate, "remaining": (rate as i64 - used).max(0), "paused_until": paused,
                "target": if has_webhook { "DingTalk" } else { "log" },
                "waiting": count("waiting", &name), "pending": count("pending", &name),
                "dead": count("dead", &name), "sent": count("sent", &name),
            }));
        }
        let ago = |t: i64| format!("{} s ago", (now - t) / 1000);
        let view = |m: &crate::outbox::store::MessageRow| json!({
            "id": m.id, "state": m.state, "robot": m.robot, "alert_count": m.alert_count, "attempts": m.attempts,
            "last_error": m.last_error, "created": ago(m.created_at),
        });
        let recent: Vec<_> = store.list_messages(None, 30)?.iter().map(view).collect();
        let dead: Vec<_> = store.list_messages(Some("dead"), 50)?.iter().map(view).collect();
        Ok((rows, recent, dead))
    })
    .await;
    let Ok(Ok((rows, recent, dead))) = data else {
        return HttpResponse::ServiceUnavailable().body("the outbox cannot be read right now");
    };
    let mut ctx = Context::new();
    ctx.insert("robots", &rows);
    ctx.insert("recent", &recent);
    ctx.insert("dead", &dead);
    ctx.insert("csrf", &csrf_of(&access));
    render(&state, StatusCode::OK, "status.html.tera", ctx, true)
}

fn csrf_of(access: &Access) -> String {
    match access {
        Access::Session { csrf } => csrf.clone(),
        _ => String::new(),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn retry(
    req: HttpRequest,
    id: web::Path<i64>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> HttpResponse {
    let access = match gate(&req, &state) {
        Ok(a) => a,
        Err(page) => return *page,
    };
    let form: CsrfForm = serde_urlencoded::from_bytes(&body).unwrap_or(CsrfForm { csrf: None });
    if !ui_auth::csrf_ok(&access, form.csrf.as_deref()) {
        return HttpResponse::Forbidden()
            .body("missing or wrong CSRF token: reload the page and try again");
    }
    let (store, id) = (state.store.clone(), id.into_inner());
    let retried = web::block(move || store.retry_message(id)).await;
    if let Ok(Ok(true)) = retried {
        tracing::info!(delivery_id = id, "re-sent from /ui");
        state.wakers.wake_all();
    }
    HttpResponse::SeeOther()
        .insert_header(("Location", "/ui"))
        .finish()
}

#[derive(Deserialize, Default)]
pub struct PlaygroundForm {
    csrf: Option<String>,
    #[serde(default)]
    payload: String,
    lang: Option<String>,
}

pub async fn playground(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match gate(&req, &state) {
        Ok(access) => playground_page(&state, &access, &PlaygroundForm::default(), None, None),
        Err(page) => *page,
    }
}

pub async fn playground_render(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> HttpResponse {
    let access = match gate(&req, &state) {
        Ok(a) => a,
        Err(page) => return *page,
    };
    let form: PlaygroundForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    if !ui_auth::csrf_ok(&access, form.csrf.as_deref()) {
        return HttpResponse::Forbidden()
            .body("missing or wrong CSRF token: reload the page and try again");
    }
    let runtime = state.live.get();
    let limit = runtime.settings.body_limit;
    if form.payload.len() > limit {
        return playground_page(
            &state,
            &access,
            &form,
            None,
            Some(format!(
                "The payload is {} bytes; the limit is {limit}.",
                form.payload.len()
            )),
        );
    }
    let lang = if form.lang.as_deref() == Some("en") {
        crate::config::Lang::En
    } else {
        crate::config::Lang::Zh
    };
    let result = (|| -> Result<crate::dingtalk::Message, String> {
        let value = payload::parse_json(form.payload.as_bytes())
            .map_err(|e| format!("Not a Sentry payload: {e}"))?;
        let sample = Sample {
            path: "playground".into(),
            bytes: Vec::new(),
            value,
        };
        let base = LinkBase {
            sentry_url: runtime.settings.sentry_url.clone(),
            org: runtime.settings.sentry_org.clone(),
            learned_org: None,
        };
        let Parsed::Alert(alert) = replay::interpret(&sample, None, None, &base).1 else {
            return Err("This payload is acknowledged without a message (installation, or a resource the relay ignores).".into());
        };
        // Loaded per request, so a template edited in TEMPLATES_DIR shows at once.
        let renderer = Renderer::load(runtime.settings.templates_dir.as_deref(), lang)
            .map_err(|e| e.to_string())?
            .with_timezone(runtime.settings.timezone);
        renderer
            .render_alert(
                &alert,
                &Envelope {
                    msg_uuid: "playground".into(),
                    ..Default::default()
                },
            )
            .map_err(|e| e.to_string())
    })();
    match result {
        Ok(msg) => playground_page(&state, &access, &form, Some(msg), None),
        Err(e) => playground_page(&state, &access, &form, None, Some(e)),
    }
}

fn playground_page(
    state: &AppState,
    access: &Access,
    form: &PlaygroundForm,
    msg: Option<crate::dingtalk::Message>,
    error: Option<String>,
) -> HttpResponse {
    let samples: Vec<_> = crate::samples::SAMPLES
        .iter()
        .map(|(name, body)| json!({"name": name, "body": body}))
        .collect();
    // Inside <script>, `</` must not end the element early.
    let samples_json = serde_json::to_string(&samples)
        .unwrap_or_else(|_| "[]".into())
        .replace("</", "<\\/");
    let mut ctx = Context::new();
    ctx.insert("csrf", &csrf_of(access));
    ctx.insert("samples", &samples);
    ctx.insert("samples_json", &samples_json);
    ctx.insert("payload", &form.payload);
    ctx.insert("lang", form.lang.as_deref().unwrap_or("zh"));
    ctx.insert("error", &error);
    if let Some(m) = msg {
        ctx.insert("title", &m.markdown.title);
        ctx.insert("markdown", &m.markdown.text);
        ctx.insert("bytes", &m.to_json().len());
        ctx.insert("preview", &crate::preview::to_html(&m.markdown.text));
    }
    render(state, StatusCode::OK, "playground.html.tera", ctx, true)
}
