//! `/ui/oncall`: each rota, who is on call now and until when (the hand-over), who is next,
//! and its overrides; a form that puts someone else on call (the checks and messages of `POST
//! /api/oncall/{rota}/overrides`) and a button that ends an override.

use super::AppState;
use super::console::{Clock, FormPost, Shown, see_other, unavailable};
use super::gate::Passed;
use super::listing::Listing;
use super::ui::render;
use crate::clock::now_ms;
use crate::domain::until::Until;
use crate::oncall::{self, OverrideRequest};
use crate::outbox::StoreError;
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

/// `/ui/oncall`: its `GET` and end buttons are [`listing`](super::listing)'s.
pub struct Overrides;

impl Listing for Overrides {
    type Form = OverrideForm;
    const PATH: &'static str = "/ui/oncall";
    const THING: &'static str = "override";
    const MADE: (&'static str, &'static str) = ("added", "Added");

    async fn page(
        state: &AppState,
        status: StatusCode,
        csrf: &str,
        shown: Shown<'_, OverrideForm>,
    ) -> HttpResponse {
        page(state, status, csrf, shown, None).await
    }

    async fn told(state: &AppState, what: &str, id: i64) -> Result<Option<String>, StoreError> {
        // An ended override is no longer among those that matter from now on.
        let all = oncall::overrides(&state.outbox, 0).await?;
        let clock = Clock::of(state, now_ms());
        Ok(all.iter().find(|o| o.id == id).map(|o| {
            let (id, person, rota, until) = (o.id, &o.person, &o.rota, clock.said(o.ends_at));
            format!("{what} override #{id}: {person} on call for {rota} until {until}")
        }))
    }

    async fn end(state: &AppState, id: i64) -> Result<Option<i64>, StoreError> {
        let ended = state.outbox.end_override(id, now_ms()).await?;
        Ok(ended.map(|o| {
            info!(rota = %o.rota, id = o.id, "on-call override ended in /ui");
            o.id
        }))
    }
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
