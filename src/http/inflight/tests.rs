use super::*;
use std::net::Ipv4Addr;

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

fn inflight(total: usize, per_client: usize, bodies: usize) -> Arc<Inflight> {
    let caps = Caps {
        total,
        per_client,
        bodies,
    };
    Arc::new(Inflight::new(caps, &crate::metrics::Metrics::default()))
}

/// Bodies registered in this order (the first is the oldest), from the clients `ip(n)`.
fn bodies<const N: usize>(f: &Arc<Inflight>, clients: [u8; N]) -> [Held; N] {
    clients.map(|n| f.register(ip(n)))
}

/// Bodies registered in this order from the clients `ip(n)`, each taking its bytes (which
/// fit) before the next is registered.
async fn holding<const N: usize>(f: &Arc<Inflight>, taken: [(u8, usize); N]) -> [Held; N] {
    let mut held = Vec::with_capacity(N);
    for (client, bytes) in taken {
        let body = f.register(ip(client));
        assert_eq!(body.take(bytes).await, Ok(()));
        held.push(body);
    }
    held.try_into()
        .unwrap_or_else(|_| unreachable!("one body per entry"))
}

/// A newcomer from the client `ip(client)` takes `bytes` while `victim` is cut off for it: the
/// victim lets go of its bytes when its read sees the cancellation, as a body being read does.
async fn arrive_cutting_off(f: &Arc<Inflight>, client: u8, bytes: usize, victim: Held) -> Held {
    let newcomer = f.register(ip(client));
    let victim = tokio::spawn(async move {
        victim.cut_off().await;
        drop(victim);
    });
    assert_eq!(newcomer.take(bytes).await, Ok(()));
    victim.await.expect("victim");
    newcomer
}

#[tokio::test]
async fn bytes_fit_until_the_cap_and_are_given_back_on_drop() {
    let f = inflight(100, 100, 10);
    let [a, b] = holding(&f, [(1, 60), (2, 40)]).await;
    assert_eq!(f.used(), 100);
    drop(a);
    assert_eq!(f.used(), 40);
    drop(b);
    assert_eq!(f.used(), 0);
}

#[tokio::test]
async fn a_full_budget_cuts_off_the_oldest_body_and_hands_its_room_to_the_newcomer() {
    let f = inflight(100, 100, 10);
    let [oldest, second] = holding(&f, [(1, 50), (2, 50)]).await;
    let _newcomer = arrive_cutting_off(&f, 3, 10, oldest).await;
    assert_eq!(f.used(), 60, "the second body and the newcomer");
    assert!(!second.cancel.is_cancelled(), "only the oldest is cut off");
}

#[tokio::test]
async fn the_oldest_body_cannot_cut_off_younger_ones_and_gets_no_room_after_the_wait() {
    let f = inflight(100, 100, 10);
    let [oldest, young] = bodies(&f, [1, 2]);
    assert_eq!(young.take(100).await, Ok(()));
    assert_eq!(oldest.take(1).await, Err(Refused::NoRoom));
    assert!(!young.cancel.is_cancelled());
    assert_eq!(f.used(), 100);
    drop(young);
    assert_eq!(
        oldest.take(1).await,
        Ok(()),
        "room again once it is given back"
    );
}

#[tokio::test]
async fn a_client_over_its_share_cuts_off_its_own_oldest_body_not_another_clients() {
    let f = inflight(100, 40, 10);
    let [other, own_old] = holding(&f, [(9, 30), (1, 40)]).await;
    let _own_new = arrive_cutting_off(&f, 1, 10, own_old).await;
    assert!(
        !other.cancel.is_cancelled(),
        "the other client keeps its body"
    );
    assert_eq!(f.used(), 40);
}

#[tokio::test]
async fn past_max_bodies_the_oldest_is_cut_off() {
    let f = inflight(100, 100, 2);
    let [a, b, c] = bodies(&f, [1, 2, 3]);
    assert!(a.cancel.is_cancelled(), "the oldest goes");
    assert!(!b.cancel.is_cancelled() && !c.cancel.is_cancelled());
    assert_eq!(a.take(1).await, Err(Refused::Evicted));
    drop(a);
    let _d = f.register(ip(4));
    assert!(b.cancel.is_cancelled());
    let metrics = f.evictions.with_label_values(&["bodies"]).get();
    assert_eq!(metrics, 2);
}

#[tokio::test]
async fn room_freed_goes_to_the_waiting_body_not_to_one_that_comes_later() {
    let f = inflight(100, 100, 10);
    let [oldest] = holding(&f, [(1, 100)]).await;
    let waiter = f.register(ip(2));
    let waiting = {
        let f = f.clone();
        tokio::spawn(async move {
            let got = waiter.take(80).await;
            (got, f.used(), waiter)
        })
    };
    tokio::task::yield_now().await;
    assert!(oldest.cancel.is_cancelled(), "cut off for the waiter");
    // The victim lets go: its room is the waiter's at that moment, before the waiter even
    // runs again, so nothing that asks in between can take it.
    drop(oldest);
    assert_eq!(f.used(), 80);
    let (got, _, waiter) = waiting.await.expect("waiter");
    assert_eq!(got, Ok(()));
    assert_eq!(f.used(), 80);
    drop(waiter);
    assert_eq!(f.used(), 0);
}
