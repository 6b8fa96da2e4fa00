//! Wrong admin tokens, counted per client address: each wrong guess is answered a little
//! later than the last, and after `MAX_FAILURES` in `WINDOW` the address is refused (429 with
//! `Retry-After`) for a lockout that doubles each time, up to `MAX_LOCK`. While locked out
//! even the right token is refused: otherwise the answers would still tell a guess apart.
//!
//! The address is the TCP peer, or the client a `TRUSTED_PROXIES` peer names in
//! `X-Forwarded-For` (which any other client could write); behind a proxy not listed there,
//! every client shares the proxy's address and its lockout.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(60);
pub const FIRST_LOCK: Duration = Duration::from_secs(30);
pub const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// Added to the answer of each wrong guess after the first in the window.
const SLOWDOWN_STEP: Duration = Duration::from_millis(250);
/// A bound on the table, so a flood of addresses cannot grow it without end.
const MAX_CLIENTS: usize = 10_000;
/// While the table is full, every address not in it is counted as this one (no client has
/// it): a flood of addresses then shares one count and one lockout, instead of guessing
/// uncounted (one wrong guess from each of 10,000 addresses opened unlimited guessing).
const OVERFLOW: IpAddr = IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED);

#[derive(Default)]
struct Client {
    failures: VecDeque<Instant>,
    locked_until: Option<Instant>,
    lockouts: u32,
    last_seen: Option<Instant>,
}

#[derive(Default)]
pub struct LoginLimiter {
    clients: Mutex<HashMap<IpAddr, Client>>,
}

impl LoginLimiter {
    /// `Err(retry after)` while the address is locked out.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let counted_as = if clients.contains_key(&ip) || clients.len() < MAX_CLIENTS {
            ip
        } else {
            OVERFLOW
        };
        match clients.get(&counted_as).and_then(|c| c.locked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Records a wrong token; returns how long to hold the answer back.
    pub fn failed(&self, ip: IpAddr, now: Instant) -> Duration {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let mut ip = ip;
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&ip) {
            clients.retain(|_, c| c.active(now));
            if clients.len() >= MAX_CLIENTS {
                ip = OVERFLOW;
            }
        }
        let client = clients.entry(ip).or_default();
        client.last_seen = Some(now);
        while client
            .failures
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            client.failures.pop_front();
        }
        client.failures.push_back(now);
        let count = client.failures.len();
        if count >= MAX_FAILURES {
            let lock = FIRST_LOCK
                .saturating_mul(2u32.saturating_pow(client.lockouts))
                .min(MAX_LOCK);
            client.locked_until = Some(now + lock);
            client.lockouts = client.lockouts.saturating_add(1);
            client.failures.clear();
        }
        SLOWDOWN_STEP * (count.saturating_sub(1).min(MAX_FAILURES)) as u32
    }

    /// The right token: the address starts afresh.
    pub fn succeeded(&self, ip: IpAddr) {
        self.clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&ip);
    }
}

impl Client {
    /// Worth remembering: locked out, or wrong guesses still inside the window, or a lockout
    /// recent enough that the next one should be longer.
    fn active(&self, now: Instant) -> bool {
        self.locked_until.is_some_and(|t| t > now)
            || self
                .last_seen
                .is_some_and(|t| now.duration_since(t) < MAX_LOCK)
    }
}

#[cfg(test)]
mod tests {
    use super::super::client_addr::block;
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn wrong_guesses_are_slowed_then_locked_out_for_longer_each_time() {
        let limiter = LoginLimiter::default();
        let t0 = Instant::now();
        let delays: Vec<_> = (0..4).map(|_| limiter.failed(A, t0)).collect();
        assert_eq!(delays[0], Duration::ZERO, "a first typo is not slowed");
        assert!(delays.windows(2).all(|w| w[1] > w[0]), "{delays:?}");
        assert!(
            limiter.check(A, t0).is_ok(),
            "four wrong guesses are allowed"
        );
        limiter.failed(A, t0);
        assert_eq!(limiter.check(A, t0), Err(FIRST_LOCK));
        assert!(limiter.check(B, t0).is_ok(), "per address");

        let t1 = t0 + FIRST_LOCK;
        assert!(limiter.check(A, t1).is_ok(), "the lockout ends");
        for _ in 0..MAX_FAILURES {
            limiter.failed(A, t1);
        }
        assert_eq!(limiter.check(A, t1), Err(FIRST_LOCK * 2), "and grows");

        let mut t = t1;
        for _ in 0..10 {
            t += MAX_LOCK;
            for _ in 0..MAX_FAILURES {
                limiter.failed(A, t);
            }
        }
        assert_eq!(limiter.check(A, t), Err(MAX_LOCK), "up to a cap");
        limiter.succeeded(A);
        assert!(limiter.check(A, t).is_ok());
    }

    #[test]
    fn rotating_ipv6_addresses_inside_a_64_block_is_one_client() {
        let ip = |s: &str| block(s.parse().expect("address"));
        // Rotating inside the block: one client, locked out after MAX_FAILURES.
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for i in 1..=MAX_FAILURES {
            limiter.failed(ip(&format!("2001:db8:1:2::{i:x}")), now);
        }
        assert!(limiter.check(ip("2001:db8:1:2::99"), now).is_err());
        assert!(limiter.check(ip("2001:db8:1:3::1"), now).is_ok());
    }

    /// One wrong guess from each of `MAX_CLIENTS` addresses fills the table; the addresses
    /// after them share one count, so they cannot go on guessing uncounted.
    #[test]
    fn a_flood_of_addresses_past_the_table_shares_one_lockout() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        let v4 = |i: u32| IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
        for i in 0..MAX_CLIENTS as u32 {
            limiter.failed(v4(i), now);
        }
        let late = (0..MAX_FAILURES as u32).map(|i| v4(1_000_000 + i));
        for ip in late {
            assert!(limiter.check(ip, now).is_ok());
            limiter.failed(ip, now);
        }
        assert_eq!(limiter.check(v4(2_000_000), now), Err(FIRST_LOCK));
        assert!(
            limiter.check(v4(0), now).is_ok(),
            "a counted address has its own"
        );
        // Once the flood's entries age out, a new address has its own count again.
        let later = now + MAX_LOCK + WINDOW;
        limiter.failed(v4(3_000_000), later);
        assert!(limiter.check(v4(3_000_001), later).is_ok());
    }

    #[test]
    fn guesses_spread_over_more_than_a_minute_are_not_locked_out() {
        let limiter = LoginLimiter::default();
        let mut t = Instant::now();
        for _ in 0..20 {
            limiter.failed(A, t);
            t += WINDOW / 4;
        }
        assert!(limiter.check(A, t).is_ok());
    }
}
