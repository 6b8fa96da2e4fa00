//! The storage port's part for interactive cards (robots of `kind = "card"`): one card per
//! issue, the message that carries its next operation, and the clicks on its buttons. Every
//! store implements it (`sqlite/cards.rs`, `postgres/cards.rs`); the conformance suite runs it
//! on both.
//!
//! Contract: `note_card_alerts` and `mark_card_created` are fenced by the robot's lease;
//! a click is not (like `queue_message`), and each click or callback signature is claimed
//! once across replicas.

use super::types::{CardChange, CardNote, CardRow, Claim, Lease, StoreError};
use async_trait::async_trait;

/// Interactive cards: one per issue, and the clicks on them.
#[async_trait]
pub trait CardStore: Send + Sync + 'static {
    /// The card of `robot` for `card_key`, if one was noted.
    async fn card(&self, robot: &str, card_key: &str) -> Result<Option<CardRow>, StoreError>;

    async fn card_by_track_id(&self, out_track_id: &str) -> Result<Option<CardRow>, StoreError>;

    /// Notes `note.alert_ids` (all of one card, all waiting) on the lease robot's card in one
    /// transaction: creates the card row with `note.out_track_id` when it is new, counts the
    /// alerts, sets `last_seen`, the status (when given) and the latest alert, and makes one
    /// pending message carry the card's next operation — the card's own pending message when it
    /// has one (the alerts join it), else a new message with `note.body`. Returns the card and
    /// that message's id.
    async fn note_card_alerts(
        &self,
        lease: &Lease,
        note: &CardNote,
    ) -> Result<(CardRow, i64), StoreError>;

    /// DingTalk has the card: later operations update it.
    async fn mark_card_created(&self, lease: &Lease, out_track_id: &str) -> Result<(), StoreError>;

    /// A button changed the card: sets its status (and `claimed_by` when given) and queues a
    /// new message to update it (`body`). Not fenced, like `queue_message`. `None` when no card
    /// has that `out_track_id`.
    async fn card_clicked(
        &self,
        click: CardChange<'_>,
        now: i64,
    ) -> Result<Option<CardRow>, StoreError>;

    /// Records a click by `key`; true for the first within `window_ms`, false for repeats.
    async fn claim_card_click(&self, claim: Claim<'_>) -> Result<bool, StoreError>;

    /// Gives a click back when its action failed, so the user can press again.
    async fn release_card_click(&self, key: &str) -> Result<(), StoreError>;

    /// Records a card callback's signature as used; true the first time within `window_ms`,
    /// false when any replica saw it already (DingTalk signs only the timestamp, so a
    /// signature is good for one callback).
    async fn claim_callback_signature(&self, claim: Claim<'_>) -> Result<bool, StoreError>;
}
