//! The yardstick for the ingest benchmark: an actix handler that reads the body and answers 202,
//! with none of the relay's work. Run: cargo run --release --example baseline_202 -- 127.0.0.1:8091

use actix_web::{App, HttpResponse, HttpServer, web};

async fn accept(_body: web::Bytes) -> HttpResponse {
    HttpResponse::Accepted().json(serde_json::json!({"status": "queued"}))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8091".into());
    HttpServer::new(|| {
        App::new()
            .app_data(web::PayloadConfig::new(4 * 1024 * 1024))
            .route("/webhooks/sentry", web::post().to(accept))
    })
    .bind(addr)?
    .run()
    .await
}
