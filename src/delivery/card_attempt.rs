//! One card operation (create, or update in place) through the open API, and the record of
//! what DingTalk answered — retried, paused or dead like a message.

use super::card_digest::{DigestCard, is_digest_key};
use super::retry;
use super::worker::RobotWorker;
use crate::clock::now_ms;
use crate::dingtalk::openapi::{CardOutcome, CardParams, NewCard};
use crate::domain::card_status::CardStatus;
use crate::domain::mention::Mentions;
use crate::outbox::{CardRow, Lease, MessageRow, QueuedAlert, Retry, StoreError};
use crate::render::card::{CardFacts, card_params};
use crate::render::{Envelope, Renderer};
use serde_json::Value;
use std::collections::BTreeMap;
use tracing::{error, info, warn};

/// The card a card operation's message names (`{"card": "<outTrackId>"}`).
pub fn operation_card(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    v.get("card").and_then(Value::as_str).map(str::to_string)
}

/// `2025-11-20 14:21:37 (Asia/Shanghai)` for an epoch-ms time.
fn local_ms(ms: i64, tz: chrono_tz::Tz) -> Option<String> {
    let t = chrono::DateTime::from_timestamp_millis(ms)?.with_timezone(&tz);
    Some(format!("{} ({})", t.format("%Y-%m-%d %H:%M:%S"), tz.name()))
}

/// The card's variables as they stand: the latest alert, with the relay's count, status,
/// times and claim.
pub fn params_for(
    card: &CardRow,
    alert: &crate::domain::alert::Alert,
    renderer: &Renderer,
) -> CardParams {
    let env = Envelope {
        at: Mentions::default(),
        keyword: None,
        msg_uuid: card.out_track_id.clone(),
        buttons: Vec::new(),
    };
    let markdown = match renderer.render_alert(alert, &env) {
        Ok(m) => m.markdown.text,
        Err(_) => {
            crate::render::plain_fallback(alert, &env, renderer.lang())
                .markdown
                .text
        }
    };
    let tz = renderer.timezone();
    let first_seen = alert
        .first_seen
        .as_deref()
        .and_then(|raw| crate::render::time::local(raw, tz))
        .or_else(|| local_ms(card.first_seen, tz));
    let last_seen = local_ms(card.last_seen, tz);
    let facts = CardFacts {
        count: u64::try_from(card.count).unwrap_or(0),
        status: CardStatus::parse(&card.status).unwrap_or(CardStatus::Firing),
        first_seen: first_seen.as_deref(),
        last_seen: last_seen.as_deref(),
        claimed_by: card.claimed_by.as_deref(),
        markdown: &markdown,
    };
    card_params(alert, &facts, renderer)
}

/// The variables of a digest card: the summary ("N new issues") and the issues it lists.
pub fn digest_params(card: &CardRow, renderer: &Renderer) -> CardParams {
    let lang = renderer.lang();
    let digest = DigestCard::parse(&card.alert, lang);
    let env = Envelope {
        at: Mentions::default(),
        keyword: None,
        msg_uuid: card.out_track_id.clone(),
        buttons: Vec::new(),
    };
    let markdown = digest.markdown(&env, renderer);
    let tz = renderer.timezone();
    let first_seen = local_ms(card.first_seen, tz);
    let last_seen = local_ms(card.last_seen, tz);
    let facts = CardFacts {
        count: digest.total as u64,
        status: CardStatus::parse(&card.status).unwrap_or(CardStatus::Firing),
        first_seen: first_seen.as_deref(),
        last_seen: last_seen.as_deref(),
        claimed_by: card.claimed_by.as_deref(),
        markdown: &markdown,
    };
    card_params(&digest.alert, &facts, renderer)
}

impl RobotWorker {
    /// Whether sending `msg` would create its card (a new message in the chat: budget).
    pub(super) async fn card_needs_budget(&self, msg: &MessageRow) -> Result<bool, StoreError> {
        let Some(id) = operation_card(&msg.body) else {
            return Ok(false);
        };
        Ok(self
            .deps
            .outbox
            .card_by_track_id(&id)
            .await?
            .is_some_and(|c| !c.created))
    }

    pub(super) async fn card_attempt(
        &mut self,
        lease: &Lease,
        msg: MessageRow,
    ) -> Result<(), StoreError> {
        let outbox = self.deps.outbox.clone();
        let robot = self.robot.name.clone();
        let card = match operation_card(&msg.body) {
            Some(id) => outbox.card_by_track_id(&id).await?,
            None => None,
        };
        let Some(card) = card else {
            error!(
                robot,
                delivery_id = msg.id,
                "card operation without its card; it is dead"
            );
            return outbox
                .mark_dead(
                    lease,
                    msg.id,
                    "not a card operation, or its card was forgotten",
                )
                .await;
        };
        let queued: QueuedAlert = match serde_json::from_str(&card.alert) {
            Ok(q) => q,
            Err(e) => {
                let why = format!("the card's stored alert is not readable: {e}");
                return outbox.mark_dead(lease, msg.id, &why).await;
            }
        };
        let Some(card_robot) = self.robot.card.clone() else {
            return Ok(());
        };
        let params = if is_digest_key(&card.card_key) {
            digest_params(&card, &self.renderer)
        } else {
            params_for(&card, &queued.alert, &self.renderer)
        };
        let started = now_ms();
        outbox.record_attempt(lease, msg.id, started).await?;
        let attempt = msg.attempts + 1;
        let create = !card.created;
        if create {
            // A new card takes from the budget (below): counted before the call, like a message.
            outbox.count_attempt(lease, msg.id, started).await?;
        }
        let app = card_robot.credentials();
        let api = self.deps.open_api.clone();
        let outcome = if create {
            let new = NewCard {
                out_track_id: card.out_track_id.clone(),
                card_template_id: card_robot.card_template_id.clone(),
                open_conversation_id: card_robot.open_conversation_id.clone(),
                robot_code: card_robot.robot_code.clone(),
                params,
                callback_route_key: card_robot.callback_route_key.clone(),
                at_user_ids: card_mentions(&card.card_key, &queued.at),
            };
            api.create_or_update(&app, &new).await
        } else {
            api.update(&app, &card.out_track_id, &params).await
        };
        let now = now_ms();
        self.card_pace.called(now);
        if create {
            // A new card is a new message in the chat: it takes from the budget.
            self.limiter.record(now);
        }
        outbox.record_attempt_end(lease, msg.id, now).await?;
        let metrics = &self.deps.metrics;
        metrics
            .deliveries
            .with_label_values(&[robot.as_str(), outcome.label()])
            .inc();
        metrics
            .request_duration
            .with_label_values(&[robot.as_str()])
            .observe((now - started) as f64 / 1000.0);
        info!(
            robot,
            delivery_id = msg.id,
            out_track_id = %card.out_track_id,
            operation = if create { "create" } else { "update" },
            attempt,
            outcome = outcome.label(),
            elapsed_ms = now - started,
            "card operation"
        );
        match outcome {
            CardOutcome::Sent => {
                if create {
                    outbox.mark_card_created(lease, &card.out_track_id).await?;
                    self.last_message_at = Some(now);
                }
                outbox.mark_sent(lease, msg.id, now).await?;
            }
            CardOutcome::Retryable(reason) if retry::expired(&self.retry, msg.created_at, now) => {
                error!(robot, delivery_id = msg.id, attempt, %reason, "giving up: card operation older than max_age");
                let why = format!("expired after {attempt} attempts: {reason}");
                outbox.mark_dead(lease, msg.id, &why).await?;
            }
            CardOutcome::Retryable(reason) => {
                let next = now + retry::backoff_ms(&self.retry, attempt);
                warn!(robot, delivery_id = msg.id, attempt, %reason, retry_in_ms = next - now, "card operation failed; will retry");
                outbox
                    .mark_retry(
                        lease,
                        msg.id,
                        Retry {
                            next_attempt_at: next,
                            error: &reason,
                        },
                    )
                    .await?;
            }
            CardOutcome::Throttled(reason) => {
                metrics
                    .throttle_pauses
                    .with_label_values(&[robot.as_str()])
                    .inc();
                let until = now + self.robot.throttle_pause.as_millis() as i64;
                warn!(robot, delivery_id = msg.id, %reason, pause_ms = until - now, "DingTalk's open API quota is spent; pausing the robot");
                outbox.set_paused_until(lease, until).await?;
                outbox
                    .mark_retry(
                        lease,
                        msg.id,
                        Retry {
                            next_attempt_at: until,
                            error: &reason,
                        },
                    )
                    .await?;
            }
            CardOutcome::Permanent(reason) | CardOutcome::AlreadyExists(reason) => {
                error!(robot, delivery_id = msg.id, attempt, %reason, "DingTalk refused the card operation; it is dead (see `outbox list --state dead`)");
                outbox.mark_dead(lease, msg.id, &reason).await?;
            }
        }
        Ok(())
    }
}

/// Who a new card @-mentions: the user ids its routes name. DingTalk's card delivery takes
/// user ids only (a mobile would need the contacts API) and shows the map's value as the name,
/// which the relay does not know, so the id stands in. A digest card mentions nobody: it
/// gathers many issues, each with its own people.
fn card_mentions(
    card_key: &str,
    at: &crate::domain::mention::Mentions,
) -> BTreeMap<String, String> {
    if is_digest_key(card_key) {
        return BTreeMap::new();
    }
    at.user_ids
        .iter()
        .map(|id| (id.clone(), id.clone()))
        .collect()
}
