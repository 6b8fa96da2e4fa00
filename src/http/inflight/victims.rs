//! Which bodies to cut off to make room: the policy of the budget, over its state as it is.

use super::{Caps, Reason, State};
use std::net::IpAddr;

/// The bodies to cut off so that `need` more bytes for body `me` fit once they are gone:
/// first the client's own oldest while it is over its share, then the oldest overall.
pub(super) fn victims(
    caps: &Caps,
    state: &State,
    me: u64,
    client: IpAddr,
    need: usize,
) -> Vec<(u64, Reason)> {
    let queued = |of: Option<IpAddr>| -> usize {
        state
            .waiting
            .iter()
            .filter(|w| of.is_none_or(|c| c == w.client))
            .map(|w| w.need)
            .sum()
    };
    let leaving = |of: Option<IpAddr>| -> usize {
        state
            .bodies
            .values()
            .filter(|b| b.evicted && of.is_none_or(|c| c == b.client))
            .map(|b| b.bytes)
            .sum()
    };
    let client_used = state.per_client.get(&client).copied().unwrap_or(0);
    let mut client_short = (client_used + queued(Some(client)) + need)
        .saturating_sub(caps.per_client + leaving(Some(client)));
    let mut short = (state.used + queued(None) + need).saturating_sub(caps.total + leaving(None));
    let mut cut = Vec::new();
    let older = state
        .bodies
        .range(..me)
        .filter(|(_, b)| !b.evicted && b.bytes > 0);
    for (id, body) in older.clone().filter(|(_, b)| b.client == client) {
        if client_short == 0 {
            break;
        }
        client_short = client_short.saturating_sub(body.bytes);
        short = short.saturating_sub(body.bytes);
        cut.push((*id, Reason::ClientShare));
    }
    for (id, body) in older {
        if short == 0 {
            break;
        }
        if cut.iter().any(|(c, _)| c == id) {
            continue;
        }
        short = short.saturating_sub(body.bytes);
        cut.push((*id, Reason::Budget));
    }
    cut
}
