//! A TCP proxy between the replicas and PostgreSQL that the test controls: `cut` drops every
//! connection through it and refuses new ones (accepted, then closed at once), `restore` lets
//! connections through again. What a network partition or a database restart looks like to a
//! replica.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct Switch {
    cut: AtomicBool,
    /// Cancelled by `cut`: every connection made before it ends.
    live: Mutex<CancellationToken>,
}

pub struct DbProxy {
    pub port: u16,
    switch: Arc<Switch>,
    accept: tokio::task::JoinHandle<()>,
}

/// `host:port` of the database `config` names, for a proxy to forward to.
pub fn server(config: &tokio_postgres::Config) -> String {
    match (config.get_hosts().first(), config.get_ports().first()) {
        (Some(tokio_postgres::config::Host::Tcp(host)), port) => {
            format!("{host}:{}", port.copied().unwrap_or(5432))
        }
        _ => "127.0.0.1:5432".into(),
    }
}

impl DbProxy {
    /// Listens on a free loopback port and forwards to `target` (`host:port`).
    pub async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        let switch = Arc::new(Switch::default());
        let shared = switch.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((inbound, _)) = listener.accept().await else {
                    continue;
                };
                if shared.cut.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let live = shared.live.lock().expect("switch").clone();
                let target = target.clone();
                tokio::spawn(forward(inbound, target, live));
            }
        });
        Self {
            port,
            switch,
            accept,
        }
    }

    /// Drops every connection and refuses new ones until `restore`.
    pub fn cut(&self) {
        self.switch.cut.store(true, Ordering::SeqCst);
        let mut live = self.switch.live.lock().expect("switch");
        live.cancel();
        *live = CancellationToken::new();
    }

    pub fn restore(&self) {
        self.switch.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.switch.live.lock().expect("switch").cancel();
    }
}

async fn forward(mut inbound: TcpStream, target: String, live: CancellationToken) {
    let Ok(mut outbound) = TcpStream::connect(&target).await else {
        return;
    };
    tokio::select! {
        _ = live.cancelled() => {}
        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
    }
    // Both sockets close here: the replica reads EOF on its database connection.
}
