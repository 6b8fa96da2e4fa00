//! The server plumbing the loopback fakes (`fake_robot`, `fake_openapi`) share: an actix
//! server with one worker on a free port, its state handed to the handlers as `web::Data`.

use actix_web::{App, HttpServer, web};
use std::net::TcpListener;

/// Serves `routes` on 127.0.0.1 with `state` as app data and returns the port; `what` names
/// the fake when binding fails.
pub fn serve_fake<S: Send + Sync + 'static>(
    what: &str,
    state: S,
    routes: fn(&mut web::ServiceConfig),
) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind {what}: {e}"));
    let port = listener.local_addr().expect("addr").port();
    let shared = web::Data::new(state);
    let server = HttpServer::new(move || App::new().app_data(shared.clone()).configure(routes))
        .workers(1)
        .listen(listener)
        .expect("listen")
        .disable_signals()
        .run();
    tokio::spawn(server);
    port
}
