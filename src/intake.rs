//! From a parsed payload to stored alerts: route, then one durable insert that also keeps the
//! webhook's trace record (what became of it). Shared by the webhook handlers and `replay`.

use crate::config::Settings;
use crate::domain::alert::Alert;
use crate::domain::escalation;
use crate::outbox::{
    Delivery, Enqueue, Enqueued, QueuedAlert, SharedOutbox, StoreError, UnqueuedWebhook,
    WebhookFacts, WebhookOutcome, WebhookRecord,
};
use crate::routing::Target;
use crate::routing_choice;
use crate::sentry::payload::Parsed;
use sha2::{Digest, Sha256};

/// What became of a webhook.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Routed and handed to the outbox, which stored, suppressed or recognised it.
    Stored(Enqueued),
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

/// What makes two webhooks the same one: the same bytes, or the same `Request-ID`. Anything
/// that changed — a second resolve, another assignee, another rule firing on the same event —
/// is news and gets its own alert; so are an issue webhook's same bytes after another of the
/// issue's webhooks (assigned back to the first assignee: `outbox::is_duplicate`). The
/// resource header is not part of it: Sentry does not sign it, so the same signed body sent
/// under several resources is still one webhook.
pub fn identity(body: &[u8], request_id: Option<&str>) -> Vec<String> {
    let digest = Sha256::digest(body);
    let mut keys = vec![format!(
        "{}{}",
        crate::outbox::BODY_KEY,
        hex::encode(digest)
    )];
    if let Some(id) = request_id.filter(|id| !id.is_empty()) {
        keys.push(format!("request:{id}"));
    }
    keys
}

/// What the edge knows of a webhook beside its parsed payload, for its trace record.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// The `Sentry-Hook-Resource` header (`legacy` for the plugin endpoint).
    pub resource: String,
    pub request_id: Option<String>,
    /// The issue (id, short id) of a payload that is not parsed into an alert, read from the
    /// body, so an ignored webhook about an issue is traced too.
    pub issue: (Option<String>, Option<String>),
}

/// How many records `outbox trace` and `/ui/trace` show at most by default.
pub const TRACE_LIMIT: usize = 200;

pub async fn accept(
    parsed: Parsed,
    identity: Vec<String>,
    received: &Received,
    settings: &Settings,
    outbox: &SharedOutbox,
) -> Result<Outcome, StoreError> {
    let now = crate::clock::now_ms();
    let alert = match parsed {
        Parsed::Alert(alert) => alert,
        Parsed::Ignored { resource, action } => {
            if let (issue_id, short_id) = received.issue.clone()
                && (issue_id.is_some() || short_id.is_some())
            {
                let record = WebhookRecord {
                    webhook: WebhookFacts {
                        issue_id,
                        short_id,
                        resource: resource.clone(),
                        action: action.clone(),
                        request_id: received.request_id.clone(),
                        rule: None,
                    },
                    note: Some(format!("{resource}.{action} is not notified")),
                    ..Default::default()
                };
                keep_record(outbox, record, WebhookOutcome::Ignored, now).await;
            }
            return Ok(Outcome::Ignored { resource, action });
        }
        Parsed::Installation { action } => return Ok(Outcome::Installation { action }),
    };
    act_on_issue(&alert, outbox, now).await?;
    // A robot chosen in the Sentry rule's settings wins; otherwise the routes decide.
    let targets = routing_choice::targets(&alert, settings);
    let record = record_of(&alert, received, &targets);
    if targets.is_empty() {
        if let Some(mut record) = record {
            record.note = Some(match routing_choice::choose(&alert, settings) {
                routing_choice::Choice::Chosen(_) => {
                    "below the minimum level set in the Sentry rule's settings".into()
                }
                routing_choice::Choice::Routes(_) => {
                    "no route takes it and unmatched = \"drop\"".into()
                }
            });
            keep_record(outbox, record, WebhookOutcome::Dropped, now).await;
        }
        return Ok(Outcome::Dropped);
    }
    let targets = with_people_on_call(targets, settings, outbox, now).await?;
    // A test notification is sent every time it is asked for.
    let identity = if routing_choice::is_test(&alert) {
        Vec::new()
    } else {
        identity
    };
    let items: Vec<Delivery> = targets
        .into_iter()
        .map(|(t, oncall)| {
            // A card robot shows a repeat by updating the issue's card: never suppressed.
            let card = settings.robot(&t.robot).is_some_and(|r| r.card.is_some());
            let mut alert = (*alert).clone();
            alert.oncall = oncall;
            Delivery {
                queued: QueuedAlert {
                    alert,
                    at: t.at,
                    mute: t.mute,
                    storm_exempt: t.storm_exempt,
                },
                repeat: if card { Vec::new() } else { t.repeat },
                escalate: t.escalate,
                robot: t.robot,
            }
        })
        .collect();
    let stored = outbox
        .enqueue(Enqueue {
            identity,
            about: about(&alert),
            items,
            record,
            now,
        })
        .await?;
    Ok(Outcome::Stored(stored))
}

/// What a webhook is about, for dedup (`Enqueue::about`): the issue of an issue webhook, whose
/// same bytes can come again as a real change (assigned back). Events, comments and metric
/// alerts carry their event, comment or incident state: the same bytes are a re-delivery.
fn about(alert: &Alert) -> Option<String> {
    if alert.kind != crate::domain::alert::AlertKind::Issue {
        return None;
    }
    alert.issue_id.as_ref().map(|id| format!("issue:{id}"))
}

/// An alert that says someone acted on its issue (assigned, resolved, ignored in Sentry) ends
/// the issue's escalation ladders, whether or not any route notifies about it. Stored before
/// the webhook is answered: a 202 means the ladders stopped.
async fn act_on_issue(alert: &Alert, outbox: &SharedOutbox, now: i64) -> Result<(), StoreError> {
    let (Some(by), Some(issue)) = (escalation::act_of(alert), escalation::ladder_key(alert)) else {
        return Ok(());
    };
    let ended = outbox.act_on_issue(&issue, &by, now).await?;
    if ended > 0 {
        tracing::info!(issue = %issue, ladders = ended, by = %by, "escalation stopped");
    }
    Ok(())
}

/// The trace record of an alert about an issue; `None` for one that concerns no issue (a
/// metric alert), which the trace, searched by issue, would never show.
fn record_of(alert: &Alert, received: &Received, targets: &[Target]) -> Option<WebhookRecord> {
    if alert.issue_id.is_none() && alert.short_id.is_none() {
        return None;
    }
    let title = alert
        .triggered_rule
        .clone()
        .or_else(|| alert.metric.as_ref().and_then(|m| m.rule.clone()));
    let id = alert
        .rule_choice
        .as_ref()
        .and_then(|c| c.rule_id.clone())
        .or_else(|| alert.metric.as_ref().and_then(|m| m.rule_id.clone()));
    let rule = match (title, id) {
        (Some(t), Some(id)) => Some(format!("{t} (#{id})")),
        (Some(t), None) => Some(t),
        (None, Some(id)) => Some(format!("#{id}")),
        (None, None) => None,
    };
    let resource = if received.resource.is_empty() {
        alert.kind.as_str().to_owned()
    } else {
        received.resource.clone()
    };
    Some(WebhookRecord {
        webhook: WebhookFacts {
            issue_id: alert.issue_id.clone(),
            short_id: alert.short_id.clone(),
            resource,
            action: alert.action.clone(),
            rule,
            request_id: received.request_id.clone(),
        },
        reasons: targets
            .iter()
            .map(|t| (t.robot.clone(), t.reason.clone()))
            .collect(),
        note: None,
    })
}

/// Stores the record of a webhook that queued nothing. Its answer does not depend on it: a
/// record that cannot be written is logged, not turned into an error for Sentry.
async fn keep_record(
    outbox: &SharedOutbox,
    record: WebhookRecord,
    outcome: WebhookOutcome,
    now: i64,
) {
    if let Err(e) = outbox
        .record_webhook(UnqueuedWebhook {
            record,
            outcome,
            now,
        })
        .await
    {
        tracing::warn!(error = %e, outcome = outcome.as_str(), "webhook trace record not stored");
    }
}

/// Each target with whoever its routes' rotas (`mention.oncall`) put on call now: mentioned
/// (by user id, else mobile) and named for the templates (`alert.oncall`). The store's
/// overrides are read only when a target names a rota.
async fn with_people_on_call(
    targets: Vec<Target>,
    settings: &Settings,
    outbox: &SharedOutbox,
    now: i64,
) -> Result<Vec<(Target, Vec<String>)>, StoreError> {
    if targets.iter().all(|t| t.oncall.is_empty()) {
        return Ok(targets.into_iter().map(|t| (t, Vec::new())).collect());
    }
    let overrides = crate::oncall::overrides(outbox, now).await?;
    Ok(targets
        .into_iter()
        .map(|mut t| {
            let names =
                crate::oncall::mention_on_call(settings, &mut t.at, &t.oncall, &overrides, now);
            (t, names)
        })
        .collect())
}
