//! Building the relay from settings: outbox, templates, listener, workers. Port 0 works, so
//! tests run the real thing.

use crate::actions::ActionSigner;
use crate::config::Settings;
use crate::dingtalk::DingTalkClient;
use crate::http::{self, AppState};
use crate::intake::Wakers;
use crate::live::Live;
use crate::metrics::Metrics;
use crate::outbox::worker::Deps;
use crate::outbox::{RobotWorker, Store};
use crate::sentry::api::SentryApi;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Sentry sends one webhook per connection; a thousand open at once per worker is far past
/// any real load and still a few MiB of buffers.
const MAX_CONNECTIONS_PER_WORKER: usize = 1000;

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    live: Arc<Live>,
    deps: Deps,
    wakers: Wakers,
    shutdown_timeout: Duration,
}

/// The API client, when both a token and an organization are configured.
pub fn sentry_api(settings: &Settings) -> Option<Arc<SentryApi>> {
    let token = settings.sentry_api_token.clone()?;
    let org = settings.sentry_org.as_deref()?;
    Some(Arc::new(SentryApi::new(
        &settings.sentry_url,
        org,
        token,
        Duration::from_secs(5),
    )))
}

/// Action links, when `PUBLIC_URL` is set and the API can carry them out.
pub fn action_signer(settings: &Settings) -> anyhow::Result<Option<Arc<ActionSigner>>> {
    let (Some(public_url), true) = (&settings.public_url, sentry_api(settings).is_some()) else {
        return Ok(None);
    };
    std::fs::create_dir_all(&settings.data_dir)?;
    let signer = ActionSigner::load_or_create(&settings.data_dir, public_url)
        .context("action key in DATA_DIR")?;
    Ok(Some(Arc::new(signer)))
}

impl Application {
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = Store::open(&settings.data_dir)
            .with_context(|| format!("cannot use DATA_DIR {}", settings.data_dir.display()))?;
        let listener = TcpListener::bind(&settings.listen_addr)
            .with_context(|| format!("cannot listen on LISTEN_ADDR {}", settings.listen_addr))?;
        let port = listener.local_addr()?.port();
        if settings.sentry_api_token.is_some() && settings.sentry_org.is_none() {
            tracing::warn!(
                "SENTRY_API_TOKEN is set but SENTRY_ORG is not: enrichment and actions are off"
            );
        }
        let deps = Deps {
            store: store.clone(),
            client: DingTalkClient::new(settings.request_timeout),
            metrics: Arc::new(Metrics::new()),
            api: sentry_api(&settings),
            signer: action_signer(&settings)?,
        };
        let shutdown_timeout = settings.shutdown_timeout;
        let live = Live::new(settings).context("templates")?;
        let wakers = Wakers::default();
        let state = web::Data::new(AppState {
            live: live.clone(),
            metrics: deps.metrics.clone(),
            store,
            wakers: wakers.clone(),
            api: deps.api.clone(),
            signer: deps.signer.clone(),
            ui: Arc::new(http::ui::templates().context("status page templates")?),
            edge: http::Edge::default(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .wrap(http::security_headers())
                .app_data(state.clone())
                .configure(http::routes)
        })
        // A request head must arrive within 5 s (slow headers), an idle kept-alive connection
        // is closed after 5 s, and a closing one gets 1 s to go. Bodies have their own deadline
        // (`BODY_READ_TIMEOUT`, in `http::body`). Connections are capped per worker thread so a
        // flood of idle ones cannot take the memory either.
        .client_request_timeout(Duration::from_secs(5))
        .client_disconnect_timeout(Duration::from_secs(1))
        .keep_alive(Duration::from_secs(5))
        .max_connections(MAX_CONNECTIONS_PER_WORKER)
        .listen(listener)?
        .disable_signals()
        .shutdown_timeout(shutdown_timeout.as_secs().max(1))
        .run();
        Ok(Self {
            port,
            server,
            live,
            deps,
            wakers,
            shutdown_timeout,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn store(&self) -> Store {
        self.deps.store.clone()
    }

    pub fn live(&self) -> Arc<Live> {
        self.live.clone()
    }

    /// Serves until `shutdown` is cancelled, then stops accepting, lets workers finish the send
    /// in hand, and returns within the shutdown timeout. Unsent messages stay queued.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let mut server = tokio::spawn(self.server);
        let mut workers = JoinSet::new();
        let mut running = HashSet::new();
        let mut changes = self.live.subscribe();
        crate::live::reload_on_sighup(self.live.clone());
        let (store, api, wakers) = (
            self.deps.store.clone(),
            self.deps.api.clone(),
            self.wakers.clone(),
        );
        tokio::spawn(crate::schedule::run(
            self.live.clone(),
            store,
            api,
            wakers,
            shutdown.clone(),
        ));
        tracing::info!(port = self.port, "sentry-dingtalk is listening");
        loop {
            // One worker per configured robot; a reload may add robots.
            for robot in &self.live.get().settings.robots {
                if running.contains(&robot.name) {
                    continue;
                }
                let wake = self.wakers.get(&robot.name);
                if let Some(worker) =
                    RobotWorker::new(&robot.name, self.live.clone(), &self.deps, wake)?
                {
                    running.insert(robot.name.clone());
                    workers.spawn(worker.run(shutdown.clone()));
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                changed = changes.changed() => if changed.is_err() { break },
                res = &mut server => {
                    shutdown.cancel();
                    res.context("server task")?.context("server")?;
                    break;
                }
            }
        }
        let drain = async {
            handle.stop(true).await;
            while workers.join_next().await.is_some() {}
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
