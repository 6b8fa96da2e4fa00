//! The configuration in force, swapped whole on reload (SIGHUP or `POST /-/reload`).
//!
//! A reload re-reads the TOML file and the templates; if either is broken (a template also when
//! it fails on one of the built-in samples) the reason is logged and returned, and the running
//! configuration stays. It reads files and compiles
//! templates, so it runs on a blocking thread (`spawn_blocking`, `web::block`), never on a
//! runtime thread; one reload at a time, so the last one started is the one in force.

use crate::config::{ConfigError, Settings};
use crate::render::{RenderError, Renderer};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::watch;

pub struct ActiveConfig {
    pub settings: Settings,
    pub renderer: Arc<Renderer>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Templates(#[from] RenderError),
}

pub struct Live {
    current: RwLock<Arc<ActiveConfig>>,
    changed: watch::Sender<u64>,
    /// Held from reading the file to the swap: two reloads at once (SIGHUP and `POST
    /// /-/reload`) could otherwise put the older file in force after the newer.
    reloading: Mutex<()>,
}

impl Live {
    pub fn new(settings: Settings) -> Result<Arc<Self>, ReloadError> {
        let renderer = proven_renderer(&settings)?;
        let (changed, _) = watch::channel(0);
        Ok(Arc::new(Self {
            current: RwLock::new(Arc::new(ActiveConfig { settings, renderer })),
            changed,
            reloading: Mutex::new(()),
        }))
    }

    pub fn get(&self) -> Arc<ActiveConfig> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Bumps whenever a reload took effect; workers for new robots start on it.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Blocks while it reads and compiles: call it from a blocking thread.
    pub fn reload(&self) -> Result<(), ReloadError> {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        let result = self.try_reload();
        match &result {
            Ok(()) => tracing::info!("configuration and templates reloaded"),
            Err(e) => {
                tracing::error!(error = %e, "reload refused; the previous configuration keeps serving")
            }
        }
        result
    }

    fn try_reload(&self) -> Result<(), ReloadError> {
        let old = self.get();
        let settings = old.settings.reloaded()?;
        let renderer = proven_renderer(&settings)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) =
            Arc::new(ActiveConfig { settings, renderer });
        self.changed.send_modify(|n| *n += 1);
        Ok(())
    }
}

/// The templates `settings` name, compiled and rendered with every sample
/// ([`crate::render::proof`]): one that fails on an alert is refused here, not met by the first.
fn proven_renderer(settings: &Settings) -> Result<Arc<Renderer>, RenderError> {
    let renderer = Renderer::load(settings.templates_dir.as_deref(), settings.lang)?
        .with_timezone(settings.timezone);
    let legacy = settings.legacy_token.is_some();
    let samples = crate::sentry::samples::alerts(&settings.link_base(), legacy);
    crate::render::proof::prove(&renderer, &samples, crate::clock::now_ms())?;
    Ok(Arc::new(renderer))
}

/// SIGHUP → reload on a blocking thread, for as long as the process runs. Listens from the
/// call on (a SIGHUP before then ends the process, as it would without the relay's handler).
#[cfg(unix)]
pub fn reload_on_sighup(live: Arc<Live>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP; use POST /-/reload");
        return;
    };
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            let live = live.clone();
            // The result is logged by `reload`; a panic in it leaves the last good config.
            let _ = tokio::task::spawn_blocking(move || live.reload()).await;
        }
    });
}

#[cfg(not(unix))]
pub fn reload_on_sighup(_live: Arc<Live>) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::Command;
    use std::time::Duration;

    fn robot(name: &str) -> String {
        format!("[[robots]]\nname = \"{name}\"\nwebhook = \"https://example.com/robot/send\"\n")
    }

    /// The reload reads the config file; a FIFO there holds the read until the test lets it
    /// go. The runtime has one thread: had the reload run on it, the test could not go on
    /// while the read waits, and the writer would give up waiting for it.
    #[tokio::test(flavor = "current_thread")]
    async fn a_sighup_reload_leaves_the_runtime_thread_free() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("robots.toml");
        std::fs::write(&file, robot("first")).expect("write");
        let path = file.display().to_string();
        let settings = Settings::from_lookup(|k| (k == "CONFIG_FILE").then(|| path.clone()))
            .expect("settings");
        let live = Live::new(settings).expect("live");
        let mut changed = live.subscribe();
        std::fs::remove_file(&file).expect("remove");
        let made = Command::new("mkfifo").arg(&file).status().expect("mkfifo");
        assert!(made.success());
        reload_on_sighup(live.clone());

        let (opened, reading) = tokio::sync::oneshot::channel();
        let (runtime_free, free) = std::sync::mpsc::channel::<()>();
        let writer = std::thread::spawn(move || {
            // Opening a FIFO to write waits until the reload opens it to read.
            let mut fifo = std::fs::OpenOptions::new()
                .write(true)
                .open(&file)
                .expect("open the FIFO");
            let _ = opened.send(());
            let was_free = free.recv_timeout(Duration::from_secs(10)).is_ok();
            fifo.write_all(robot("second").as_bytes()).expect("write");
            was_free
        });
        let pid = std::process::id().to_string();
        let hup = Command::new("kill").args(["-HUP", &pid]).status();
        assert!(hup.expect("kill").success());
        tokio::time::timeout(Duration::from_secs(30), reading)
            .await
            .expect("the reload opened the file")
            .expect("the writer says so");
        // Reached while the reload still waits for the file's text.
        let _ = runtime_free.send(());
        changed.changed().await.expect("reloaded");
        assert!(
            writer.join().expect("writer"),
            "the reload held the runtime thread while it read the file"
        );
        assert!(live.get().settings.robot("second").is_some());
    }
}
