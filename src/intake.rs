//! From a parsed payload to queued alerts: route, then one durable insert. Shared by the HTTP
//! handlers and `replay`.

use crate::config::Settings;
use crate::outbox::{Enqueued, QueuedAlert, Store, StoreError, now_ms};
use crate::routing;
use crate::sentry::payload::Parsed;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Debug, PartialEq)]
pub enum Intake {
    Queued {
        robots: Vec<String>,
    },
    Duplicate,
    /// Routed nowhere (an `unmatched = "drop"` configuration).
    Dropped,
    Ignored {
        resource: String,
        action: String,
    },
    Installation {
        action: String,
    },
}

/// Wakes the worker of each robot when something is queued for it.
#[derive(Clone, Default)]
pub struct Wakers(Arc<HashMap<String, Arc<Notify>>>);

impl Wakers {
    pub fn new(robots: impl IntoIterator<Item = String>) -> Self {
        Self(Arc::new(
            robots
                .into_iter()
                .map(|r| (r, Arc::new(Notify::new())))
                .collect(),
        ))
    }

    pub fn get(&self, robot: &str) -> Arc<Notify> {
        self.0.get(robot).cloned().unwrap_or_default()
    }

    fn wake(&self, robot: &str) {
        if let Some(n) = self.0.get(robot) {
            n.notify_one();
        }
    }
}

pub fn accept(
    parsed: Parsed,
    settings: &Settings,
    store: &Store,
    wakers: &Wakers,
) -> Result<Intake, StoreError> {
    let alert = match parsed {
        Parsed::Alert(alert) => alert,
        Parsed::Ignored { resource, action } => return Ok(Intake::Ignored { resource, action }),
        Parsed::Installation { action } => return Ok(Intake::Installation { action }),
    };
    let targets = routing::route(&alert, settings);
    if targets.is_empty() {
        return Ok(Intake::Dropped);
    }
    let key = alert.dedup_key();
    let items: Vec<(String, QueuedAlert)> = targets
        .iter()
        .map(|t| {
            (
                t.robot.clone(),
                QueuedAlert {
                    alert: (*alert).clone(),
                    at: t.at.clone(),
                },
            )
        })
        .collect();
    match store.enqueue(key.as_deref(), &items, now_ms())? {
        Enqueued::Duplicate => Ok(Intake::Duplicate),
        Enqueued::Queued { .. } => {
            let robots: Vec<String> = targets.into_iter().map(|t| t.robot).collect();
            for r in &robots {
                wakers.wake(r);
            }
            Ok(Intake::Queued { robots })
        }
    }
}
