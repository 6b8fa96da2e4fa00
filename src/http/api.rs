//! The admin API's scope, `/api/…`: its routes, its OpenAPI document (`GET
//! /api/openapi.json`, no token: it tells nothing the relay's documentation does not) and the
//! rule that every error under it is JSON with a message — also those actix makes itself (an
//! unknown path, a query it cannot decode), which would otherwise be plain text or empty.

use super::error::HttpError;
use super::{oncall_api, outbox_api, silences_api, storms_api};
use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpResponse, ResponseError, web};

/// The OpenAPI 3 document of every route below, kept true by `tests/api/openapi.rs`.
pub const OPENAPI: &str = include_str!("openapi.json");

pub fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<EitherBody<BoxBody>>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/api")
        .wrap(ErrorHandlers::new().default_handler(json_error))
        // One resource per path: a method it does not take is 405 with `Allow`.
        .service(web::resource("/openapi.json").route(web::get().to(openapi)))
        .service(
            web::resource("/silences")
                .route(web::post().to(silences_api::create))
                .route(web::get().to(silences_api::list)),
        )
        .service(web::resource("/silences/{id}").route(web::delete().to(silences_api::end)))
        .service(web::resource("/oncall").route(web::get().to(oncall_api::now)))
        .service(
            web::resource("/oncall/{rota}/overrides")
                .route(web::post().to(oncall_api::add_override)),
        )
        .service(
            web::resource("/oncall/overrides/{id}")
                .route(web::delete().to(oncall_api::end_override)),
        )
        .service(web::resource("/messages").route(web::get().to(outbox_api::list)))
        .service(web::resource("/messages/{id}/retry").route(web::post().to(outbox_api::retry)))
        .service(web::resource("/trace").route(web::get().to(outbox_api::trace)))
        .service(web::resource("/storms").route(web::get().to(storms_api::list)))
        .service(web::resource("/storms/{id}").route(web::get().to(storms_api::one)))
        .default_service(web::to(|| async { HttpError::NotFound.error_response() }))
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(OPENAPI)
}

/// An error answer that is not JSON yet becomes `{"error","message"}`: the message is the
/// error actix recorded, else the status's reason. Headers (`Retry-After`, …) stay.
fn json_error<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let reason = status.canonical_reason().unwrap_or("error");
    let message = res
        .response()
        .error()
        .map_or_else(|| reason.to_lowercase(), |e| e.to_string());
    let error = reason.to_lowercase().replace([' ', '-'], "_");
    let body = serde_json::json!({"error": error, "message": message}).to_string();
    let (req, mut res) = res.into_parts();
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let res = ServiceResponse::new(req, res.set_body(body))
        .map_into_boxed_body()
        .map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
