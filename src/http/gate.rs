//! What a request must pass before its handler runs — the admin API's token, the `/ui` gate, a
//! console form's CSRF token — as a handler's argument, so that no handler starts by checking
//! it by hand and none can forget to.

use super::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use std::future::Future;

/// A check of a request, and what it found (the caller's access, the id of the path, a form).
pub trait Gate: 'static {
    type Found;
    /// Whether the check reads the body; one that does not leaves it to the handler.
    const READS_BODY: bool = false;

    /// The found value, or the error whose answer refuses the request.
    fn check(
        req: &HttpRequest,
        state: &AppState,
        body: web::Payload,
    ) -> impl Future<Output = Result<Self::Found, actix_web::Error>>;
}

/// A request that passed `G`, as a handler's argument: the handler runs only then; any other
/// request gets the check's refusal. Put it after the path and query arguments, so that a
/// malformed one is refused for that as before the check. A body is read by the handler
/// (`web::Payload`, `admin::json_body`), never by an argument beside the check: actix polls
/// the arguments together, so a body extractor would read a stranger's upload while the
/// check is still weighing a wrong token.
pub struct Passed<G: Gate>(pub G::Found);

impl<G: Gate> FromRequest for Passed<G> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mut body = if G::READS_BODY {
            payload.take()
        } else {
            Payload::None
        };
        let body = web::Payload::from_request(req, &mut body);
        let req = req.clone();
        Box::pin(async move {
            let state = web::Data::<AppState>::extract(&req).await?;
            G::check(&req, &state, body.await?).await.map(Passed)
        })
    }
}
