//! The configuration in force, swapped whole on reload (SIGHUP or `POST /-/reload`).
//!
//! A reload re-reads the TOML file and the templates; if either is broken the reason is
//! logged and returned, and the running configuration stays.

use crate::config::{ConfigError, Settings};
use crate::render::{RenderError, Renderer};
use std::sync::{Arc, RwLock};
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
}

impl Live {
    pub fn new(settings: Settings) -> Result<Arc<Self>, ReloadError> {
        let renderer = Arc::new(
            Renderer::load(settings.templates_dir.as_deref(), settings.lang)?
                .with_timezone(settings.timezone),
        );
        let (changed, _) = watch::channel(0);
        Ok(Arc::new(Self {
            current: RwLock::new(Arc::new(ActiveConfig { settings, renderer })),
            changed,
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

    pub fn reload(&self) -> Result<(), ReloadError> {
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
        let renderer = Arc::new(
            Renderer::load(settings.templates_dir.as_deref(), settings.lang)?
                .with_timezone(settings.timezone),
        );
        *self.current.write().unwrap_or_else(|p| p.into_inner()) =
            Arc::new(ActiveConfig { settings, renderer });
        self.changed.send_modify(|n| *n += 1);
        Ok(())
    }
}

/// SIGHUP → reload, for as long as the process runs.
#[cfg(unix)]
pub fn reload_on_sighup(live: Arc<Live>) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; use POST /-/reload");
            return;
        };
        while hup.recv().await.is_some() {
            let _ = live.reload();
        }
    });
}

#[cfg(not(unix))]
pub fn reload_on_sighup(_live: Arc<Live>) {}
