//! The storage port: everything the delivery engine, the HTTP edge and the commands ask of
//! durable storage. One implementation per database — SQLite embedded (one process per file),
//! PostgreSQL shared (any number of replicas) — and one conformance suite for both
//! (`tests/api/outbox_conformance.rs`).
//!
//! Contract every implementation keeps:
//! - `enqueue` is one transaction: the webhook's identity keys, the repeat decisions and the
//!   alert rows (with a record, the webhook's trace record too) commit together or not
//!   at all. A caller answers 202 only after it returned `Ok`.
//! - An identity key seen within `DEDUP_WINDOW_MS` makes the enqueue a `Duplicate`; two enqueues
//!   racing with the same key yield one `Queued` and one `Duplicate` (a unique constraint).
//! - Only the holder of a robot's lease sends for it. Every write the sender makes carries its
//!   `Lease`; a write whose fence is no longer the robot's current one fails with
//!   `StoreError::LeaseLost` and changes nothing.
//! - A message keeps its body and `msg_uuid` from `create_message` on, so a crash between
//!   "sent" and "recorded" re-sends the same body with the same `msgUuid`.

use super::card_port::CardStore;
use super::console_port::ConsoleStore;
use super::escalation_port::EscalationStore;
use super::oncall_port::OncallStore;
use super::quiet_port::QuietStore;
use super::quota_port::QuotaStore;
use super::robot_reads::RobotNumber;
use super::storm_port::StormStore;
use super::types::{
    Enqueue, Enqueued, InstallationOrg, Lease, LeaseAsk, MessageAsk, MessageRow, MessageState,
    NewMessage, Retry, RetryOutcome, ScheduledRun, SetAside, StateCount, StoreError, TraceEntry,
    UnqueuedWebhook, WaitingAlerts,
};
use async_trait::async_trait;

/// The webhook edge: what an accepted webhook needs stored (its alerts and what became of
/// it), and the wake-ups it causes.
#[async_trait]
pub trait IntakeStore: Send + Sync + 'static {
    /// Durably queues one alert per delivery unless an identity key (`intake::identity`: the
    /// body's hash, the `Request-ID`) was seen within the dedup window or every route keeps it
    /// silent as a repeat. Notifies the robots' senders on commit. With a `record`, the
    /// webhook's trace record goes in the same transaction: it keeps what the relay answered
    /// (routed to which robots and why, suppressed by which routes, duplicate) and each alert
    /// row stored links to it; a duplicate stores its record only. Costs one insert beside the
    /// alert rows.
    async fn enqueue(&self, webhook: Enqueue) -> Result<Enqueued, StoreError>;

    /// Records a webhook that queued nothing and reached no enqueue (`Dropped`, `Ignored`).
    async fn record_webhook(&self, webhook: UnqueuedWebhook) -> Result<(), StoreError>;

    /// Ok when a webhook would be stored right now: a real write that commits, not a probe that
    /// writes nothing. What `/readyz` reports.
    async fn check_writable(&self, now: i64) -> Result<(), StoreError>;

    /// A receiver of the names of robots that something was queued for (by this process or,
    /// where the store is shared, any other), from the moment of this call on. Only a hint:
    /// a store without cross-process notification misses other processes' enqueues, and a
    /// lagging receiver drops names; senders re-check the store and poll as well.
    fn wakeups(&self) -> tokio::sync::broadcast::Receiver<String>;
}

/// One sender per robot: the lease that every write of `SenderStore` and `CardStore` is
/// fenced by.
#[async_trait]
pub trait LeaseStore: Send + Sync + 'static {
    /// Takes the robot's lease for `owner` when it is free, expired or already `owner`'s;
    /// a new holder gets a fence greater than any before. `None` while another owner holds it.
    async fn acquire_lease(&self, ask: LeaseAsk<'_>) -> Result<Option<Lease>, StoreError>;

    /// Extends the lease; `false` when it was lost (expired and taken, or fence moved on).
    async fn renew_lease(&self, lease: &Lease, now: i64, ttl_ms: i64) -> Result<bool, StoreError>;

    /// Gives the lease up at once (SIGTERM hand-over).
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError>;
}

/// A robot's sender: its reads, and its writes, each fenced by its lease.
#[async_trait]
pub trait SenderStore: Send + Sync + 'static {
    /// Alerts of `robot` not yet in a message, most severe first, oldest first within a level,
    /// at most `limit`; rows that cannot be read come back apart, with the reason.
    async fn waiting_alerts(&self, robot: &str, limit: usize) -> Result<WaitingAlerts, StoreError>;

    /// When the longest-waiting alert of `robot` arrived, if any waits.
    async fn oldest_waiting(&self, robot: &str) -> Result<Option<i64>, StoreError>;

    /// One number about `robot`; the five reads below are this, in both backends.
    async fn robot_number(&self, robot: &str, n: RobotNumber) -> Result<Option<i64>, StoreError>;

    async fn waiting_count(&self, robot: &str) -> Result<i64, StoreError> {
        Ok(self
            .robot_number(robot, RobotNumber::WaitingCount)
            .await?
            .unwrap_or(0))
    }

    /// The oldest pending message of `robot` that is due at `now`.
    async fn due_message(&self, robot: &str, now: i64) -> Result<Option<MessageRow>, StoreError>;

    /// When the next pending message of `robot` becomes due, if it has one.
    async fn next_due_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        self.robot_number(robot, RobotNumber::NextDueAt).await
    }

    /// When the newest message of `robot` was built (the group window's leftovers).
    async fn last_created_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        self.robot_number(robot, RobotNumber::LastCreatedAt).await
    }

    /// When DingTalk last accepted a message of `robot` (the group window runs from here).
    async fn last_sent_at(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        self.robot_number(robot, RobotNumber::LastSentAt).await
    }

    /// The send attempts of `robot` counted (`count_attempt`) at or after `since`, oldest
    /// first: the rolling budget's history. An attempt counts from its start, and from its
    /// answer once `record_attempt_end` recorded that; one cut off by a crash keeps its start.
    async fn attempts_since(&self, robot: &str, since: i64) -> Result<Vec<i64>, StoreError>;

    async fn paused_until(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        self.robot_number(robot, RobotNumber::PausedUntil).await
    }

    /// When the oldest alert of `robot` not yet delivered arrived (waiting unheld, or in a
    /// pending message), if one is: the metrics scrape's `oldest_waiting_seconds`.
    async fn oldest_undelivered(&self, robot: &str) -> Result<Option<i64>, StoreError> {
        self.robot_number(robot, RobotNumber::OldestUndelivered)
            .await
    }

    /// Creates a message and assigns the alerts to it in one transaction; returns its id.
    async fn create_message(&self, ask: MessageAsk<'_>) -> Result<i64, StoreError>;

    /// Counts an attempt as started (`attempts + 1`, `last_attempt_at = now`); false when the
    /// message is no longer pending (an act withdrew a ladder's follow-up since it was read):
    /// then nothing may be sent.
    async fn record_attempt(&self, lease: &Lease, id: i64, now: i64) -> Result<bool, StoreError>;

    /// Counts a send of message `id` against the robot's budget, committed before its request
    /// goes out: an attempt cut off by `kill -9` or a lost lease (DingTalk may have counted it)
    /// still counts for whoever sends next. Every call is one more attempt in
    /// `attempts_since`, a re-send of the same message too. Forgets the robot's counts older
    /// than `ATTEMPT_LOG_KEEP_MS`.
    async fn count_attempt(&self, lease: &Lease, id: i64, at: i64) -> Result<(), StoreError>;

    /// When the attempt's answer came: the message's `last_attempt_at`, and its latest count
    /// (`count_attempt`) moves here — DingTalk counted the request somewhere before this.
    async fn record_attempt_end(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError>;

    async fn mark_sent(&self, lease: &Lease, id: i64, now: i64) -> Result<(), StoreError>;

    /// Sets the message's next attempt; false when it was withdrawn instead: a ladder's
    /// follow-up whose ladder an act ended while it was in flight (noted `withdrawn:` on the
    /// ladder, as the act's own withdrawals are).
    async fn mark_retry(&self, lease: &Lease, retry: Retry<'_>) -> Result<bool, StoreError>;

    async fn mark_dead(&self, lease: &Lease, id: i64, error: &str) -> Result<(), StoreError>;

    async fn set_paused_until(&self, lease: &Lease, until: i64) -> Result<(), StoreError>;

    /// Sets an unreadable alert row aside: it goes into a dead message carrying its reason, so
    /// it no longer blocks the robot and an operator sees it.
    async fn set_aside_alert(&self, ask: SetAside<'_>) -> Result<(), StoreError>;

    /// Queues a ready-made message for `robot` (the open-issues report); its sender sends it
    /// like any other. Not fenced: adding a pending message takes nothing from the sender.
    async fn queue_message(&self, robot: &str, message: NewMessage<'_>) -> Result<i64, StoreError>;
}

/// What became of a webhook: its record, kept with its alerts (written by `IntakeStore`).
#[async_trait]
pub trait TraceStore: Send + Sync + 'static {
    /// The webhooks recorded for `issue` (its id, or its short id in any case — which also finds
    /// the records of that issue that lack it, once one record has both), the newest
    /// `limit` of them oldest first, each with where its alerts are now. Records live as long as
    /// their alerts, and at least `keep_ms` of `prune`.
    async fn trace(&self, issue: &str, limit: usize) -> Result<Vec<TraceEntry>, StoreError>;
}

/// What operators see and do: messages by state, retries, pruning.
#[async_trait]
pub trait OperatorStore: Send + Sync + 'static {
    async fn list_messages(
        &self,
        state: Option<MessageState>,
        limit: usize,
    ) -> Result<Vec<MessageRow>, StoreError>;

    /// Messages by state and robot, plus alerts not yet in a message as state `waiting`.
    async fn stats(&self) -> Result<Vec<StateCount>, StoreError>;

    /// A dead message gives its alerts back to the queue; a pending one is made due now.
    /// False when no such message can be retried.
    async fn retry_message(&self, id: i64, now: i64) -> Result<RetryOutcome, StoreError>;

    async fn retry_dead(&self, now: i64) -> Result<usize, StoreError>;

    /// Forgets dedup keys past their window, and sent messages, repeat state, used action
    /// links, webhook trace records (once none of their alerts is left) and other per-issue
    /// memory older than `keep_ms`.
    async fn prune(&self, now: i64, keep_ms: i64) -> Result<(), StoreError>;
}

/// Small state every replica shares: action links, scheduled runs, installations.
#[async_trait]
pub trait SharedState: Send + Sync + 'static {
    /// Records an action link as used; false when it already was (links work once).
    async fn claim_action(&self, nonce: &str, now: i64) -> Result<bool, StoreError>;

    /// Gives a link back when its action failed at Sentry, so the user can try again.
    async fn release_action(&self, nonce: &str) -> Result<(), StoreError>;

    async fn action_used(&self, nonce: &str) -> Result<bool, StoreError>;

    /// The action-link signing key, created (random, 32 bytes) by whoever asks first.
    async fn action_key(&self) -> Result<Vec<u8>, StoreError>;

    /// Marks a scheduled job's run for `slot` (e.g. the day of the open-issues report);
    /// true for exactly one caller per (job, slot), whichever replica asks first.
    async fn claim_scheduled_run(&self, run: ScheduledRun<'_>) -> Result<bool, StoreError>;

    /// Remembers an installation's organization slug (from `installation.created` or a URL).
    async fn remember_installation_org(&self, org: InstallationOrg<'_>) -> Result<(), StoreError>;

    async fn installation_org(&self, installation: &str) -> Result<Option<String>, StoreError>;
}

/// Declares [`Outbox`] as all of `$part` and implements it for every store that implements
/// each: the list of parts is written once, so a new part cannot be left out of either.
macro_rules! outbox_of {
    ($($part:ident),+ $(,)?) => {
        /// All of the port: what `SharedOutbox` holds. Implemented by every store that
        /// implements each part.
        pub trait Outbox: $($part +)+ {}

        impl<T> Outbox for T where T: $($part +)+ {}
    };
}

outbox_of!(
    IntakeStore,
    LeaseStore,
    SenderStore,
    TraceStore,
    OperatorStore,
    SharedState,
    CardStore,
    QuietStore,
    OncallStore,
    EscalationStore,
    StormStore,
    QuotaStore,
    ConsoleStore,
);
