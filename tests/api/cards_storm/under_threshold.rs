//! Storm mode counts what a card robot's steps take, not what they pick: a step takes one
//! issue's alerts (or folds the new issues into the digest card) and leaves the rest waiting,
//! which the next look counts as waiting — counted as taken too, thirty new issues would look
//! like sixty and start a storm under a threshold of fifty.

use super::{is_storm_card, storm_card_app};
use crate::cards_flow::variant;
use crate::fake_openapi::FakeOpenApi;
use crate::helpers::*;
use serde_json::json;
use std::time::Duration;

const ISSUES: usize = 30;

fn new_issue(n: usize) -> Vec<u8> {
    variant("issue-created.json", |v| {
        v["data"]["issue"]["id"] = json!(format!("880{n:04}"));
        v["data"]["issue"]["title"] = json!(format!("UnderStorm{n}: boom"));
    })
}

/// The issues some card shows: one on each issue's own card, and the digest card's count.
fn shown(fake: &FakeOpenApi) -> usize {
    let count = |c: &crate::fake_openapi::Card| c.params["count"].parse::<usize>().unwrap_or(0);
    fake.cards()
        .iter()
        .map(|(_, c)| match c.params["title"].as_str() {
            t if t.starts_with("UnderStorm") => 1,
            t if t.ends_with("个新问题") => count(c),
            _ => 0,
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_new_issues_at_once_under_a_threshold_of_fifty_are_no_storm() {
    let fake = FakeOpenApi::start(7200).await;
    // The first card's create is under way while the others arrive: the next pick finds
    // them all waiting at once, however loaded the machine.
    fake.set_delay(Duration::from_secs(3));
    let app = storm_card_app(&fake).await;
    for n in 0..ISSUES {
        let r = app.post_signed("issue", &new_issue(n)).await;
        assert_eq!(r.status().as_u16(), 202);
    }
    fake.set_delay(Duration::ZERO);
    let settled = poll(WAIT, || {
        shown(&fake) == ISSUES || fake.cards().iter().any(|(_, c)| is_storm_card(c))
    })
    .await;
    let titles: Vec<String> = fake
        .cards()
        .iter()
        .map(|(_, c)| format!("{} ×{}", c.params["title"], c.params["count"]))
        .collect();
    assert!(settled, "cards: {titles:?}");
    assert!(
        !fake.cards().iter().any(|(_, c)| is_storm_card(c)),
        "no storm for {ISSUES} alerts: {titles:?}"
    );
    assert_eq!(shown(&fake), ISSUES, "every issue on a card: {titles:?}");
}
