//! What the console pages (`/ui/silences`, `/ui/oncall`, `/ui/escalations`) share: times as
//! a clock time in `ALERT_TIMEZONE` with the relative age beside it, and the gate of a form
//! post (admin session or bearer, then the page's CSRF token).

use super::AppState;
use super::gate::Gate;
use super::ui::{CsrfForm, csrf_of, form_body, gate, refusal};
use super::ui_auth::{self, Access};
use crate::outbox::StoreError;
use crate::render::time::{default_zone, local_ms};
use actix_web::{Error, HttpRequest, HttpResponse, web};
use chrono_tz::Tz;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::marker::PhantomData;
use tera::Context;

/// Times as the reader wants them: the clock time in the relay's zone, and how long ago or
/// how soon, seen from one moment (`now`).
pub(super) struct Clock {
    tz: Tz,
    pub now: i64,
}

impl Clock {
    pub fn of(state: &AppState, now: i64) -> Self {
        let settings = &state.live.get().settings;
        Self {
            tz: settings.timezone.unwrap_or(default_zone(settings.lang)),
            now,
        }
    }

    /// `{"clock": "2026-12-06 10:05:00 (Asia/Shanghai)", "relative": "in 2 h 5 min"}`.
    pub fn time(&self, ms: i64) -> Value {
        json!({"clock": local_ms(ms, self.tz), "relative": relative(ms - self.now)})
    }

    /// The same in a sentence (a notice): `2026-12-06 10:05:00 (Asia/Shanghai) (in 2 h 5 min)`.
    pub fn said(&self, ms: i64) -> String {
        format!("{} ({})", local_ms(ms, self.tz), relative(ms - self.now))
    }
}

/// `in 5 min`, `3 h 20 min ago`, `now`: a span in words, to the minute (seconds below one).
pub(super) fn relative(delta_ms: i64) -> String {
    let secs = delta_ms.unsigned_abs() / 1000;
    if secs == 0 {
        return "now".into();
    }
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let span = match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    };
    if delta_ms > 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// A form that passed the gate: the CSRF token to put in the page shown again, and the form
/// (or why it cannot be read).
pub(super) struct Posted<T> {
    pub csrf: String,
    pub form: Result<T, String>,
}

/// A console form's post, as `Passed<FormPost<T>>`: the gate of `posted`.
pub(super) struct FormPost<T>(PhantomData<T>);

impl<T: DeserializeOwned + 'static> Gate for FormPost<T> {
    type Found = Posted<T>;
    const READS_BODY: bool = true;

    async fn check(
        req: &HttpRequest,
        state: &AppState,
        body: web::Payload,
    ) -> Result<Posted<T>, Error> {
        posted(req, state, body).await.map_err(refusal)
    }
}

/// A form post's gate: the admin gate, the body under the form limit, and the CSRF token of
/// the page it came from (a bearer needs none). The refusal is the answer to send.
async fn posted<T: DeserializeOwned>(
    req: &HttpRequest,
    state: &AppState,
    body: web::Payload,
) -> Result<Posted<T>, HttpResponse> {
    let access: Access = gate(req, state).await.map_err(|page| *page)?;
    let body = form_body(req, state, body).await?;
    let csrf = serde_urlencoded::from_bytes::<CsrfForm>(&body)
        .ok()
        .and_then(|f| f.csrf);
    if !ui_auth::csrf_ok(&access, csrf.as_deref()) {
        return Err(ui_auth::csrf_refused());
    }
    Ok(Posted {
        csrf: csrf_of(&access),
        form: serde_urlencoded::from_bytes::<T>(&body).map_err(|e| format!("form: {e}")),
    })
}

/// What a console page shows besides its list: a confirmation, or what was wrong with a form
/// and the form as it was sent (to fill it again).
pub(super) struct Shown<'a, F> {
    pub notice: Option<String>,
    pub error: Option<String>,
    pub form: Option<&'a F>,
}

impl<F> Shown<'_, F> {
    /// A confirmation, if any.
    pub fn notice(notice: Option<String>) -> Self {
        Self {
            notice,
            error: None,
            form: None,
        }
    }

    /// What was wrong; the form is left empty.
    pub fn error(error: String) -> Self {
        Self {
            notice: None,
            error: Some(error),
            form: None,
        }
    }
}

impl<F: serde::Serialize> Shown<'_, F> {
    /// Into a page's template context, with the CSRF token its forms post.
    pub fn insert_into(&self, ctx: &mut Context, csrf: &str) {
        ctx.insert("csrf", csrf);
        ctx.insert("notice", &self.notice);
        ctx.insert("error", &self.error);
        ctx.insert("form", &filled(self.form));
    }
}

/// An end button's post (`…/{id}/end`): `end` ends the thing with that id and gives its id
/// back, or `None` when there is none. The answer: 303 to `{page}?ended=ID`; 503 when the store
/// fails; `not_found` with what to say when the id names nothing (the page again, 404).
pub(super) async fn end_button(
    page: &str,
    what: &str,
    raw_id: &str,
    end: impl AsyncFnOnce(i64) -> Result<Option<i64>, StoreError>,
    not_found: impl AsyncFnOnce(String) -> HttpResponse,
) -> HttpResponse {
    let ended = match id_of(raw_id) {
        Some(id) => end(id).await,
        None => Ok(None),
    };
    match ended {
        Ok(Some(id)) => see_other(&format!("{page}?ended={id}")),
        Ok(None) => not_found(format!("there is no {what} #{raw_id}")).await,
        Err(_) => unavailable(),
    }
}

/// A 303 to `location` (the page a form came from, with what was done in its query).
pub(super) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

pub(super) fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain; charset=utf-8")
        .body("the outbox cannot be read right now")
}

/// A form shown again, its fields left empty missing (the template's `default` fills them).
fn filled<T: serde::Serialize>(form: Option<&T>) -> Value {
    let mut v = form.map_or(json!({}), |f| json!(f));
    if let Value::Object(fields) = &mut v {
        fields.retain(|_, f| !f.is_null());
    }
    v
}

/// A path's id, when it is one (anything else names nothing: 404).
pub(super) fn id_of(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

/// A form field as given: `None` when left empty.
pub(super) fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::relative;

    #[test]
    fn spans_read_in_words_either_way() {
        assert_eq!(relative(0), "now");
        assert_eq!(relative(42_000), "in 42 s");
        assert_eq!(relative(-5 * 60_000), "5 min ago");
        assert_eq!(relative(2 * 3_600_000 + 5 * 60_000), "in 2 h 5 min");
        assert_eq!(relative(-3 * 3_600_000), "3 h ago");
        assert_eq!(relative(-(26 * 3_600_000 + 60_000)), "1 d 2 h ago");
        assert_eq!(relative(7 * 86_400_000), "in 7 d");
    }
}
