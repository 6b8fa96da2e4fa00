//! A short message to a robot's group after an action from the chat (who silenced or claimed
//! what): queued through the outbox like any other, so the robot's budget applies.

use super::AppState;
use crate::dingtalk::Message;
use crate::domain::mention::Mentions;
use crate::outbox::NewMessage;
use crate::render::{Envelope, Renderer};
use tracing::warn;

/// Queues the message `render` makes for `robot`'s group and wakes its sender; a robot no
/// longer configured gets nothing.
pub async fn tell(
    state: &AppState,
    robot: &str,
    render: impl FnOnce(&Renderer, &Envelope) -> Message,
) {
    let active = state.live.get();
    let Some(config) = active.settings.robot(robot) else {
        return;
    };
    let env = Envelope {
        at: Mentions::default(),
        keyword: config.keyword.clone(),
        msg_uuid: uuid::Uuid::new_v4().to_string(),
        buttons: Vec::new(),
    };
    let message = render(&active.renderer, &env);
    let body = message.to_json();
    let new = NewMessage {
        body: &body,
        msg_uuid: &message.msg_uuid,
        now: crate::clock::now_ms(),
    };
    match state.outbox.queue_message(robot, new).await {
        Ok(_) => state.wakers.wake(robot),
        Err(e) => warn!(error = %e, "the group could not be told of the chat action"),
    }
}
