//! Card robots' state: one card per (robot, key) with a stable `outTrackId`, its operations as
//! messages, clicks once per window.

use super::fixtures::*;
use sentry_dingtalk::outbox::port::Outbox;
use sentry_dingtalk::outbox::types::{CardChange, CardNote, Claim, MessageState, StoreError};
use std::sync::Arc;

/// A note of `ids` to the card `key`, made at `at`.
fn note(ids: &[i64], key: &str, track: &str, status: Option<&str>, at: i64) -> CardNote {
    CardNote {
        alert_ids: ids.to_vec(),
        card_key: key.into(),
        out_track_id: track.into(),
        alert: format!("{{\"alert\":\"{key}\"}}"),
        status: status.map(str::to_owned),
        body: format!("{{\"card\":\"{track}\"}}"),
        at,
    }
}

/// The first note makes the card and its operation; notes while that operation is pending
/// join it; after it is sent, the next note makes a new operation. The `outTrackId` never
/// changes, the count adds up.
pub async fn card_notes_keep_one_card(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    let ids = queue(&*o, ROBOT, &["1", "1", "1"], T0).await;
    let (card, m1) = o
        .note_card_alerts(&l, &note(&ids[..1], "issue:1", "t-1", None, T0 + 1))
        .await
        .expect("note");
    assert_eq!(
        (card.out_track_id.as_str(), card.status.as_str(), card.count),
        ("t-1", "firing", 1)
    );
    assert_eq!(
        (card.first_seen, card.last_seen, card.created),
        (T0 + 1, T0 + 1, false)
    );
    assert_eq!(card.message_id, Some(m1));
    // A retried note with another candidate id keeps the stored one, and joins the pending op.
    let (card, m2) = o
        .note_card_alerts(
            &l,
            &note(&ids[1..2], "issue:1", "t-other", Some("resolved"), T0 + 2),
        )
        .await
        .expect("note");
    assert_eq!((m2, card.out_track_id.as_str()), (m1, "t-1"));
    assert_eq!(
        (card.count, card.status.as_str(), card.last_seen),
        (2, "resolved", T0 + 2)
    );
    let m = only_message(&*o).await;
    assert_eq!((m.alert_count, m.body.as_str()), (2, "{\"card\":\"t-1\"}"));
    o.mark_sent(&l, m1, T0 + 3).await.expect("sent");
    o.mark_card_created(&l, "t-1").await.expect("created");
    let (card, m3) = o
        .note_card_alerts(&l, &note(&ids[2..], "issue:1", "t-x", None, T0 + 4))
        .await
        .expect("note");
    assert_ne!(m3, m1, "a sent operation is not joined");
    assert!(card.created);
    assert_eq!(
        (card.count, card.status.as_str()),
        (3, "resolved"),
        "None keeps the status"
    );
    assert_eq!(o.waiting_count(ROBOT).await.expect("count"), 0);
    let found = o
        .card(ROBOT, "issue:1")
        .await
        .expect("card")
        .expect("exists");
    assert_eq!(found, card);
    assert_eq!(o.card_by_track_id("t-1").await.expect("by id"), Some(card));
    assert_eq!(o.card(ROBOT, "issue:2").await.expect("card"), None);
    assert_eq!(o.card("other", "issue:1").await.expect("card"), None);
}

/// A click sets the status and the claimer and queues an update; an unknown card is `None`.
/// Only the lease holder notes alerts or marks a card created.
pub async fn card_clicks_and_fences(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    let ids = queue(&*o, ROBOT, &["7"], T0).await;
    let (_, m1) = o
        .note_card_alerts(&l, &note(&ids, "issue:7", "t-7", None, T0))
        .await
        .expect("note");
    let card = o
        .card_clicked(
            CardChange {
                out_track_id: "t-7",
                status: "claimed",
                claimed_by: Some("u007"),
                body: "{\"card\":\"t-7\"}",
            },
            T0 + 1,
        )
        .await
        .expect("click")
        .expect("card");
    assert_eq!(
        (card.status.as_str(), card.claimed_by.as_deref()),
        ("claimed", Some("u007"))
    );
    assert_ne!(card.message_id, Some(m1), "a click queues its own update");
    let pending = o
        .list_messages(Some(MessageState::Pending), 10)
        .await
        .expect("list");
    assert_eq!(pending.len(), 2);
    let card = o
        .card_clicked(
            CardChange {
                out_track_id: "t-7",
                status: "resolved",
                claimed_by: None,
                body: "{}",
            },
            T0 + 2,
        )
        .await
        .expect("click")
        .expect("card");
    assert_eq!(
        card.claimed_by.as_deref(),
        Some("u007"),
        "None keeps the claimer"
    );
    assert_eq!(
        o.card_clicked(
            CardChange {
                out_track_id: "nope",
                status: "resolved",
                claimed_by: None,
                body: "{}"
            },
            T0
        )
        .await
        .expect("click"),
        None
    );
    // A newer holder takes the robot: the old lease can no longer write cards.
    let newer = lease(&*o, ROBOT, "b", T0 + 60 * MINUTE).await;
    assert!(matches!(
        o.mark_card_created(&l, "t-7").await,
        Err(StoreError::LeaseLost { .. })
    ));
    o.mark_card_created(&newer, "t-7").await.expect("created");
    assert!(
        o.card_by_track_id("t-7")
            .await
            .expect("c")
            .expect("c")
            .created
    );
}

/// A note settles its status against the card as it is when noted: a repeat (asking for
/// `firing`) leaves a card claimed since the sender read it claimed; a resolve does not.
pub async fn a_repeat_noted_after_a_claim_leaves_the_card_claimed(o: Arc<dyn Outbox>) {
    let l = lease(&*o, ROBOT, "a", T0).await;
    let ids = queue(&*o, ROBOT, &["8", "8", "8"], T0).await;
    let first = note(&ids[..1], "issue:8", "t-8", Some("firing"), T0);
    o.note_card_alerts(&l, &first).await.expect("note");
    let claim = CardChange {
        out_track_id: "t-8",
        status: "claimed",
        claimed_by: Some("u008"),
        body: "{\"card\":\"t-8\"}",
    };
    o.card_clicked(claim, T0 + 1).await.expect("click");
    let repeat = note(&ids[1..2], "issue:8", "t-8", Some("firing"), T0 + 2);
    let (card, _) = o.note_card_alerts(&l, &repeat).await.expect("note");
    assert_eq!((card.status.as_str(), card.count), ("claimed", 2));
    let resolve = note(&ids[2..], "issue:8", "t-8", Some("resolved"), T0 + 3);
    let (card, _) = o.note_card_alerts(&l, &resolve).await.expect("note");
    assert_eq!(card.status, "resolved");
}

/// A click counts once within its window, again after it, and again when given back.
pub async fn card_click_once_per_window(o: Arc<dyn Outbox>) {
    assert!(o.claim_card_click(claim("k", T0, MINUTE)).await.expect("c"));
    assert!(
        !o.claim_card_click(claim("k", T0 + 1000, MINUTE))
            .await
            .expect("c")
    );
    assert!(
        o.claim_card_click(claim("other", T0 + 1000, MINUTE))
            .await
            .expect("c")
    );
    assert!(
        o.claim_card_click(claim("k", T0 + 2 * MINUTE, MINUTE))
            .await
            .expect("c")
    );
    o.release_card_click("k").await.expect("release");
    assert!(
        o.claim_card_click(claim("k", T0 + 2 * MINUTE + 1, MINUTE))
            .await
            .expect("c")
    );
}

/// A card callback's signature acts once within its window, whichever replica sees it again;
/// another signature is another callback.
pub async fn callback_signature_once(o: Arc<dyn Outbox>) {
    let window = 10 * MINUTE;
    assert!(
        o.claim_callback_signature(claim("sig-a", T0, window))
            .await
            .expect("claim")
    );
    assert!(
        !o.claim_callback_signature(claim("sig-a", T0 + 1, window))
            .await
            .expect("claim"),
        "a used signature is refused"
    );
    assert!(
        o.claim_callback_signature(claim("sig-b", T0 + 1, window))
            .await
            .expect("claim")
    );
    assert!(
        !o.claim_callback_signature(claim("sig-b", T0 + window - 1, window))
            .await
            .expect("claim"),
        "still refused just inside the window"
    );
    // Past the window the timestamp is refused as stale before the store is asked; the row
    // may then be reused.
    assert!(
        o.claim_callback_signature(claim("sig-a", T0 + window, window))
            .await
            .expect("claim")
    );
}

fn claim(key: &str, now: i64, window_ms: i64) -> Claim<'_> {
    Claim {
        key,
        now,
        window_ms,
    }
}
