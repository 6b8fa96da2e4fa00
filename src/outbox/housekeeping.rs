//! Keeping the outbox small: what is old enough to forget.

use super::store::{DEDUP_WINDOW_MS, Store, StoreError};

impl Store {
    /// Forgets dedup keys past their window, and delivered messages, repeat state and used
    /// action links older than `keep_ms`.
    pub fn prune(&self, now: i64, keep_ms: i64) -> Result<(), StoreError> {
        // Repeat intervals are minutes to hours and action links live a day: a week-old row of
        // either no longer matters.
        let statements = [
            (
                "DELETE FROM dedup WHERE seen_at < ?1",
                now - DEDUP_WINDOW_MS,
            ),
            (
                "DELETE FROM alerts WHERE message_id IN
                 (SELECT id FROM messages WHERE state = 'sent' AND sent_at < ?1)",
                now - keep_ms,
            ),
            (
                "DELETE FROM messages WHERE state = 'sent' AND sent_at < ?1",
                now - keep_ms,
            ),
            ("DELETE FROM repeats WHERE notified_at < ?1", now - keep_ms),
            ("DELETE FROM used_actions WHERE used_at < ?1", now - keep_ms),
        ];
        self.with_conn(|conn| {
            for (sql, cutoff) in statements {
                conn.execute(sql, [cutoff])?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::store::{Enqueued, Store};
    use crate::alert::{Alert, AlertKind};
    use crate::outbox::{Delivery, QueuedAlert};

    fn delivery(issue: &str) -> Delivery {
        let mut alert = Alert::new(AlertKind::EventAlert, "triggered");
        alert.issue_id = Some(issue.into());
        let rule = crate::routing::RepeatRule {
            route: "r".into(),
            interval: std::time::Duration::from_secs(3600),
        };
        Delivery {
            robot: "default".into(),
            queued: QueuedAlert {
                alert,
                at: Default::default(),
            },
            repeat: vec![rule],
        }
    }

    #[test]
    fn prune_forgets_old_dedup_repeats_sent_messages_and_used_links() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(dir.path()).expect("open");
        let day = 24 * 3600 * 1000;
        assert!(matches!(
            store
                .enqueue(Some("k"), &[delivery("1")], 0)
                .expect("enqueue"),
            Enqueued::Queued { .. }
        ));
        assert_eq!(
            store.enqueue(None, &[delivery("1")], 1000).expect("again"),
            Enqueued::Suppressed
        );
        let ids: Vec<i64> = store
            .waiting_alerts("default", 10)
            .expect("waiting")
            .iter()
            .map(|w| w.id)
            .collect();
        let msg = store
            .create_message("default", &ids, "{}", "u", 0)
            .expect("message");
        store.mark_sent(msg, 0).expect("sent");
        assert!(store.claim_action("n1", 0).expect("claim"));
        store.prune(8 * day, 7 * day).expect("prune");
        assert!(
            store.list_messages(None, 10).expect("list").is_empty(),
            "old sent message gone"
        );
        assert!(!store.action_used("n1").expect("used"), "old nonce gone");
        // The repeat state and the dedup key are gone too: the same alert is new again.
        assert!(matches!(
            store
                .enqueue(Some("k"), &[delivery("1")], 8 * day)
                .expect("enqueue"),
            Enqueued::Queued { .. }
        ));
    }
}
