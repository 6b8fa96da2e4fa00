//! Storms (`storm_port.rs`) in the SQLite file.

use super::SqliteOutbox;
use super::sender::{alert_rows, insert_message};
use crate::domain::storm::Storm;
use crate::outbox::StormStore;
use crate::outbox::storm_sql::{
    ALERTS, NEWEST, NOTE_MESSAGE, OPEN, by_id_sql, current_sql, newest_sql, storm_of, top_text,
};
use crate::outbox::types::{HeldPage, Lease, NewMessage, StoreError, StormMessage, WaitingAlerts};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl StormStore for SqliteOutbox {
    async fn open_storm(&self, lease: &Lease, now: i64) -> Result<Storm, StoreError> {
        self.fenced(lease, move |tx, lease| {
            tx.execute(OPEN, params![lease.robot, now])?;
            tx.query_row(&current_sql(), [&lease.robot], |r| storm_of(r))
        })
        .await
    }

    async fn current_storm(&self, robot: &str) -> Result<Option<Storm>, StoreError> {
        let robot = robot.to_owned();
        self.read_sql(move |c| {
            c.query_row(&current_sql(), [robot], |r| storm_of(r))
                .optional()
        })
        .await
    }

    async fn storm(&self, id: i64) -> Result<Option<Storm>, StoreError> {
        self.read_sql(move |c| c.query_row(&by_id_sql(), [id], |r| storm_of(r)).optional())
            .await
    }

    async fn storms(&self, limit: usize) -> Result<Vec<Storm>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read_sql(move |c| {
            let mut stmt = c.prepare_cached(&newest_sql())?;
            let rows = stmt.query_map([limit], |r| storm_of(r))?;
            rows.collect()
        })
        .await
    }

    async fn storm_message(&self, lease: &Lease, m: StormMessage<'_>) -> Result<i64, StoreError> {
        let (ids, top) = (m.alert_ids.to_vec(), top_text(m.top));
        let message = m
            .message
            .map(|n| (n.body.to_owned(), n.msg_uuid.to_owned(), n.now));
        let (storm, now, ended_at) = (m.storm, m.now, m.end.then_some(m.now));
        self.fenced(lease, move |tx, lease| {
            let id = match &message {
                Some((body, uuid, at)) => {
                    let new = NewMessage {
                        body,
                        msg_uuid: uuid,
                        now: *at,
                    };
                    insert_message(tx, &lease.robot, &ids, new)?
                }
                None => 0,
            };
            tx.execute(
                NOTE_MESSAGE,
                params![now, top, ended_at, storm, lease.robot],
            )?;
            Ok(id)
        })
        .await
    }

    async fn storm_newest(&self, hold: &str) -> Result<Option<i64>, StoreError> {
        let hold = hold.to_owned();
        self.read_sql(move |c| c.query_row(NEWEST, [hold], |r| r.get(0)).optional())
            .await
    }

    async fn storm_alerts(&self, page: HeldPage<'_>) -> Result<WaitingAlerts, StoreError> {
        let hold = page.hold.to_owned();
        let (after, limit) = (page.after, i64::try_from(page.limit).unwrap_or(i64::MAX));
        self.read_sql(move |c| alert_rows(c, ALERTS, params![hold, after, limit]))
            .await
    }
}
