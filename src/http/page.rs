//! A small HTML page of the relay's own (the chat links' confirmations and answers), and the
//! escaping of what goes into one.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

pub fn page(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status).content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{t} · sentry-dingtalk</title><style>body{{font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em}}\
         button{{font-size:1.1em;padding:.5em 1.5em}}.small{{color:#666;font-size:.9em}}</style></head>\
         <body><h1>{t}</h1>{body}</body></html>",
        t = html(title)
    ))
}

pub fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
