//! From a parsed payload to queued alerts: route, then one durable insert. Shared by the HTTP
//! handlers and `replay`.

use crate::config::Settings;
use crate::outbox::{Delivery, Enqueued, QueuedAlert, Store, StoreError, now_ms};
use crate::routing_choice;
use crate::sentry::payload::Parsed;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

#[derive(Debug, PartialEq)]
pub enum Intake {
    Queued {
        robots: Vec<String>,
    },
    Duplicate,
    /// Every robot had already been told about this issue within its repeat interval.
    Suppressed,
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
pub struct Wakers(Arc<Mutex<HashMap<String, Arc<Notify>>>>);

impl Wakers {
    /// The robot's wake-up, created on first use (robots may appear on reload).
    pub fn get(&self, robot: &str) -> Arc<Notify> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(robot.to_string()).or_default().clone()
    }

    /// After an operator action that any worker may have to pick up.
    pub fn wake_all(&self) {
        for n in self.0.lock().unwrap_or_else(|p| p.into_inner()).values() {
            n.notify_one();
        }
    }

    fn wake(&self, robot: &str) {
        self.get(robot).notify_one();
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
    // A robot chosen in the Sentry rule's settings wins; otherwise the routes decide.
    let targets = routing_choice::targets(&alert, settings);
    if targets.is_empty() {
        return Ok(Intake::Dropped);
    }
    // A test notification is sent every time it is asked for.
    let key = alert
        .dedup_key()
        .filter(|_| !routing_choice::is_test(&alert));
    let items: Vec<Delivery> = targets
        .into_iter()
        .map(|t| Delivery {
            robot: t.robot,
            queued: QueuedAlert {
                alert: (*alert).clone(),
                at: t.at,
            },
            repeat: t.repeat,
        })
        .collect();
    match store.enqueue(key.as_deref(), &items, now_ms())? {
        Enqueued::Duplicate => Ok(Intake::Duplicate),
        Enqueued::Suppressed => Ok(Intake::Suppressed),
        Enqueued::Queued { robots } => {
            for r in &robots {
                wakers.wake(r);
            }
            Ok(Intake::Queued { robots })
        }
    }
}
