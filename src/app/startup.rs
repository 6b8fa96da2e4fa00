//! Building the relay from settings: outbox, templates, listener, senders. Port 0 works, so
//! tests run the real thing.

use super::capacity::Capacity;
use crate::action_links::ActionSigner;
use crate::config::{ConfigError, Settings};
use crate::delivery::{self, Deps, Wakers};
use crate::dingtalk::DingTalkClient;
use crate::http::{self, AppState};
use crate::live::Live;
use crate::metrics::Metrics;
use crate::outbox::{self, SharedOutbox};
use crate::sentry::api::SentryApi;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Why a process opens the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxUse {
    /// It sends (`serve`; `replay`, `digest` when no relay runs): with SQLite it must own
    /// `DATA_DIR`.
    Sender,
    /// It looks or flags (`outbox`, `silence`, `oncall`): works beside a running relay, on the
    /// store a relay made (it never makes one).
    Operator,
    /// The relay itself (`serve`): a sender that waits up to [`DATABASE_WAIT_AT_START`] for a
    /// PostgreSQL it cannot reach yet, instead of exiting into a restart back-off.
    Relay,
}

/// How long `serve` waits at start for a database that does not answer. Replicas and their
/// database often start together (a node's reboot, `docker compose up`); a database that
/// answers with an error (password, database name) stops the start at once.
pub const DATABASE_WAIT_AT_START: Duration = Duration::from_secs(60);

pub async fn open_outbox(settings: &Settings, usage: OutboxUse) -> anyhow::Result<SharedOutbox> {
    if let Some(url) = &settings.database_url {
        // Shared by replicas: no directory lock; leases decide who sends for a robot.
        let wait = match usage {
            OutboxUse::Relay => DATABASE_WAIT_AT_START,
            OutboxUse::Sender | OutboxUse::Operator => Duration::ZERO,
        };
        let outbox = outbox::postgres::PgOutbox::connect_waiting(url.expose(), wait)
            .await
            .context("cannot use DATABASE_URL")?;
        tracing::info!(outbox = ?outbox, "outbox in PostgreSQL");
        return Ok(Arc::new(outbox));
    }
    // Run from another directory, a command would make a store of its own: `silence add`
    // printed an id for a silence no relay ever read.
    if usage == OutboxUse::Operator && no_store_made(settings) {
        let file = settings.data_dir.join(outbox::sqlite::DB_FILE);
        return Err(ConfigError::Invalid {
            var: "DATA_DIR",
            reason: format!(
                "{} does not exist: no relay has run with this DATA_DIR. Run the command with the relay's DATA_DIR (or DATABASE_URL)",
                file.display()
            ),
        }
        .into());
    }
    let access = match usage {
        OutboxUse::Sender | OutboxUse::Relay => outbox::Access::Serve,
        OutboxUse::Operator => outbox::Access::Shared,
    };
    outbox::open_sqlite(&settings.data_dir, access)
        .with_context(|| format!("cannot use DATA_DIR {}", settings.data_dir.display()))
}

/// The store a relay made, for a view that can show the configuration without it (`oncall`
/// before the first `serve`): `None` when no relay has run with this SQLite `DATA_DIR`.
pub async fn made_outbox(settings: &Settings) -> anyhow::Result<Option<SharedOutbox>> {
    if no_store_made(settings) {
        return Ok(None);
    }
    open_outbox(settings, OutboxUse::Operator).await.map(Some)
}

/// Whether the store is SQLite and its file surely absent: no relay has run with this
/// `DATA_DIR`. A file that cannot be looked at (another user's `DATA_DIR`) counts as there,
/// so opening it lets SQLite say why it cannot be used.
fn no_store_made(settings: &Settings) -> bool {
    let file = settings.data_dir.join(outbox::sqlite::DB_FILE);
    settings.database_url.is_none() && matches!(file.try_exists(), Ok(false))
}

/// The API client, when credentials (token or legacy key) and an organization are configured.
pub fn sentry_api(settings: &Settings) -> Option<Arc<SentryApi>> {
    let auth = settings.sentry_auth()?;
    let org = settings.sentry_org.as_deref()?;
    Some(Arc::new(SentryApi::new(
        &settings.sentry_url,
        org,
        auth,
        Duration::from_secs(5),
    )))
}

/// Action links, when `PUBLIC_URL` is set: Silence 1 h always, Resolve and Ignore when the
/// Sentry API can carry them out. The key lives in the outbox, so every replica signs and
/// checks with the same one.
pub async fn action_signer(
    settings: &Settings,
    outbox: &SharedOutbox,
) -> anyhow::Result<Option<Arc<ActionSigner>>> {
    let Some(public_url) = &settings.public_url else {
        return Ok(None);
    };
    let key = outbox.action_key().await.context("action-link key")?;
    let claimers = settings.team.people.iter().any(|p| p.sentry.is_some());
    let signer = ActionSigner::new(key, public_url)
        .with_sentry(sentry_api(settings).is_some())
        .with_claim(claimers);
    Ok(Some(Arc::new(signer)))
}

/// What the senders share, with a fresh outbox opened for `usage`.
pub async fn sender_deps(settings: &Settings, usage: OutboxUse) -> anyhow::Result<Deps> {
    let outbox = open_outbox(settings, usage).await?;
    deps_with_outbox(settings, outbox).await
}

/// What the senders share, around an outbox already open.
pub async fn deps_with_outbox(settings: &Settings, outbox: SharedOutbox) -> anyhow::Result<Deps> {
    let metrics = Metrics::new(settings.robots.iter().map(|r| r.name.as_str()));
    metrics.expect_ladders(settings.routes.iter().flat_map(|r| {
        let steps = r.escalation.iter().flat_map(|e| e.steps.iter());
        steps.map(|s| (r.name.as_str(), s.kind()))
    }));
    Ok(Deps {
        client: DingTalkClient::new(settings.request_timeout),
        metrics: Arc::new(metrics),
        api: sentry_api(settings),
        signer: action_signer(settings, &outbox).await?,
        owner: Deps::new_owner(),
        open_api: Arc::new(crate::dingtalk::openapi::OpenApiClient::new(
            &settings.dingtalk_api_url,
            settings.request_timeout,
        )),
        outbox,
    })
}

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    live: Arc<Live>,
    deps: Deps,
    wakers: Wakers,
    background: http::background::Background,
    shutdown_timeout: Duration,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let deps = sender_deps(&settings, OutboxUse::Relay).await?;
        let listener = TcpListener::bind(&settings.listen_addr)
            .with_context(|| format!("cannot listen on LISTEN_ADDR {}", settings.listen_addr))?;
        let port = listener.local_addr()?.port();
        if settings.sentry_auth().is_some() && settings.sentry_org.is_none() {
            tracing::warn!(
                "SENTRY_API_TOKEN (or SENTRY_API_KEY) is set but SENTRY_ORG is not: enrichment and actions are off"
            );
        }
        // Log-only robots are the default for trying the relay out; in a deployment a forgotten
        // DINGTALK_WEBHOOK would otherwise look healthy (every alert "sent").
        let log_only = settings
            .robots
            .iter()
            .filter(|r| r.webhook.is_none() && r.card.is_none());
        for robot in log_only {
            tracing::warn!(
                robot = %robot.name,
                "no webhook: this robot's messages go to the log, not to DingTalk (set DINGTALK_WEBHOOK or the robot's webhook)"
            );
        }
        for warning in settings.robots.iter().filter_map(|r| r.rate_warning()) {
            tracing::warn!("{warning}");
        }
        let shutdown_timeout = settings.shutdown_timeout;
        let live = Live::new(settings).context("templates")?;
        let wakers = Wakers::default();
        let capacity = Capacity::at_start();
        tracing::info!(
            workers = capacity.workers,
            connections_per_worker = capacity.per_worker,
            bodies_at_once = capacity.bodies,
            open_files = capacity.open_files,
            "connection limits"
        );
        let caps = {
            let s = &live.get().settings;
            http::inflight::Caps::new(s.inflight_body_limit, s.body_limit, capacity.bodies)
        };
        let background = http::background::Background::on_current_runtime();
        let state = web::Data::new(AppState {
            live: live.clone(),
            metrics: deps.metrics.clone(),
            outbox: deps.outbox.clone(),
            wakers: wakers.clone(),
            api: deps.api.clone(),
            signer: deps.signer.clone(),
            ui: Arc::new(http::ui::templates().context("status page templates")?),
            edge: http::Edge::new(caps, &deps.metrics),
            orgs: Default::default(),
            background: background.clone(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .wrap(http::security_headers())
                .app_data(state.clone())
                .configure(http::routes)
        })
        // A request head must arrive within 5 s (slow headers), an idle kept-alive connection
        // is closed after 5 s, and a closing one gets 1 s to go. Bodies have their own deadline
        // and are cut off oldest first when too many are in flight (`http::body`), so stalled
        // uploads cannot take every connection slot.
        .workers(capacity.workers)
        .client_request_timeout(Duration::from_secs(5))
        .client_disconnect_timeout(Duration::from_secs(1))
        .keep_alive(Duration::from_secs(5))
        .max_connections(capacity.per_worker)
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
            background,
            shutdown_timeout,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn outbox(&self) -> SharedOutbox {
        self.deps.outbox.clone()
    }

    pub fn live(&self) -> Arc<Live> {
        self.live.clone()
    }

    /// Serves until `shutdown` is cancelled, then stops accepting, lets senders finish the send
    /// in hand and hand their robots over, and returns within the shutdown timeout. Unsent
    /// messages stay queued.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let handle = self.server.handle();
        // Before the server answers: a SIGHUP sent once `/healthz` says ok must find its
        // handler, not the default action (which ends the process).
        crate::live::reload_on_sighup(self.live.clone());
        let mut server = tokio::spawn(self.server);
        let outbox = self.deps.outbox.clone();
        delivery::engine::forward_wakeups(&outbox, self.wakers.clone(), shutdown.clone());
        tokio::spawn(delivery::housekeeping::run(
            outbox.clone(),
            shutdown.clone(),
        ));
        let tallies = tokio::spawn(delivery::tallies::run(
            self.deps.metrics.clone(),
            outbox.clone(),
            shutdown.clone(),
        ));
        tokio::spawn(crate::report::schedule::run(
            self.live.clone(),
            outbox,
            self.deps.api.clone(),
            shutdown.clone(),
        ));
        let mut senders = tokio::spawn(delivery::engine::run_senders(
            self.live.clone(),
            self.deps.clone(),
            self.wakers.clone(),
            shutdown.clone(),
        ));
        tracing::info!(port = self.port, "sentry-dingtalk is listening");
        let mut server_result = None;
        tokio::select! {
            _ = shutdown.cancelled() => {}
            res = &mut server => {
                shutdown.cancel();
                server_result = Some(res);
            }
        }
        let drain = async {
            handle.stop(true).await;
            // Card clicks being acted on finish beside the senders' last sends.
            let (_, ()) = tokio::join!(&mut senders, self.background.finish());
        };
        if tokio::time::timeout(self.shutdown_timeout, drain)
            .await
            .is_err()
        {
            tracing::warn!("shutdown timeout reached; unsent messages stay queued");
        }
        // The status page's last counts, the senders' final sends among them: after the
        // drain, timed out or not; a store that does not answer gets a second, no more.
        let last_counts = async {
            let _ = tallies.await;
            delivery::tallies::flush(&self.deps.metrics, &self.deps.outbox).await;
        };
        if tokio::time::timeout(Duration::from_secs(1), last_counts)
            .await
            .is_err()
        {
            tracing::warn!("the status page's last counts were not stored");
        }
        tracing::info!("stopped");
        if let Some(res) = server_result {
            res.context("server task")?.context("server")?;
        }
        Ok(())
    }
}
