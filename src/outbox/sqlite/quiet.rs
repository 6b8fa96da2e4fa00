//! Silences and held alerts (`quiet_port.rs`) in the SQLite file.

use super::sender::alert_rows;
use super::{SqliteOutbox, optional_row};
use crate::domain::silence::Hold;
use crate::domain::silence::Silence;
use crate::outbox::QuietStore;
use crate::outbox::quiet_sql::{
    COUNT_HELD, END_SILENCE, HELD_ALERTS, HOLDS, INSERT_SILENCE, SILENCE_BY_ID,
    SILENCES_ENDING_AFTER, SilenceColumns, matchers_text, silence_columns,
};
use crate::outbox::types::{HeldPage, Lease, NewSilence, StoreError, WaitingAlerts};
use async_trait::async_trait;
use rusqlite::{Connection, params};

fn one(c: &Connection, id: i64) -> rusqlite::Result<Option<SilenceColumns>> {
    optional_row(c, SILENCE_BY_ID, [id], |r| silence_columns(r))
}

#[async_trait]
impl QuietStore for SqliteOutbox {
    async fn add_silence(&self, silence: NewSilence) -> Result<Silence, StoreError> {
        let text = matchers_text(&silence.matchers)?;
        let NewSilence {
            starts_at,
            ends_at,
            comment,
            created_by,
            ..
        } = silence;
        let row = self
            .write_sql(move |c| {
                let id: i64 = c.query_row(
                    INSERT_SILENCE,
                    params![text, starts_at, ends_at, comment, created_by],
                    |r| r.get(0),
                )?;
                one(c, id)
            })
            .await?;
        row.map(SilenceColumns::into_silence).unwrap_or_else(|| {
            Err(StoreError::Corrupt {
                id: 0,
                reason: "silence not stored".into(),
            })
        })
    }

    async fn silences(&self, ends_after: i64) -> Result<Vec<Silence>, StoreError> {
        let rows = self
            .read_sql(move |c| {
                let mut stmt = c.prepare_cached(SILENCES_ENDING_AFTER)?;
                let rows = stmt.query_map([ends_after], |r| silence_columns(r))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        rows.into_iter().map(SilenceColumns::into_silence).collect()
    }

    async fn silence(&self, id: i64) -> Result<Option<Silence>, StoreError> {
        self.read_sql(move |c| one(c, id))
            .await?
            .map(SilenceColumns::into_silence)
            .transpose()
    }

    async fn end_silence(&self, id: i64, now: i64) -> Result<Option<Silence>, StoreError> {
        let row = self
            .write_sql(move |c| {
                c.execute(END_SILENCE, params![now, id])?;
                one(c, id)
            })
            .await?;
        row.map(SilenceColumns::into_silence).transpose()
    }

    async fn hold_alerts(&self, lease: &Lease, hold: &str, ids: &[i64]) -> Result<(), StoreError> {
        let (hold, ids) = (hold.to_owned(), ids.to_vec());
        let silence = match Hold::parse(&hold) {
            Some(Hold::Silence(id)) => Some(id),
            _ => None,
        };
        self.fenced(lease, move |tx, lease| {
            let mut held = 0;
            let mut stmt = tx.prepare_cached(
                "UPDATE alerts SET held_by = ?1
                 WHERE id = ?2 AND robot = ?3 AND message_id IS NULL AND held_by IS NULL",
            )?;
            for id in &ids {
                held += stmt.execute(params![hold, id, lease.robot])? as i64;
            }
            if let Some(silence) = silence {
                tx.execute(COUNT_HELD, params![held, silence])?;
            }
            Ok(())
        })
        .await
    }

    async fn holds(&self, robot: &str) -> Result<Vec<String>, StoreError> {
        let robot = robot.to_owned();
        self.read_sql(move |c| {
            let mut stmt = c.prepare_cached(HOLDS)?;
            let rows = stmt.query_map([robot], |r| r.get(0))?;
            rows.collect()
        })
        .await
    }

    async fn held_alerts(&self, page: HeldPage<'_>) -> Result<WaitingAlerts, StoreError> {
        let (robot, hold, after) = (page.robot.to_owned(), page.hold.to_owned(), page.after);
        let limit = i64::try_from(page.limit).unwrap_or(i64::MAX);
        self.read_sql(move |c| alert_rows(c, HELD_ALERTS, params![robot, hold, after, limit]))
            .await
    }
}
