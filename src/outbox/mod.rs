//! The durable hand-off between the webhook handler and DingTalk.
//!
//! An accepted alert is a row in `alerts` (one per robot it goes to). A robot's worker folds the
//! alerts waiting for it into one row in `messages` — a single alert or a digest — in the same
//! transaction that assigns them, then sends that message until DingTalk accepts it or it is
//! dead. So every accepted alert ends up in exactly one message, and a message keeps its body
//! and `msgUuid` across retries and restarts.

pub mod admin;
pub mod enrich;
pub mod housekeeping;
pub mod port;
pub mod rate_limit;
pub mod repeats;
pub mod retry;
pub mod schema;
pub mod store;
pub mod types;
pub mod worker;

pub use store::{Enqueued, Store, StoreError};

/// One alert for one robot, with the repeat rules of the routes that sent it there.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub robot: String,
    pub queued: QueuedAlert,
    pub repeat: Vec<crate::routing::RepeatRule>,
}
pub use worker::RobotWorker;

use crate::alert::Alert;
use crate::dingtalk::At;
use serde::{Deserialize, Serialize};

/// What the outbox keeps per alert and robot: the alert and who to @ for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedAlert {
    pub alert: Alert,
    #[serde(default)]
    pub at: At,
}

pub fn now_ms() -> i64 {
    crate::dingtalk::client::now_ms()
}
