//! Operator views and actions on the outbox: `outbox list|retry|stats`.

use super::now_ms;
use super::store::{MessageRow, SELECT_MESSAGE, Store, StoreError, message_row};
use rusqlite::params;

#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct StateCount {
    pub state: String,
    pub robot: String,
    pub count: i64,
}

impl Store {
    pub fn list_messages(
        &self,
        state: Option<&str>,
        limit: usize,
    ) -> Result<Vec<MessageRow>, StoreError> {
        self.with_conn(|c| {
            let sql = format!(
                "{SELECT_MESSAGE} WHERE (?1 IS NULL OR state = ?1) ORDER BY id DESC LIMIT ?2"
            );
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map(params![state, limit as i64], message_row)?;
            rows.collect()
        })
    }

    /// Messages by state and robot, plus alerts not yet in a message as state `waiting`.
    pub fn stats(&self) -> Result<Vec<StateCount>, StoreError> {
        self.with_conn(|c| {
            let mut stmt = c.prepare(
                "SELECT state, robot, COUNT(*) FROM messages GROUP BY state, robot
                 UNION ALL
                 SELECT 'waiting', robot, COUNT(*) FROM alerts WHERE message_id IS NULL GROUP BY robot
                 ORDER BY 1, 2",
            )?;
            let rows = stmt.query_map([], |r| Ok(StateCount { state: r.get(0)?, robot: r.get(1)?, count: r.get(2)? }))?;
            rows.collect()
        })
    }

    /// A dead message gives its alerts back to the queue (so they are rendered again with the
    /// current templates and robot settings); a pending one is made due now.
    /// Returns false when no such message can be retried.
    pub fn retry_message(&self, id: i64) -> Result<bool, StoreError> {
        self.with_conn(|c| {
            let state: Option<String> = c
                .query_row("SELECT state FROM messages WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .map(Some)
                .or_else(|e| {
                    if e == rusqlite::Error::QueryReturnedNoRows {
                        Ok(None)
                    } else {
                        Err(e)
                    }
                })?;
            match state.as_deref() {
                Some("dead") => {
                    c.execute(
                        "UPDATE alerts SET message_id = NULL WHERE message_id = ?1",
                        [id],
                    )?;
                    c.execute("DELETE FROM messages WHERE id = ?1", [id])?;
                    Ok(true)
                }
                Some("pending") => {
                    c.execute(
                        "UPDATE messages SET next_attempt_at = ?2 WHERE id = ?1",
                        params![id, now_ms()],
                    )?;
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
    }

    /// Records an action link as used; false when it already was (links work once).
    pub fn claim_action(&self, nonce: &str, now: i64) -> Result<bool, StoreError> {
        self.with_conn(|c| {
            let n = c.execute(
                "INSERT OR IGNORE INTO used_actions (nonce, used_at) VALUES (?1, ?2)",
                params![nonce, now],
            )?;
            Ok(n == 1)
        })
    }

    /// Gives a link back when its action failed at Sentry, so the user can try again.
    pub fn release_action(&self, nonce: &str) -> Result<(), StoreError> {
        self.with_conn(|c| {
            c.execute("DELETE FROM used_actions WHERE nonce = ?1", [nonce])
                .map(|_| ())
        })
    }

    pub fn action_used(&self, nonce: &str) -> Result<bool, StoreError> {
        self.with_conn(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM used_actions WHERE nonce = ?1",
                [nonce],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
        })
    }

    pub fn retry_dead(&self) -> Result<usize, StoreError> {
        let ids: Vec<i64> = self.with_conn(|c| {
            let mut stmt = c.prepare("SELECT id FROM messages WHERE state = 'dead'")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        })?;
        for id in &ids {
            self.retry_message(*id)?;
        }
        Ok(ids.len())
    }
}
