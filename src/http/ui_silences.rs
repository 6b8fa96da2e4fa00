//! `/ui/silences`: the active silences and those ended in the last day, with what they hold,
//! who made them and why; a form that makes one (the matchers, checks and messages of `POST
//! /api/silences`) and a button that ends one. Both post with the page's CSRF token.

use super::AppState;
use super::console::{Clock, FormPost, Shown, given, see_other, unavailable};
use super::gate::Passed;
use super::listing::Listing;
use super::ui::render;
use crate::clock::now_ms;
use crate::domain::silence::{Matchers, Silence};
use crate::domain::until::Until;
use crate::outbox::StoreError;
use crate::silences::{self, SilenceError, SilenceRequest};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tera::Context;
use tracing::info;

/// The form: one field per matcher of the API (left empty: not given), `all` as a box.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SilenceForm {
    project: Option<String>,
    environment: Option<String>,
    level: Option<String>,
    issue: Option<String>,
    title: Option<String>,
    robot: Option<String>,
    all: Option<String>,
    duration: Option<String>,
    ends_at: Option<String>,
    comment: Option<String>,
    created_by: Option<String>,
}

impl SilenceForm {
    /// The request `POST /api/silences` would get for the same fields.
    fn request(&self) -> SilenceRequest {
        let matchers = Matchers {
            project: given(&self.project),
            environment: given(&self.environment),
            level: given(&self.level),
            issue: given(&self.issue),
            title: given(&self.title),
            robot: given(&self.robot),
            all: self.all.is_some(),
        };
        SilenceRequest {
            matchers: serde_json::to_value(matchers).unwrap_or_default(),
            until: Until {
                duration: given(&self.duration),
                ends_at: given(&self.ends_at),
            },
            comment: self.comment.clone(),
            created_by: self.created_by.clone(),
        }
    }
}

fn view(s: &Silence, clock: &Clock) -> Value {
    json!({
        "id": s.id, "matchers": s.matchers.describe(), "created_by": s.created_by,
        "comment": s.comment, "held": s.held, "active": s.is_active(clock.now),
        "starts": clock.time(s.starts_at), "ends": clock.time(s.ends_at),
    })
}

fn told(what: &str, s: &Silence, clock: &Clock) -> String {
    let (id, matchers, until) = (s.id, s.matchers.describe(), clock.said(s.ends_at));
    format!("{what} silence #{id}: {matchers} until {until}")
}

/// `/ui/silences`: its `GET` and end buttons are [`listing`](super::listing)'s.
pub struct Silences;

impl Listing for Silences {
    type Form = SilenceForm;
    const PATH: &'static str = "/ui/silences";
    const THING: &'static str = "silence";
    const MADE: (&'static str, &'static str) = ("created", "Made");

    async fn page(
        state: &AppState,
        status: StatusCode,
        csrf: &str,
        shown: Shown<'_, SilenceForm>,
    ) -> HttpResponse {
        let now = now_ms();
        let Ok(all) = silences::list(&state.outbox, now).await else {
            return unavailable();
        };
        let clock = Clock::of(state, now);
        let rows: Vec<_> = all.iter().map(|s| view(s, &clock)).collect();
        let mut ctx = Context::new();
        ctx.insert("silences", &rows);
        shown.insert_into(&mut ctx, csrf);
        render(state, status, "silences.html.tera", ctx, true)
    }

    async fn told(state: &AppState, what: &str, id: i64) -> Result<Option<String>, StoreError> {
        let found = state.outbox.silence(id).await?;
        let clock = Clock::of(state, now_ms());
        Ok(found.map(|s| told(what, &s, &clock)))
    }

    async fn end(state: &AppState, id: i64) -> Result<Option<i64>, StoreError> {
        let ended = state.outbox.end_silence(id, now_ms()).await?;
        Ok(ended.map(|s| {
            info!(silence = s.id, "silence ended in /ui");
            s.id
        }))
    }
}

/// `POST /ui/silences`: 303 to `?created=ID`; the page again with the API's message (400)
/// when the form is not a silence.
pub async fn create(
    state: web::Data<AppState>,
    Passed(posted): Passed<FormPost<SilenceForm>>,
) -> HttpResponse {
    let form = match posted.form {
        Ok(form) => form,
        Err(e) => {
            let shown = Shown::error(e);
            return Silences::page(&state, StatusCode::BAD_REQUEST, &posted.csrf, shown).await;
        }
    };
    let robots = state.live.get().settings.robot_names();
    match silences::create(&state.outbox, form.request(), Some(&robots), now_ms()).await {
        Ok(s) => {
            info!(silence = s.id, matchers = %s.matchers.describe(), "silence made in /ui");
            see_other(&format!("/ui/silences?created={}", s.id))
        }
        Err(SilenceError::Invalid(e)) => {
            let shown = Shown {
                form: Some(&form),
                ..Shown::error(e.to_string())
            };
            Silences::page(&state, StatusCode::BAD_REQUEST, &posted.csrf, shown).await
        }
        Err(SilenceError::Store(_)) => unavailable(),
    }
}
