//! One send of a stored message and the record of what DingTalk answered.

use super::retry;
use super::worker::RobotWorker;
use crate::clock::now_ms;
use crate::dingtalk::SendOutcome;
use crate::outbox::{Lease, MessageRow, Retry, StoreError};
use tracing::{error, info, warn};

impl RobotWorker {
    pub(super) async fn attempt(
        &mut self,
        lease: &Lease,
        msg: MessageRow,
    ) -> Result<(), StoreError> {
        let outbox = self.deps.outbox.clone();
        let started = now_ms();
        outbox.record_attempt(lease, msg.id, started).await?;
        self.renew_before_send(lease).await?;
        // Counted, committed, before the request goes out: an attempt cut off by `kill -9` or a
        // lost lease may well have reached DingTalk, and the next sender's budget must see it.
        outbox.count_attempt(lease, msg.id, started).await?;
        let attempt = msg.attempts + 1;
        let outcome = match &self.robot.webhook {
            Some(webhook) => {
                self.deps
                    .client
                    .send(webhook, self.robot.secret.as_ref(), &msg.body)
                    .await
            }
            None => {
                info!(robot = %self.robot.name, delivery_id = msg.id, message = %msg.body, "no DINGTALK_WEBHOOK set; message written to the log");
                SendOutcome::Sent
            }
        };
        let now = now_ms();
        // DingTalk counts a message when it receives it, somewhere between `started` and now;
        // counting it at the later end keeps every rolling minute of DingTalk's within budget.
        self.limiter.record(now);
        outbox.record_attempt_end(lease, msg.id, now).await?;
        let elapsed_ms = now - started;
        let robot = self.robot.name.as_str();
        let metrics = &self.deps.metrics;
        metrics
            .deliveries
            .with_label_values(&[robot, outcome.label()])
            .inc();
        if self.robot.webhook.is_some() {
            metrics
                .request_duration
                .with_label_values(&[robot])
                .observe(elapsed_ms as f64 / 1000.0);
        }
        info!(
            robot,
            delivery_id = msg.id,
            attempt,
            alerts = msg.alert_count,
            outcome = outcome.label(),
            elapsed_ms,
            "delivery attempt"
        );
        match outcome {
            SendOutcome::Sent => {
                outbox.mark_sent(lease, msg.id, now).await?;
                self.last_message_at = Some(now);
            }
            SendOutcome::Retryable(reason) if retry::expired(&self.retry, msg.created_at, now) => {
                error!(robot, delivery_id = msg.id, attempt, %reason, "giving up: message older than max_age");
                let why = format!("expired after {attempt} attempts: {reason}");
                outbox.mark_dead(lease, msg.id, &why).await?;
            }
            SendOutcome::Retryable(reason) => {
                let next = now + retry::backoff_ms(&self.retry, attempt);
                warn!(robot, delivery_id = msg.id, attempt, %reason, retry_in_ms = next - now, "send failed; will retry");
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
            SendOutcome::Throttled(reason) => {
                metrics.throttle_pauses.with_label_values(&[robot]).inc();
                let until = now + self.robot.throttle_pause.as_millis() as i64;
                warn!(robot, delivery_id = msg.id, %reason, pause_ms = until - now, "DingTalk throttled the robot; pausing it");
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
            SendOutcome::Permanent(reason) => {
                error!(robot, delivery_id = msg.id, attempt, %reason, "DingTalk refused the message; it is dead (see `outbox list --state dead`)");
                outbox.mark_dead(lease, msg.id, &reason).await?;
            }
        }
        Ok(())
    }
}
