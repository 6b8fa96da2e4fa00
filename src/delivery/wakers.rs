//! Wakes a robot's sender when something was queued for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

#[derive(Clone, Default)]
pub struct Wakers(Arc<Mutex<HashMap<String, Arc<Notify>>>>);

impl Wakers {
    /// The robot's wake-up, created on first use (robots may appear on reload).
    pub fn get(&self, robot: &str) -> Arc<Notify> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(robot.to_string()).or_default().clone()
    }

    /// After an operator action that any sender may have to pick up.
    pub fn wake_all(&self) {
        for n in self.0.lock().unwrap_or_else(|p| p.into_inner()).values() {
            n.notify_one();
        }
    }

    pub fn wake(&self, robot: &str) {
        self.get(robot).notify_one();
    }
}
