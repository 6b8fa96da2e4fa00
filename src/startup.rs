//! Building the relay from settings: outbox, templates, listener, workers. Port 0 works, so
//! tests run the real thing.

use crate::config::Settings;
use crate::dingtalk::DingTalkClient;
use crate::http::{self, AppState};
use crate::intake::Wakers;
use crate::outbox::{RobotWorker, Store};
use crate::render::Renderer;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    workers: Vec<RobotWorker>,
    store: Store,
    shutdown_timeout: std::time::Duration,
}

impl Application {
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = Store::open(&settings.data_dir)
            .with_context(|| format!("cannot use DATA_DIR {}", settings.data_dir.display()))?;
        let renderer = Arc::new(
            Renderer::load(settings.templates_dir.as_deref(), settings.lang)
                .context("templates")?,
        );
        let listener = TcpListener::bind(&settings.listen_addr)
            .with_context(|| format!("cannot listen on LISTEN_ADDR {}", settings.listen_addr))?;
        let port = listener.local_addr()?.port();
        let wakers = Wakers::new(settings.robots.iter().map(|r| r.name.clone()));
        let client = DingTalkClient::new(settings.request_timeout);
        let mut workers = Vec::new();
        for robot in &settings.robots {
            let wake = wakers.get(&robot.name);
            let worker = RobotWorker::new(
                robot.clone(),
                store.clone(),
                renderer.clone(),
                client.clone(),
                settings.retry.clone(),
                wake,
            )?;
            workers.push(worker);
        }
        let shutdown_timeout = settings.shutdown_timeout;
        let state = web::Data::new(AppState {
            settings: Arc::new(settings),
            store: store.clone(),
            renderer,
            wakers,
        });
        let server =
            HttpServer::new(move || App::new().app_data(state.clone()).configure(http::routes))
                .listen(listener)?
                .disable_signals()
                .shutdown_timeout(shutdown_timeout.as_secs().max(1))
                .run();
        Ok(Self {
            port,
            server,
            workers,
            store,
            shutdown_timeout,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// Serves until `shutdown` is cancelled, then stops accepting, lets workers finish the send
    /// in hand, and returns within the shutdown timeout. Unsent messages stay queued.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        let mut tasks = Vec::new();
        for worker in self.workers {
            tasks.push(tokio::spawn(worker.run(shutdown.clone())));
        }
        tracing::info!(port = self.port, "sentry-dingtalk is listening");
        tokio::select! {
            _ = shutdown.cancelled() => {}
            res = server => {
                shutdown.cancel();
                res.context("server task")?.context("server")?;
            }
        }
        let drain = async {
            handle.stop(true).await;
            for t in tasks {
                let _ = t.await;
            }
        };
        if tokio::time::timeout(self.shutdown_timeout, drain)
            .await
            .is_err()
        {
            tracing::warn!("shutdown timeout reached; unsent messages stay queued");
        }
        tracing::info!("stopped");
        Ok(())
    }
}
