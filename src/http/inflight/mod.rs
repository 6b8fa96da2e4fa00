//! The request bodies being received right now, and the memory they share.
//!
//! Every body being read is registered here with its client's address. Its bytes come out of
//! one budget (`INFLIGHT_BODY_LIMIT_BYTES`), of which one client address holds at most a
//! share, and at most `max_bodies` bodies are read at once (each holds a connection).
//!
//! Refusing a chunk that does not fit (503 at once) let anyone lock Sentry out: a hundred
//! stalled 4 MiB uploads filled the budget and every webhook after them was refused, and
//! Sentry never retries. Waiting for room alone loses the race against an attacker who
//! refills it. So room is *made*: the body that has been in flight longest (older than the
//! one asking) is cut off — its read is cancelled and answered 503 — and its bytes go to the
//! bodies waiting for room, first come first served, for at most [`ROOM_WAIT`]. A client over
//! its share cuts its own oldest body first. Sentry's webhooks are small and arrive in
//! milliseconds, so they are never the oldest; a stalled upload soon is.

use prometheus::{IntCounterVec, IntGauge};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// How long a chunk waits for room once bodies have been cut off for it, well inside
/// Sentry's 1 s.
pub const ROOM_WAIT: Duration = Duration::from_millis(500);
/// At most one warning about cut-off bodies per this long; the rest are counted in it.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// The limits, fixed at start.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Bytes of all bodies together (`INFLIGHT_BODY_LIMIT_BYTES`).
    pub total: usize,
    /// Bytes of one client address's bodies together.
    pub per_client: usize,
    /// Bodies being read at once.
    pub bodies: usize,
}

impl Caps {
    /// One address gets a quarter of the budget, and never less than one whole body.
    pub fn new(total: usize, body_limit: usize, bodies: usize) -> Self {
        Self {
            total,
            per_client: (total / 4).max(body_limit).min(total),
            bodies: bodies.max(1),
        }
    }
}

/// Why a body was cut off: the `reason` label of `body_evictions_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The whole budget was taken.
    Budget,
    /// Its client address held its whole share.
    ClientShare,
    /// `max_bodies` bodies were being read.
    Bodies,
}

impl Reason {
    pub fn label(self) -> &'static str {
        match self {
            Self::Budget => "budget",
            Self::ClientShare => "client_share",
            Self::Bodies => "bodies",
        }
    }
}

/// Why a chunk was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// This body was cut off to make room for others.
    Evicted,
    /// No room came free within [`ROOM_WAIT`].
    NoRoom,
}

struct Body {
    client: IpAddr,
    bytes: usize,
    started: Instant,
    evicted: bool,
    cancel: CancellationToken,
}

struct Waiting {
    id: u64,
    client: IpAddr,
    need: usize,
    grant: oneshot::Sender<()>,
}

#[derive(Default)]
struct State {
    used: usize,
    next_id: u64,
    /// By id, which is the order they started in: the first is the oldest.
    bodies: BTreeMap<u64, Body>,
    per_client: HashMap<IpAddr, usize>,
    waiting: VecDeque<Waiting>,
    /// Evictions since the last warning, for the next one.
    unreported: u64,
    last_warning: Option<Instant>,
}

pub struct Inflight {
    caps: Caps,
    state: Mutex<State>,
    evictions: IntCounterVec,
    bodies_gauge: IntGauge,
}

impl Inflight {
    pub fn new(caps: Caps, metrics: &crate::metrics::Metrics) -> Self {
        Self {
            caps,
            state: Mutex::default(),
            evictions: metrics.body_evictions.clone(),
            bodies_gauge: metrics.inflight_bodies.clone(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes held by the bodies being read.
    pub fn used(&self) -> usize {
        self.lock().used
    }

    /// A new body from `client`; past `max_bodies`, the oldest one being read is cut off.
    pub fn register(self: &Arc<Self>, client: IpAddr) -> Held {
        let mut state = self.lock();
        let mut cut = Vec::new();
        let reading = state.bodies.values().filter(|b| !b.evicted).count();
        if reading >= self.caps.bodies
            && let Some((oldest, _)) = state.bodies.iter().find(|(_, b)| !b.evicted)
        {
            cut.push((*oldest, Reason::Bodies));
        }
        let id = state.next_id;
        state.next_id += 1;
        let cancel = CancellationToken::new();
        state.bodies.insert(
            id,
            Body {
                client,
                bytes: 0,
                started: Instant::now(),
                evicted: false,
                cancel: cancel.clone(),
            },
        );
        self.bodies_gauge.set(state.bodies.len() as i64);
        self.cut_off(&mut state, &cut);
        Held {
            inflight: self.clone(),
            id,
            client,
            cancel,
        }
    }

    /// Marks `victims` cut off and cancels their reads; their bytes stay counted until their
    /// requests let go of them.
    fn cut_off(&self, state: &mut State, victims: &[(u64, Reason)]) {
        if victims.is_empty() {
            return;
        }
        let now = Instant::now();
        for (id, reason) in victims {
            if let Some(body) = state.bodies.get_mut(id) {
                body.evicted = true;
                body.cancel.cancel();
                self.evictions.with_label_values(&[reason.label()]).inc();
                state.unreported += 1;
            }
        }
        if state
            .last_warning
            .is_none_or(|t| now.duration_since(t) >= WARN_EVERY)
        {
            let (id, reason) = victims[0];
            let (client, bytes, age) = state.bodies.get(&id).map_or_else(Default::default, |b| {
                (b.client.to_string(), b.bytes, now.duration_since(b.started))
            });
            tracing::warn!(
                reason = reason.label(),
                client,
                bytes,
                age_ms = age.as_millis() as u64,
                cut_off = state.unreported,
                used = state.used,
                limit = self.caps.total,
                "request bodies cut off to make room (the longest in flight go first)"
            );
            state.unreported = 0;
            state.last_warning = Some(now);
        }
    }

    fn fits(&self, state: &State, client: IpAddr, need: usize) -> bool {
        state.used + need <= self.caps.total
            && state.per_client.get(&client).copied().unwrap_or(0) + need <= self.caps.per_client
    }

    fn charge(state: &mut State, id: u64, client: IpAddr, need: usize) {
        if let Some(body) = state.bodies.get_mut(&id) {
            body.bytes += need;
            state.used += need;
            *state.per_client.entry(client).or_default() += need;
        }
    }

    /// Gives the room there is to the bodies waiting for it, in the order they asked; one
    /// whose client is over its share does not hold up the others.
    fn serve_waiting(&self, state: &mut State) {
        let mut i = 0;
        while let Some(w) = state.waiting.get(i) {
            let gone = state.bodies.get(&w.id).is_none_or(|b| b.evicted);
            if gone {
                state.waiting.remove(i);
                continue;
            }
            if state.used + w.need > self.caps.total {
                break;
            }
            if !self.fits(state, w.client, w.need) {
                i += 1;
                continue;
            }
            if let Some(w) = state.waiting.remove(i) {
                Self::charge(state, w.id, w.client, w.need);
                let _ = w.grant.send(());
            }
        }
    }

    fn release(&self, id: u64) {
        let mut state = self.lock();
        state.waiting.retain(|w| w.id != id);
        if let Some(body) = state.bodies.remove(&id) {
            state.used -= body.bytes;
            if let Some(held) = state.per_client.get_mut(&body.client) {
                *held -= body.bytes;
                if *held == 0 {
                    state.per_client.remove(&body.client);
                }
            }
        }
        self.bodies_gauge.set(state.bodies.len() as i64);
        self.serve_waiting(&mut state);
    }
}

mod held;
mod victims;
pub use held::Held;

#[cfg(test)]
mod tests;
