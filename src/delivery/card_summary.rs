//! A card robot's summary card: when a silence or mute window that held its alerts ends, one
//! card tells it; a storm is one card, updated in place by each of its summaries (instead of
//! the markdown messages other robots post). Each is made in the transaction that takes the
//! held alerts, like every card operation.

use super::step::SenderCtx;
use crate::dingtalk::Message;
use crate::dingtalk::openapi::CardParams;
use crate::domain::alert::{Alert, AlertKind};
use crate::domain::card_status::CardStatus;
use crate::domain::mention::Mentions;
use crate::outbox::{CardNote, CardRow, Lease, StoreError};
use crate::render::Renderer;
use crate::render::card::{CardFacts, card_params};
use serde::{Deserialize, Serialize};

const SUMMARY_PREFIX: &str = "hold:";

/// A summary card's key: the hold and its first alert, so each ended hold gets a card of its
/// own (a mute window ends every night).
pub fn summary_key(hold: &str, first_alert: i64) -> String {
    format!("{SUMMARY_PREFIX}{hold}:{first_alert}")
}

pub fn is_summary_key(key: &str) -> bool {
    key.starts_with(SUMMARY_PREFIX)
}

/// What a summary card's row stores as its alert: its title (as an alert, for the card's
/// plain variables), the rendered summary, and how many alerts it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryCard {
    pub alert: Alert,
    #[serde(default)]
    pub at: Mentions,
    pub markdown: String,
    pub total: usize,
}

/// What a summary card shows besides its message: its status, and how many alerts it tells.
#[derive(Debug, Clone, Copy)]
pub struct SummaryFacts {
    pub status: CardStatus,
    pub total: usize,
}

/// Notes the held alerts `ids` on the summary card `key` showing `message`: a new card, or
/// (a storm's next summary) the same card updated in place.
pub async fn note(
    ctx: &SenderCtx,
    lease: &Lease,
    key: String,
    ids: &[i64],
    message: &Message,
    facts: SummaryFacts,
    now: i64,
) -> Result<(), StoreError> {
    let mut alert = Alert::new(AlertKind::Issue, "summary");
    alert.title = message.markdown.title.clone();
    let stored = SummaryCard {
        alert,
        at: Mentions::default(),
        markdown: message.markdown.text.clone(),
        total: facts.total,
    };
    // A storm's card exists after its first summary: the operation must name that card, or
    // it would name no card at all and die unsent.
    let existing = ctx.deps.outbox.card(&ctx.robot.name, &key).await?;
    let out_track_id = existing.map_or_else(
        || format!("sentry-dingtalk-{}", uuid::Uuid::new_v4().simple()),
        |c| c.out_track_id,
    );
    let note = CardNote {
        alert_ids: ids.to_vec(),
        body: crate::outbox::operation_body(&out_track_id, &key),
        card_key: key,
        out_track_id,
        alert: serde_json::to_string(&stored).unwrap_or_default(),
        status: Some(facts.status.as_str().to_string()),
        at: now,
    };
    ctx.deps.outbox.note_card_alerts(lease, &note).await?;
    Ok(())
}

/// The variables of a summary card.
pub fn summary_params(card: &CardRow, renderer: &Renderer) -> CardParams {
    let stored: Option<SummaryCard> = serde_json::from_str(&card.alert).ok();
    let (alert, markdown, total) = match stored {
        Some(s) => (s.alert, s.markdown, s.total),
        None => (Alert::new(AlertKind::Issue, "summary"), String::new(), 0),
    };
    let facts = CardFacts {
        count: total as u64,
        status: CardStatus::parse(&card.status).unwrap_or(CardStatus::Silenced),
        first_seen: None,
        last_seen: None,
        claimed_by: None,
        markdown: &markdown,
    };
    card_params(&alert, &facts, renderer)
}
