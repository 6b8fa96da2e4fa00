//! `/ui/oncall`: each rota, who is on call now and until when (the hand-over), who is next,
//! and its overrides; a form that puts someone else on call (the checks and messages of `POST
//! /api/oncall/{rota}/overrides`) and a button that ends an override.

use super::AppState;
use super::console::{Clock, FormPost, Shown, end_button, id_of, see_other, unavailable};
use super::gate::Passed;
use super::ui::{CsrfForm, UiAccess, csrf_of, render};
use crate::clock::now_ms;
use crate::domain::until::Until;
use crate::oncall::{self, OverrideRequest};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tera::Context;
use tracing::info;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct OverrideForm {
    person: Option<String>,
    duration: Option<String>,
    created_by: Option<String>,
}

#[derive(Deserialize)]
pub struct Done {
    added: Option<String>,
    ended: Option<String>,
}

/// The page, with what `shown` says above the rotas; `rota`: the rota a wrong form was for.
async fn page(
    state: &AppState,
    status: StatusCode,
    csrf: &str,
    shown: Shown<'_, OverrideForm>,
    rota: Option<&str>,
) -> HttpResponse {
    let now = now_ms();
    let Ok(overrides) = oncall::overrides(&state.outbox, now).await else {
        return unavailable();
    };
    let settings = state.live.get().settings.clone();
    let clock = Clock::of(state, now);
    let shown_name = |name: &str| settings.person(name).map_or(name, |p| p.shown()).to_owned();
    let rotas: Vec<_> = oncall::now(&settings, &overrides, now)
        .iter()
        .map(|(rota, shift)| {
            let own: Vec<_> = overrides
                .iter()
                .filter(|o| o.rota == rota.name)
                .map(|o| {
                    json!({"id": o.id, "person": shown_name(&o.person), "created_by": o.created_by,
                           "starts": clock.time(o.starts_at), "ends": clock.time(o.ends_at),
                           "active": o.starts_at <= now && now < o.ends_at})
                })
                .collect();
            json!({
                "name": rota.name, "path": path_segment(&rota.name), "zone": rota.zone.name(),
                "rotation": rota.rotation.iter().map(|p| shown_name(p)).collect::<Vec<_>>(),
                "person": shown_name(&shift.person), "next": shown_name(&shift.next),
                "by_override": shift.by_override, "until": clock.time(shift.until),
                "overrides": own,
            })
        })
        .collect();
    let people: Vec<_> = settings
        .team
        .people
        .iter()
        .map(|p| json!({"name": p.name, "shown": p.shown()}))
        .collect();
    let mut ctx = Context::new();
    ctx.insert("rotas", &rotas);
    ctx.insert("people", &people);
    ctx.insert("error_rota", &rota);
    shown.insert_into(&mut ctx, csrf);
    render(state, status, "oncall.html.tera", ctx, true)
}

/// `GET /ui/oncall`, after a post with `?added=ID` or `?ended=ID`.
pub async fn list(
    query: web::Query<Done>,
    state: web::Data<AppState>,
    Passed(access): Passed<UiAccess>,
) -> HttpResponse {
    let now = now_ms();
    let mut notice = None;
    let done = [("Added", &query.added), ("Ended", &query.ended)];
    for (what, id) in done {
        let Some(id) = id.as_deref().and_then(id_of) else {
            continue;
        };
        // An ended override is no longer among those that matter from now on.
        let Ok(all) = oncall::overrides(&state.outbox, 0).await else {
            return unavailable();
        };
        let clock = Clock::of(&state, now);
        notice = all.iter().find(|o| o.id == id).map(|o| {
            let (id, person, rota, until) = (o.id, &o.person, &o.rota, clock.said(o.ends_at));
            format!("{what} override #{id}: {person} on call for {rota} until {until}")
        });
    }
    page(
        &state,
        StatusCode::OK,
        &csrf_of(&access),
        Shown::notice(notice),
        None,
    )
    .await
}

/// `POST /ui/oncall/{rota}/overrides`: 303 to `?added=ID`; 404 for a rota that does not
/// exist; the page again with the API's message (400) when the form is not an override.
pub async fn add_override(
    rota: web::Path<String>,
    state: web::Data<AppState>,
    Passed(posted): Passed<FormPost<OverrideForm>>,
) -> HttpResponse {
    let settings = state.live.get().settings.clone();
    if settings.rota(&rota).is_none() {
        let shown = Shown::error(format!("there is no rota \"{rota}\""));
        return page(&state, StatusCode::NOT_FOUND, &posted.csrf, shown, None).await;
    }
    // A form that is no override for this rota: the page again (400), the message at its form.
    let refused = async |shown| {
        let status = StatusCode::BAD_REQUEST;
        page(&state, status, &posted.csrf, shown, Some(&rota)).await
    };
    let form = match posted.form {
        Ok(form) => form,
        Err(e) => return refused(Shown::error(e)).await,
    };
    let request = OverrideRequest {
        person: form.person.clone().unwrap_or_default(),
        until: Until {
            duration: form.duration.clone(),
            ends_at: None,
        },
        created_by: form.created_by.clone(),
    };
    let new = match request.check(&settings, &rota, now_ms()) {
        Ok(new) => new,
        Err(e) => {
            let shown = Shown {
                form: Some(&form),
                ..Shown::error(e.to_string())
            };
            return refused(shown).await;
        }
    };
    match state.outbox.add_override(new).await {
        Ok(o) => {
            info!(rota = %o.rota, person = %o.person, id = o.id, "on-call override made in /ui");
            see_other(&format!("/ui/oncall?added={}", o.id))
        }
        Err(_) => unavailable(),
    }
}

/// `POST /ui/oncall/overrides/{id}/end`: 303 to `?ended=ID`; 404 when no override has that id.
pub async fn end_override(
    id: web::Path<String>,
    state: web::Data<AppState>,
    Passed(posted): Passed<FormPost<CsrfForm>>,
) -> HttpResponse {
    let end = async |id| {
        let ended = state.outbox.end_override(id, now_ms()).await?;
        Ok(ended.map(|o| {
            info!(rota = %o.rota, id = o.id, "on-call override ended in /ui");
            o.id
        }))
    };
    let not_found = async |error| {
        page(
            &state,
            StatusCode::NOT_FOUND,
            &posted.csrf,
            Shown::error(error),
            None,
        )
        .await
    };
    end_button("/ui/oncall", "override", &id, end, not_found).await
}

/// A rota's name as one segment of a form's address: names are free text in the config file
/// (spaces, 中文), and the route reads the segment back percent-decoded.
fn path_segment(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_rota_name_becomes_one_path_segment() {
        assert_eq!(super::path_segment("backend"), "backend");
        assert_eq!(
            super::path_segment("on call/值班"),
            "on%20call%2F%E5%80%BC%E7%8F%AD"
        );
    }
}
