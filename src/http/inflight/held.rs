//! A body's side of the budget: taking bytes, waiting for room, giving everything back.

use super::victims::victims;
use super::{Inflight, ROOM_WAIT, Refused, Waiting};
use std::net::IpAddr;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// One body's registration and the bytes it holds; everything is given back on drop.
pub struct Held {
    pub(super) inflight: Arc<Inflight>,
    pub(super) id: u64,
    pub(super) client: IpAddr,
    pub(super) cancel: CancellationToken,
}

impl Held {
    /// Cancelled when this body is cut off to make room for others.
    pub fn cut_off(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.cancel.cancelled()
    }

    /// Takes `need` more bytes: at once when they fit and nobody waits before, else after the
    /// oldest bodies are cut off for them, within [`ROOM_WAIT`].
    pub async fn take(&self, need: usize) -> Result<(), Refused> {
        let inflight = &self.inflight;
        let granted = {
            let mut state = inflight.lock();
            if self.cancel.is_cancelled() {
                return Err(Refused::Evicted);
            }
            if state.waiting.is_empty() && inflight.fits(&state, self.client, need) {
                Inflight::charge(&mut state, self.id, self.client, need);
                return Ok(());
            }
            let victims = victims(&inflight.caps, &state, self.id, self.client, need);
            inflight.cut_off(&mut state, &victims);
            let (grant, granted) = oneshot::channel();
            state.waiting.push_back(Waiting {
                id: self.id,
                client: self.client,
                need,
                grant,
            });
            inflight.serve_waiting(&mut state);
            granted
        };
        let outcome = tokio::select! {
            got = granted => got.map_err(|_| Refused::Evicted),
            () = self.cancel.cancelled() => Err(Refused::Evicted),
            () = tokio::time::sleep(ROOM_WAIT) => Err(Refused::NoRoom),
        };
        if outcome.is_ok() {
            return Ok(());
        }
        // Granted at the last moment? Then the bytes are charged to this body: keep them.
        let mut state = inflight.lock();
        let was_waiting = state.waiting.len();
        state.waiting.retain(|w| w.id != self.id);
        let still_waiting = state.waiting.len() != was_waiting;
        inflight.serve_waiting(&mut state);
        match outcome {
            Err(Refused::NoRoom) if !still_waiting && !self.cancel.is_cancelled() => Ok(()),
            other => other,
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.inflight.release(self.id);
    }
}
