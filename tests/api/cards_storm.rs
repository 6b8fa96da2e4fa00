//! A storm at a card robot: one storm card, created once and updated in place by each summary
//! until it ends resolved — not a digest card per minute — against the strict fake open API.

use crate::cards_flow::CALLBACK_SECRET;
use crate::fake_openapi::{Card, FakeOpenApi, card_robot_entry};
use crate::helpers::*;
use crate::storms::post_one;
use sentry_dingtalk::outbox::MessageState;
use std::time::Duration;

const ROBOT: &str = "storm-cards";
const ALERTS: usize = 600;

fn is_storm_card(card: &Card) -> bool {
    let title = card.params.get("title").map_or("", String::as_str);
    title.contains("告警风暴") || title.contains("风暴结束")
}

async fn storm_card_app(fake: &FakeOpenApi) -> TestApp {
    let api = fake.url.clone();
    spawn_app_with(move |s| {
        s.dingtalk_api_url = api;
        let storm = "storm_threshold = 50\nstorm_quiet = \"3s\"\nstorm_interval = \"3s\"";
        let entry = card_robot_entry(ROBOT, CALLBACK_SECRET, storm);
        let text = format!("{entry}\n[[routes]]\nrobots = [\"{ROBOT}\"]\n");
        let dir = tempfile::tempdir().expect("tmp").keep();
        with_config_file(s, &dir, &text);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_robots_storm_is_one_card_updated_in_place_until_it_ends() {
    let fake = FakeOpenApi::start(7200).await;
    let app = storm_card_app(&fake).await;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..4 {
        let (http, address) = (app.http.clone(), app.address.clone());
        tasks.spawn(async move {
            let mut ok = 0;
            for n in (worker..ALERTS).step_by(4) {
                ok += usize::from(post_one(&http, &address, n).await);
            }
            ok
        });
    }
    let mut accepted = 0;
    while let Some(done) = tasks.join_next().await {
        accepted += done.expect("poster");
    }
    assert_eq!(accepted, ALERTS, "every alert accepted");
    let ended = poll(Duration::from_secs(40), || {
        fake.cards().iter().any(|(_, c)| {
            is_storm_card(c) && c.params.get("status").map(String::as_str) == Some("resolved")
        })
    })
    .await;
    let cards = fake.cards();
    let titles: Vec<String> = cards
        .iter()
        .map(|(_, c)| format!("{} ×{}", c.params["title"], c.params["count"]))
        .collect();
    assert!(ended, "the storm card never ended: {titles:?}");
    let storm_cards: Vec<&Card> = cards
        .iter()
        .map(|(_, c)| c)
        .filter(|c| is_storm_card(c))
        .collect();
    assert_eq!(storm_cards.len(), 1, "one storm card: {titles:?}");
    let storm = storm_cards[0];
    assert!(storm.updates >= 1, "updated in place, not posted again");
    assert!(
        storm.params["markdown"].contains("风暴结束"),
        "the end shows on the same card: {}",
        storm.params["markdown"]
    );
    // The storm card told the storm; nothing else piled up in the chat meanwhile.
    let creates = fake
        .log()
        .iter()
        .filter(|r| r.path.ends_with("createAndDeliver") && r.status == 200)
        .count();
    assert_eq!(creates, cards.len(), "each card created once");
    assert!(
        cards.len() < 20,
        "{} cards for {ALERTS} alerts: {titles:?}",
        cards.len()
    );
    let dead = app.messages(Some(MessageState::Dead)).await;
    assert!(dead.is_empty(), "no operation died: {dead:?}");
    let told: usize = storm.params["count"].parse().expect("a count");
    assert!(told > 0 && told <= ALERTS, "the storm card counts {told}");
}
