//! A storm at a card robot: one storm card, created once and updated in place by each summary
//! until it ends resolved — not a digest card per minute — against the strict fake open API;
//! and the same card, ended once, when the relay is killed (`kill -9`) in the middle of it.

mod under_threshold;

use crate::cards_flow::CALLBACK_SECRET;
use crate::fake_openapi::{Card, FakeOpenApi, card_robot_entry};
use crate::fake_robot::FakeRobot;
use crate::helpers::*;
use crate::storm_kill::{ADMIN, post_range, storm_total};
use crate::storms::post_one;
use sentry_dingtalk::outbox::MessageState;
use std::path::Path;
use std::time::Duration;

pub const ROBOT: &str = "storm-cards";
const ALERTS: usize = 600;

pub fn is_storm_card(card: &Card) -> bool {
    let title = card.params.get("title").map_or("", String::as_str);
    title.contains("告警风暴") || title.contains("风暴结束")
}

pub async fn storm_card_app(fake: &FakeOpenApi) -> TestApp {
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
    assert_eq!(fake.cards_created(), cards.len(), "each card created once");
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

/// A card robot `ROBOT` with a quick storm, the only route's; every alert counts.
pub fn card_storm_config() -> String {
    // Quiet for 10 s: a kill and a restart of a debug build on a loaded machine may take 3 s,
    // and the storm must not end in between.
    let storm = "storm_threshold = 50\nstorm_quiet = \"10s\"\nstorm_interval = \"3s\"";
    let entry = card_robot_entry(ROBOT, CALLBACK_SECRET, storm);
    format!("{entry}\n[[routes]]\nrobots = [\"{ROBOT}\"]\nrepeat_interval = \"0s\"\n")
}

fn storm_card(fake: &FakeOpenApi) -> Option<Card> {
    fake.cards().into_iter().map(|(_, c)| c).find(is_storm_card)
}

/// Waits until the storm card exists.
pub async fn wait_storm_card(fake: &FakeOpenApi) {
    let made = poll(WAIT, || storm_card(fake).is_some()).await;
    assert!(made, "the storm card: {:?}", fake.cards());
}

/// Once the storm card ended: it was the only one, made once and updated to its end; its count
/// is the store's (the storm page at `base`, storm 1), and with the cards before it every one of
/// `alerts` alerts is counted once; no card operation died.
pub async fn assert_one_storm_card(fake: &FakeOpenApi, base: &str, alerts: usize) {
    let resolved = |c: &Card| c.params.get("status").map(String::as_str) == Some("resolved");
    let ended = poll(Duration::from_secs(60), || {
        storm_card(fake).is_some_and(|c| resolved(&c))
    })
    .await;
    let cards: Vec<Card> = fake.cards().into_iter().map(|(_, c)| c).collect();
    let titles: Vec<String> = cards
        .iter()
        .map(|c| format!("{} ×{}", c.params["title"], c.params["count"]))
        .collect();
    assert!(ended, "the storm card never ended: {titles:?}");
    let (storms, before): (Vec<&Card>, Vec<&Card>) = cards.iter().partition(|c| is_storm_card(c));
    assert_eq!(storms.len(), 1, "one storm card: {titles:?}");
    assert_eq!(fake.cards_created(), cards.len(), "each card created once");
    let storm = storms[0];
    assert!(
        storm.params["markdown"].contains("风暴结束"),
        "ended on the same card"
    );
    let total = storm_total(base, 1).await;
    assert_eq!(storm.params["count"], total.to_string(), "the card's count");
    let counted: usize = before
        .iter()
        .map(|c| c.params["count"].parse::<usize>().expect("a count"))
        .sum();
    assert_eq!(
        counted + total,
        alerts,
        "every alert counted once: {titles:?}"
    );
    let url = format!("{base}/api/messages?state=dead");
    let http = reqwest::Client::new();
    let (status, dead) = api_at(&http, url, ADMIN, reqwest::Method::GET, None).await;
    assert_eq!(
        (status, dead),
        (200, serde_json::json!([])),
        "no operation died"
    );
}

/// `serve` as a child process with [`card_storm_config`], the fake open API as DingTalk's,
/// once it is healthy.
async fn start_card_storm(robot: &FakeRobot, fake: &FakeOpenApi, data: &Path) -> (Relay, String) {
    let config = data.join("cards.toml");
    std::fs::create_dir_all(data).expect("dir");
    std::fs::write(&config, card_storm_config()).expect("config");
    let vars = [
        ("CONFIG_FILE", config.to_str().expect("utf-8")),
        ("DINGTALK_API_URL", fake.url.as_str()),
        ("ADMIN_TOKEN", ADMIN),
    ];
    start_relay(robot, data, &vars).await
}

/// A card robot's storm survives `kill -9` of its relay: the restarted relay goes on with the
/// same storm card — updated in place, never a second one — ends it once, and every alert is
/// counted once, before the storm or in it.
#[tokio::test]
async fn a_card_storm_goes_on_across_a_kill_and_ends_on_the_same_card() {
    let robot = FakeRobot::start(Some(ROBOT_SECRET), None, 20).await;
    let fake = FakeOpenApi::start(7200).await;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let (relay, base) = start_card_storm(&robot, &fake, &data).await;
    assert_eq!(post_range(&base, 0..ALERTS).await, ALERTS);
    wait_storm_card(&fake).await;
    drop(relay); // SIGKILL, mid-storm
    let (_relay, base) = start_card_storm(&robot, &fake, &data).await;
    assert_eq!(post_range(&base, ALERTS..2 * ALERTS).await, ALERTS);
    assert_one_storm_card(&fake, &base, 2 * ALERTS).await;
}
