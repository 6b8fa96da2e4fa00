//! A storm of new issues over the card budget folds into one digest card.

use super::*;

/// A new issue of its own (id and title).
fn new_issue(n: usize) -> Vec<u8> {
    variant("issue-created.json", |v| {
        v["data"]["issue"]["id"] = json!(format!("990{n:04}"));
        v["data"]["issue"]["title"] = json!(format!("DigestCase{n}: boom"));
    })
}

/// Waits until the fake holds a digest card of `issues` issues; returns its id and itself.
async fn wait_digest(fake: &FakeOpenApi, issues: usize) -> (String, Card) {
    let title = format!("{issues} 个新问题"); // the default language is Chinese
    let end = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < end {
        if let Some(found) = fake
            .cards()
            .into_iter()
            .find(|(_, c)| param(c, "title") == title && param(c, "count") == issues.to_string())
        {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no card titled {title:?}; cards: {:?}", fake.cards());
}

#[tokio::test]
async fn more_new_issues_than_the_budget_fold_into_one_digest_card() {
    let fake = FakeOpenApi::start(7200).await;
    // The first create is still under way while the other issues arrive (however loaded the
    // machine); once they are stored, the open API answers at once again.
    fake.set_delay(Duration::from_secs(3));
    let api = fake.url.clone();
    let app = spawn_app_with(move |s| {
        s.dingtalk_api_url = api;
        let dir = tempfile::tempdir().expect("tmp").keep();
        let config = config(ROBOT).replace("rate_per_minute = 18", "rate_per_minute = 2");
        with_config_file(s, &dir, &config);
    })
    .await;
    for n in 1..=6 {
        let r = app.post_signed("issue", &new_issue(n)).await;
        assert_eq!(r.status().as_u16(), 202);
    }
    fake.set_delay(Duration::ZERO);
    // One issue got its card; the five others one digest card: two creates, the budget.
    let (digest_id, digest) = wait_digest(&fake, 5).await;
    assert_eq!(fake.card_count(), 2, "{:?}", fake.cards());
    assert_eq!(fake.cards_created(), 2);
    assert_eq!(param(&digest, "count"), "5");
    assert_eq!(param(&digest, "status"), "firing");
    assert!(
        digest.at_user_ids.is_empty(),
        "a digest card mentions nobody"
    );
    let markdown = param(&digest, "markdown");
    let listed = (1..=6)
        .filter(|n| markdown.contains(&format!("DigestCase{n}")))
        .count();
    assert_eq!(listed, 5, "the digest lists the issues: {markdown}");
    let own = fake
        .cards()
        .into_iter()
        .find(|(id, _)| *id != digest_id)
        .expect("the issue's own card");
    assert!(param(&own.1, "title").starts_with("DigestCase"));
    let digest_row = app
        .outbox
        .card_by_track_id(&digest_id)
        .await
        .expect("store")
        .expect("the digest card is in the outbox");
    assert!(digest_row.card_key.starts_with("digest:"));

    // More new issues: the digest card is updated, no card is created.
    for n in 7..=8 {
        let r = app.post_signed("issue", &new_issue(n)).await;
        assert_eq!(r.status().as_u16(), 202);
    }
    let (id, digest) = wait_digest(&fake, 7).await;
    assert_eq!(id, digest_id);
    assert_eq!(param(&digest, "count"), "7");
    assert!(digest.updates >= 1);
    assert_eq!(fake.card_count(), 2);
    assert_eq!(fake.cards_created(), 2);
    assert!(app.messages(Some(MessageState::Dead)).await.is_empty());
}
