//! `/ui`: the page templates, the gate (login, lockout) and what every page shares; the status
//! page and re-send are in `ui_status`, the template playground in `playground`.
//! Server-rendered (Tera), a few lines of plain JavaScript.

use super::AppState;
use super::gate::Gate;
use super::ui_auth::{self, Access};
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::{Error, HttpRequest, HttpResponse, web};
use serde::Deserialize;
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
    (
        "trace.html.tera",
        include_str!("../../templates/ui/trace.html.tera"),
    ),
    (
        "storm.html.tera",
        include_str!("../../templates/ui/storm.html.tera"),
    ),
    (
        "storms.html.tera",
        include_str!("../../templates/ui/storms.html.tera"),
    ),
    (
        "silences.html.tera",
        include_str!("../../templates/ui/silences.html.tera"),
    ),
    (
        "oncall.html.tera",
        include_str!("../../templates/ui/oncall.html.tera"),
    ),
    (
        "escalations.html.tera",
        include_str!("../../templates/ui/escalations.html.tera"),
    ),
];

/// The page templates, HTML-escaped by default.
pub fn templates() -> Result<Tera, tera::Error> {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html.tera"]);
    tera.add_raw_templates(PAGES.to_vec())?;
    Ok(tera)
}

pub(super) fn render(
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

/// 404 without ADMIN_TOKEN, the login page (401) without a valid session or bearer, 429
/// while this client is locked out after too many wrong tokens.
pub(super) async fn gate(req: &HttpRequest, state: &AppState) -> Result<Access, Box<HttpResponse>> {
    match ui_auth::access(req, state).await {
        Access::Disabled => Err(Box::new(
            HttpResponse::NotFound()
                .content_type("text/html; charset=utf-8")
                .body("<h1>Not found</h1><p>Set ADMIN_TOKEN to enable /ui.</p>"),
        )),
        Access::Denied => Err(Box::new(login_page(state, None))),
        Access::LockedOut { retry_after } => Err(Box::new(locked_out_page(state, retry_after))),
        ok => Ok(ok),
    }
}

/// The `/ui` gate (`gate`), as `Passed<UiAccess>`: how the reader came in (a session carries
/// its CSRF token).
pub struct UiAccess;

impl Gate for UiAccess {
    type Found = Access;

    async fn check(req: &HttpRequest, state: &AppState, _: web::Payload) -> Result<Access, Error> {
        gate(req, state).await.map_err(|page| refusal(*page))
    }
}

/// A page that refuses a request, as the error of an extractor: actix answers with the page
/// itself, untouched.
pub(super) fn refusal(page: HttpResponse) -> actix_web::Error {
    InternalError::from_response("refused at the /ui gate", page).into()
}

fn locked_out_page(state: &AppState, retry_after: u64) -> HttpResponse {
    let mut ctx = Context::new();
    let error = format!("Too many wrong tokens from your address; try again in {retry_after} s.");
    ctx.insert("error", &error);
    let mut resp = render(
        state,
        StatusCode::TOO_MANY_REQUESTS,
        "login.html.tera",
        ctx,
        false,
    );
    resp.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(retry_after),
    );
    resp
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

/// The body of a small form, read after its sender was checked: under the shared budget and
/// `BODY_READ_TIMEOUT`, like every body.
pub(super) async fn form_body(
    req: &HttpRequest,
    state: &AppState,
    body: web::Payload,
) -> Result<web::Bytes, HttpResponse> {
    let settings = &state.live.get().settings;
    let limits = super::body::Limits::of(settings, super::FORM_LIMIT);
    match super::body::read(req, body, &limits, &state.edge.bodies).await {
        Ok((bytes, _held)) => Ok(bytes),
        Err(e) => Err(actix_web::ResponseError::error_response(&e)),
    }
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Payload,
) -> HttpResponse {
    // Whatever can be refused without the body is refused before it is read.
    let active = state.live.get();
    if active.settings.admin_token.is_none() {
        return HttpResponse::NotFound().finish();
    }
    let ip = super::client_addr::client_ip(&req, &active.settings.trusted_proxies);
    if let Err(wait) = state.edge.logins.check(ip, std::time::Instant::now()) {
        return locked_out_page(&state, wait.as_secs_f64().ceil().max(1.0) as u64);
    }
    let body = match form_body(&req, &state, body).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let Ok(form) = serde_urlencoded::from_bytes::<LoginForm>(&body) else {
        return login_page(&state, Some("missing token"));
    };
    match ui_auth::login(&req, &state, &form.token).await {
        ui_auth::Login::Granted(cookie) => HttpResponse::SeeOther()
            .cookie(cookie)
            .insert_header(("Location", "/ui"))
            .finish(),
        ui_auth::Login::Disabled => HttpResponse::NotFound().finish(),
        ui_auth::Login::LockedOut { retry_after } => locked_out_page(&state, retry_after),
        ui_auth::Login::Wrong => login_page(&state, Some("wrong token")),
    }
}

/// `POST /ui/logout`: the browser forgets its session cookie, and the next page asks for the
/// token again. A post (a prefetching browser or a crawler does not log anyone out); it needs
/// no CSRF token, since all another site could do with it is log someone out. The session
/// itself stays valid until it expires (it is an HMAC, kept nowhere): a copied cookie is
/// ended by changing `ADMIN_TOKEN`.
pub async fn logout() -> HttpResponse {
    let mut gone = actix_web::cookie::Cookie::build(ui_auth::COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Strict)
        .finish();
    gone.make_removal();
    HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header(("Location", "/ui"))
        .finish()
}

pub(super) fn csrf_of(access: &Access) -> String {
    match access {
        Access::Session { csrf } => csrf.clone(),
        _ => String::new(),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub(super) csrf: Option<String>,
}
