//! What `/ui/silences` and `/ui/oncall` do alike: the page's `GET`, with a notice after a
//! post (`?created=ID`, `?added=ID`, `?ended=ID`), and the post of an end button. One handler
//! each, for every [`Listing`]; the page itself and its form are the page's own.

use super::AppState;
use super::console::{FormPost, Shown, end_button, id_of, unavailable};
use super::gate::Passed;
use super::ui::{CsrfForm, UiAccess, csrf_of};
use crate::outbox::StoreError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use std::collections::HashMap;

/// A console page that lists what its form makes and what its end buttons end.
pub(super) trait Listing {
    /// The form shown again after a refusal.
    type Form: serde::Serialize;
    /// The page's address: an end button answers with a 303 back to it.
    const PATH: &'static str;
    /// One of the things listed, in "there is no {THING} #7".
    const THING: &'static str;
    /// The query key a post that made one answers with, and its word in the notice.
    const MADE: (&'static str, &'static str);

    /// The page, with what `shown` says above the list.
    async fn page(
        state: &AppState,
        status: StatusCode,
        csrf: &str,
        shown: Shown<'_, Self::Form>,
    ) -> HttpResponse;

    /// The notice for the thing `id` that was just `what` ("Made", "Ended"); `None` when
    /// nothing has that id.
    async fn told(state: &AppState, what: &str, id: i64) -> Result<Option<String>, StoreError>;

    /// Ends the thing `id` now: its id, or `None` when nothing has it.
    async fn end(state: &AppState, id: i64) -> Result<Option<i64>, StoreError>;
}

/// `GET` the page, after a post with `?{MADE}=ID` or `?ended=ID`.
pub(super) async fn list<P: Listing>(
    query: web::Query<HashMap<String, String>>,
    state: web::Data<AppState>,
    Passed(access): Passed<UiAccess>,
) -> HttpResponse {
    let mut notice = None;
    for (key, what) in [P::MADE, ("ended", "Ended")] {
        let Some(id) = query.get(key).and_then(|id| id_of(id)) else {
            continue;
        };
        match P::told(&state, what, id).await {
            Ok(told) => notice = told,
            Err(_) => return unavailable(),
        }
    }
    let shown = Shown::notice(notice);
    P::page(&state, StatusCode::OK, &csrf_of(&access), shown).await
}

/// `POST {PATH}/…/{id}/end`: 303 to `?ended=ID`; the page again (404) when no thing has that id.
pub(super) async fn end<P: Listing>(
    id: web::Path<String>,
    state: web::Data<AppState>,
    Passed(posted): Passed<FormPost<CsrfForm>>,
) -> HttpResponse {
    let not_found = async |error| {
        let shown = Shown::error(error);
        P::page(&state, StatusCode::NOT_FOUND, &posted.csrf, shown).await
    };
    let end = async |id| P::end(&state, id).await;
    end_button(P::PATH, P::THING, &id, end, not_found).await
}
