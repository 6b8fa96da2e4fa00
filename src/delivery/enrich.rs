//! Completing issue and comment alerts from the Sentry API, in the worker (never the webhook
//! handler), within a short deadline: a slow or failing API delays an alert by seconds at
//! most and never loses it. A storm's end asks the API which of its issues are still
//! unresolved.

use crate::domain::alert::{Alert, AlertKind};
use crate::domain::storm::StormTally;
use crate::metrics::Metrics;
use crate::sentry::api::{ApiError, SentryApi};
use crate::sentry::api_event;
use std::time::{Duration, Instant};

/// The most a message waits for enrichment.
pub const DEADLINE: Duration = Duration::from_secs(5);
/// A batch needs titles and links only; this many alerts are completed per message.
const MAX_PER_MESSAGE: usize = 20;

pub async fn enrich_batch(api: &SentryApi, metrics: &Metrics, alerts: &mut [Alert]) {
    let end = Instant::now() + DEADLINE;
    let wanted = alerts.iter_mut().filter(|a| {
        matches!(a.kind, AlertKind::Issue | AlertKind::Comment) && a.issue_id.is_some()
    });
    for alert in wanted.take(MAX_PER_MESSAGE) {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            tracing::warn!(
                "enrichment deadline reached; sending the rest as the webhook gave them"
            );
            return;
        }
        let Some(id) = alert.issue_id.clone() else {
            continue;
        };
        let fetched = tokio::time::timeout(left, async {
            let issue = api.issue(&id).await;
            count(metrics, &issue);
            // The event matters less than the issue; a missing one still enriches.
            let event = if issue.is_ok() {
                api.latest_event(&id).await
            } else {
                Err(ApiError::Status(0))
            };
            if issue.is_ok() {
                count(metrics, &event);
            }
            (issue, event)
        })
        .await;
        match fetched {
            Ok((Ok(issue), event)) => api_event::enrich(alert, Some(&issue), event.as_ref().ok()),
            Ok((Err(e), _)) => {
                tracing::warn!(issue_id = %id, error = %e, "enrichment failed; sending without it")
            }
            Err(_) => tracing::warn!(issue_id = %id, "enrichment timed out; sending without it"),
        }
    }
}

fn count<T>(metrics: &Metrics, r: &Result<T, ApiError>) {
    let label = match r {
        Ok(_) => "ok",
        Err(ApiError::RateLimited { .. }) => "rate_limited",
        Err(ApiError::Unauthorized(_)) => "unauthorized",
        Err(_) => "error",
    };
    metrics.api_requests.with_label_values(&[label]).inc();
}

/// A storm's end message lists the issues still unresolved; the webhooks tell only of the
/// resolves Sentry sent an issue webhook for, so this many of its issues (most alerts
/// first) are asked of the API as well.
const MAX_STATUS_CHECKS: usize = 50;

/// Marks the storm's issues that Sentry says are no longer `unresolved` (resolved, archived)
/// as resolved, within the enrichment deadline; an issue the API cannot tell about keeps what
/// the webhooks said.
pub async fn settle_storm_issues(api: &SentryApi, metrics: &Metrics, tally: &mut StormTally) {
    let end = Instant::now() + DEADLINE;
    let asked = tally.issues.iter_mut().filter(|i| !i.resolved);
    for issue in asked.take(MAX_STATUS_CHECKS) {
        let Some(id) = issue.latest.issue_id.clone() else {
            continue;
        };
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            tracing::warn!("issue status deadline reached; the rest as the webhooks told");
            return;
        }
        match tokio::time::timeout(left, api.issue(&id)).await {
            Ok(answer) => {
                count(metrics, &answer);
                match answer {
                    Ok(v) => match v.get("status").and_then(|s| s.as_str()) {
                        Some(status) => issue.resolved = status != "unresolved",
                        None => tracing::warn!(issue_id = %id, "the issue has no status"),
                    },
                    Err(e) => {
                        tracing::warn!(issue_id = %id, error = %e, "issue status unknown; as the webhooks told")
                    }
                }
            }
            Err(_) => tracing::warn!(issue_id = %id, "issue status timed out"),
        }
    }
}
