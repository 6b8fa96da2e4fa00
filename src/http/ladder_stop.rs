//! Acting from the chat (a link or a card button: resolve, ignore, claim, silence) ends the
//! issue's escalation ladders, as the same act in Sentry does (`intake::act_on_issue`).

use crate::clock::now_ms;
use crate::outbox::SharedOutbox;
use tracing::{info, warn};

/// Ends the open ladders of `issue` (a Sentry issue id, or `incident:ID`); `by` says how, for
/// the trace. The action itself is done by then: a store that cannot record the stop is
/// logged, and the next step finds the issue acted on when Sentry's webhook comes.
pub async fn acted(outbox: &SharedOutbox, issue: &str, by: &str) {
    match outbox.act_on_issue(issue, by, now_ms()).await {
        Ok(0) => {}
        Ok(n) => info!(issue = %issue, ladders = n, by = %by, "escalation stopped"),
        Err(e) => warn!(issue = %issue, error = %e, "escalation stop not stored"),
    }
}
