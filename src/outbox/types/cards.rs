//! Interactive cards as the store keeps them.

use crate::domain::card_status::CardStatus;
use serde::Serialize;

/// One live card of a card robot: one per (robot, Sentry issue), or per incident for metric
/// alerts. Its `out_track_id` is chosen and stored before the card is first created, so a
/// create retried after a crash names the same card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardRow {
    pub robot: String,
    /// `issue:<id>`, `incident:<id>`, …: what makes two alerts the same card.
    pub card_key: String,
    pub out_track_id: String,
    /// `firing`, `resolved`, `ignored` or `claimed` (see `domain::card_status`).
    pub status: String,
    /// Alerts noted on the card.
    pub count: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    /// The DingTalk user who pressed "claim".
    pub claimed_by: Option<String>,
    /// DingTalk has the card (a create was answered); later operations are updates.
    pub created: bool,
    /// The latest alert of the card, as JSON (`QueuedAlert`): what the card shows.
    #[serde(skip)]
    pub alert: String,
    /// The message that carries the card's next (or last) operation.
    pub message_id: Option<i64>,
}

/// What a sender notes on a card when alerts of it arrive.
#[derive(Debug, Clone)]
pub struct CardNote {
    /// The waiting alerts noted, all of this card.
    pub alert_ids: Vec<i64>,
    pub card_key: String,
    /// Used when the card is new; an existing card keeps its own.
    pub out_track_id: String,
    /// The newest of the alerts, as JSON (`QueuedAlert`).
    pub alert: String,
    /// The status the alerts ask for (`CardStatus::asked_by`); `None` keeps the one it has (a
    /// new card starts `firing`). The store settles it against the card as it is in its
    /// transaction ([`CardNote::status_for`]).
    pub status: Option<String>,
    /// The body of the operation's message when a new one is needed.
    pub body: String,
    /// When the alerts are noted: the card's and the message's time.
    pub at: i64,
}

impl CardNote {
    /// The status to write on a card that is `current` in the noting transaction (`None`: a
    /// new card); `None` keeps it.
    pub fn status_for(&self, current: Option<&str>) -> Option<String> {
        let asked = self.status.as_deref().and_then(CardStatus::parse);
        CardStatus::settle(asked, current).map(|s| s.as_str().to_owned())
    }
}

/// The body of a card operation's message: which card. The card's data is read when it is
/// sent, so an operation always shows the card as it is by then.
pub fn operation_body(out_track_id: &str, card_key: &str) -> String {
    serde_json::json!({"card": out_track_id, "card_key": card_key}).to_string()
}

/// The body of an operation that only raises the count of a card showing `status`: above 80 %
/// of the open API's quota it is skipped (`delivery::card_quota`), unless by the time it is
/// sent the card's status moved on (an alert joining the pending operation changed it).
pub fn count_only_body(out_track_id: &str, card_key: &str, status: &str) -> String {
    serde_json::json!({"card": out_track_id, "card_key": card_key, "count_only": status})
        .to_string()
}

/// Whether an operation's message only raises the count of `card`, as it stands now.
pub fn is_count_only(body: &str, card: &CardRow) -> bool {
    let v: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let shown = v
        .as_ref()
        .and_then(|v| v.get("count_only")?.as_str().map(str::to_owned));
    card.created && shown.as_deref() == Some(card.status.as_str())
}

/// The card a card operation's message names (`{"card": "<outTrackId>"}`).
pub fn operation_card(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("card")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
}
