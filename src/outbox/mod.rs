//! The outbox: the durable hand-off between the webhook handler and DingTalk, as a storage
//! port ([`Outbox`]) with one implementation per database.
//!
//! An accepted alert is a row per robot it goes to. A robot's sender folds the alerts waiting
//! for it into one message — a single alert or a batch — in the same transaction that assigns
//! them, then sends that message until DingTalk accepts it or it is dead. So every accepted
//! alert ends up in exactly one message, and a message keeps its body and `msgUuid` across
//! retries, restarts and hand-overs between replicas.

mod card_port;
mod columns;
mod console_port;
mod console_sql;
mod escalation_port;
mod escalation_sql;
mod oncall_port;
mod oncall_sql;
pub mod port;
pub mod postgres;
mod quiet_port;
mod quiet_sql;
mod quota_port;
mod quota_sql;
mod repeat_decision;
mod robot_reads;
pub mod sqlite;
mod storm_port;
mod storm_sql;
pub mod types;

pub use card_port::CardStore;
pub use console_port::{ConsoleStore, MessageIssue};
pub use escalation_port::EscalationStore;
pub use oncall_port::OncallStore;
pub use port::{
    IntakeStore, LeaseStore, OperatorStore, Outbox, SenderStore, SharedState, TraceStore,
};
pub use quiet_port::QuietStore;
pub use quota_port::QuotaStore;
pub use robot_reads::RobotNumber;
pub use storm_port::StormStore;
pub use types::*;

use std::path::Path;
use std::sync::Arc;

/// The outbox as every layer above holds it.
pub type SharedOutbox = Arc<dyn Outbox>;

/// Who opens the outbox: `serve` owns the embedded file; commands work beside a running relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The sending relay: takes the data directory's lock (SQLite).
    Serve,
    /// Operator commands: no lock.
    Shared,
}

/// Opens the embedded SQLite outbox in `data_dir`.
pub fn open_sqlite(data_dir: &Path, access: Access) -> Result<SharedOutbox, StoreError> {
    let outbox = sqlite::SqliteOutbox::open(data_dir, access == Access::Serve)?;
    Ok(Arc::new(outbox))
}

/// Opens the embedded SQLite outbox in `data_dir` for a command that queues work (`digest`,
/// `replay`). True when this process holds the `serve` lock — no relay runs, so it sends what
/// it queued itself; false beside a running `serve`, which sends it.
pub fn open_sqlite_to_queue(data_dir: &Path) -> Result<(SharedOutbox, bool), StoreError> {
    let outbox = sqlite::SqliteOutbox::open_to_queue(data_dir)?;
    let sends_here = outbox.sends_here();
    Ok((Arc::new(outbox), sends_here))
}
