//! `/ui/playground`: paste a payload, see the DingTalk markdown and a preview. Its form takes
//! payloads up to `BODY_LIMIT_BYTES`, as the webhook does; whatever is wrong with one (too
//! large, not JSON, ignored) is said on the page itself.

use super::AppState;
use super::body::{self, Limits};
use super::error::HttpError;
use super::gate::Passed;
use super::ui::{UiAccess, csrf_of, render};
use super::ui_auth::{self, Access};
use crate::render::{Envelope, Renderer};
use crate::sentry::payload::{self, Parsed};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use tera::Context;

/// Form encoding writes a byte as up to three (`%7B`), so the form may be that much larger
/// than the payload it carries; the payload itself is then held to the body limit.
fn form_limit(body_limit: usize) -> usize {
    body_limit.saturating_mul(3).saturating_add(64 * 1024)
}

#[derive(Deserialize, Default)]
pub struct PlaygroundForm {
    csrf: Option<String>,
    #[serde(default)]
    payload: String,
    lang: Option<String>,
    /// The built-in sample picked, kept selected after rendering.
    sample: Option<String>,
}

/// `GET /ui/playground.js`: the page's one script (it holds nothing secret; the samples it
/// reads are in the page).
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(include_str!("../../templates/ui/playground.js"))
}

pub async fn playground(
    state: web::Data<AppState>,
    Passed(access): Passed<UiAccess>,
) -> HttpResponse {
    page(
        &state,
        &access,
        &PlaygroundForm::default(),
        Outcome::Nothing,
    )
    .await
}

/// Who asks first (`UiAccess`), then the body: a stranger's upload is never read.
pub async fn playground_render(
    req: HttpRequest,
    state: web::Data<AppState>,
    Passed(access): Passed<UiAccess>,
    body: web::Payload,
) -> HttpResponse {
    let runtime = state.live.get();
    let limit = runtime.settings.body_limit;
    let limits = Limits::of(&runtime.settings, form_limit(limit));
    let bytes = match body::read(&req, body, &limits, &state.edge.bodies).await {
        Ok((bytes, _held)) => bytes,
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let message = match e {
                HttpError::TooLarge { .. } => {
                    format!("The payload is larger than the limit of {limit} bytes.")
                }
                other => other.to_string(),
            };
            let mut resp = page(
                &state,
                &access,
                &PlaygroundForm::default(),
                Outcome::Error(message),
            )
            .await;
            *resp.status_mut() = status;
            return resp;
        }
    };
    let mut form: PlaygroundForm = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    // Without JavaScript (or from curl) the page sends the sample's name alone: its body is
    // what to render ("body is not valid JSON: EOF" before).
    if form.payload.trim().is_empty() {
        let chosen = form.sample.as_deref().unwrap_or_default();
        if let Some((_, body)) = crate::sentry::samples::SAMPLES
            .iter()
            .find(|(n, _)| *n == chosen)
        {
            form.payload = (*body).to_string();
        }
    }
    if !ui_auth::csrf_ok(&access, form.csrf.as_deref()) {
        return ui_auth::csrf_refused();
    }
    if form.payload.len() > limit {
        let message = format!(
            "The payload is {} bytes; the limit is {limit}.",
            form.payload.len()
        );
        return page(&state, &access, &form, Outcome::Error(message)).await;
    }
    let lang = if form.lang.as_deref() == Some("en") {
        crate::domain::lang::Lang::En
    } else {
        crate::domain::lang::Lang::Zh
    };
    // Templates are read from disk and compiled, and the render may be long: off the
    // server's threads, as a reload is.
    let submitted = form.payload.clone();
    let result = web::block(move || -> Result<(crate::dingtalk::Message, CardVars), String> {
        let value = payload::parse_json(submitted.as_bytes())
            .map_err(|e| format!("Not a Sentry payload: {e}"))?;
        let base = runtime.settings.link_base();
        let Parsed::Alert(alert) = crate::sentry::shape::interpret(&value, None, None, &base).1
        else {
            return Err("This payload is acknowledged without a message (installation, or a resource the relay ignores).".into());
        };
        // Loaded per request, so a template edited in TEMPLATES_DIR shows at once.
        let renderer = Renderer::load(runtime.settings.templates_dir.as_deref(), lang)
            .map_err(|e| e.to_string())?
            .with_timezone(runtime.settings.timezone);
        let msg = renderer
            .render_alert(
                &alert,
                &Envelope {
                    msg_uuid: "playground".into(),
                    ..Default::default()
                },
            )
            .map_err(|e| e.to_string())?;
        // What a card robot's card shows for this payload, as the first alert of its issue.
        let facts = crate::render::card::CardFacts {
            count: 1,
            status: crate::domain::card_status::CardStatus::implied_by(&alert),
            first_seen: None,
            last_seen: None,
            claimed_by: None,
            markdown: &msg.markdown.text,
        };
        let params = crate::render::card::card_params(&alert, &facts, &renderer);
        let vars = crate::render::card::VARIABLES
            .iter()
            .map(|k| json!({"name": k, "value": params.get(k).unwrap_or("")}))
            .collect();
        Ok((msg, vars))
    })
    .await
    .unwrap_or_else(|_| Err("The render did not finish; try again.".into()));
    let outcome = match result {
        Ok((msg, vars)) => Outcome::Rendered(Box::new(msg), vars),
        Err(e) => Outcome::Error(e),
    };
    page(&state, &access, &form, outcome).await
}

/// What `storm.md.tera` and `storm_end.md.tera` (as overridden in `TEMPLATES_DIR`) make of a
/// storm of the built-in samples: its first summary, an update and the end.
fn storm_previews(state: &AppState, lang: Option<&str>) -> Vec<serde_json::Value> {
    let runtime = state.live.get();
    let lang = if lang == Some("en") {
        crate::domain::lang::Lang::En
    } else {
        crate::domain::lang::Lang::Zh
    };
    let base = runtime.settings.link_base();
    let alerts: Vec<_> = crate::sentry::samples::alerts(&base, true)
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let renderer = Renderer::load(runtime.settings.templates_dir.as_deref(), lang)
        .map(|r| r.with_timezone(runtime.settings.timezone));
    let made = renderer
        .and_then(|r| crate::render::storm::sample_storm(&r, &alerts, crate::clock::now_ms()));
    match made {
        Ok(summaries) => summaries
            .into_iter()
            .map(|(kind, m)| {
                json!({"kind": format!("{kind:?}"), "markdown": m.markdown.text,
                       "preview": crate::http::preview::to_html(&m.markdown.text)})
            })
            .collect(),
        Err(e) => vec![json!({"kind": "error", "markdown": e.to_string(), "preview": ""})],
    }
}

/// The card variables (`cardParamMap`) in the README's order, as `{name, value}`.
type CardVars = Vec<serde_json::Value>;

enum Outcome {
    Nothing,
    Rendered(Box<crate::dingtalk::Message>, CardVars),
    Error(String),
}

async fn page(
    state: &web::Data<AppState>,
    access: &Access,
    form: &PlaygroundForm,
    outcome: Outcome,
) -> HttpResponse {
    let storms = {
        let (state, lang) = (state.clone(), form.lang.clone());
        web::block(move || storm_previews(&state, lang.as_deref()))
            .await
            .unwrap_or_default()
    };
    let samples: Vec<_> = crate::sentry::samples::SAMPLES
        .iter()
        .map(|(name, body)| json!({"name": name, "body": body}))
        .collect();
    // Inside the JSON <script> block, `</` must not end the element early.
    let samples_json = serde_json::to_string(&samples)
        .unwrap_or_else(|_| "[]".into())
        .replace("</", "<\\/");
    let mut ctx = Context::new();
    ctx.insert("csrf", &csrf_of(access));
    ctx.insert("samples", &samples);
    ctx.insert("samples_json", &samples_json);
    ctx.insert("payload", &form.payload);
    ctx.insert("lang", form.lang.as_deref().unwrap_or("zh"));
    ctx.insert("sample", form.sample.as_deref().unwrap_or(""));
    ctx.insert("storms", &storms);
    match outcome {
        Outcome::Nothing => ctx.insert("error", &None::<String>),
        Outcome::Error(e) => ctx.insert("error", &Some(e)),
        Outcome::Rendered(m, vars) => {
            ctx.insert("error", &None::<String>);
            ctx.insert("card_vars", &vars);
            ctx.insert("title", &m.markdown.title);
            ctx.insert("markdown", &m.markdown.text);
            ctx.insert("bytes", &m.to_json().len());
            ctx.insert("preview", &crate::http::preview::to_html(&m.markdown.text));
        }
    }
    render(state, StatusCode::OK, "playground.html.tera", ctx, true)
}
