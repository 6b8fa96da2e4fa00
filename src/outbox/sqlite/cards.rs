//! Card robots' live cards and the clicks on their buttons (see the port's `CardStore`).

use super::sender::insert_message;
use super::{SqliteOutbox, optional_row, sql_error};
use crate::outbox::card_port::CardStore;
use crate::outbox::columns::{SELECT_CARD, card_of};
use crate::outbox::types::{CardChange, CardNote, CardRow, Claim, Lease, NewMessage, StoreError};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

fn card(c: &Connection, robot: &str, key: &str) -> rusqlite::Result<Option<CardRow>> {
    let sql = format!("{SELECT_CARD} WHERE robot = ?1 AND card_key = ?2");
    optional_row(c, &sql, params![robot, key], |r| card_of(r))
}

fn card_by_track_id(c: &Connection, out_track_id: &str) -> rusqlite::Result<Option<CardRow>> {
    let sql = format!("{SELECT_CARD} WHERE out_track_id = ?1");
    optional_row(c, &sql, [out_track_id], |r| card_of(r))
}

/// The card's own message, when it is still pending.
fn pending_message(tx: &Transaction<'_>, card: &CardRow) -> rusqlite::Result<Option<i64>> {
    let Some(id) = card.message_id else {
        return Ok(None);
    };
    tx.query_row(
        "SELECT id FROM messages WHERE id = ?1 AND state = 'pending'",
        [id],
        |r| r.get(0),
    )
    .optional()
}

fn note_alerts(
    tx: &Transaction<'_>,
    robot: &str,
    note: &CardNote,
    now: i64,
) -> rusqlite::Result<(CardRow, i64)> {
    let alert_ids = &note.alert_ids;
    let n = alert_ids.len() as i64;
    // The card as it is now (the writer's transaction): a click committed since the sender
    // read it counts.
    let current: Option<String> = tx
        .query_row(
            "SELECT status FROM cards WHERE robot = ?1 AND card_key = ?2",
            params![robot, note.card_key],
            |r| r.get(0),
        )
        .optional()?;
    let status = note.status_for(current.as_deref());
    tx.execute(
        "INSERT INTO cards (robot, card_key, out_track_id, status, count, first_seen, last_seen, alert)
         VALUES (?1, ?2, ?3, COALESCE(?4, 'firing'), ?5, ?6, ?6, ?7)
         ON CONFLICT (robot, card_key) DO UPDATE SET
             status = COALESCE(?4, cards.status), count = cards.count + ?5,
             last_seen = ?6, alert = ?7",
        params![robot, note.card_key, note.out_track_id, status, n, now, note.alert],
    )?;
    let card = card_in(tx, robot, &note.card_key)?;
    let id = match pending_message(tx, &card)? {
        Some(id) => {
            let mut assign = tx.prepare_cached(
                "UPDATE alerts SET message_id = ?1 WHERE id = ?2 AND message_id IS NULL",
            )?;
            for alert_id in alert_ids {
                assign.execute(params![id, alert_id])?;
            }
            tx.execute(
                "UPDATE messages SET alert_count = alert_count + ?2 WHERE id = ?1",
                params![id, n],
            )?;
            id
        }
        None => {
            let id = insert_message(
                tx,
                robot,
                alert_ids,
                NewMessage {
                    body: &note.body,
                    msg_uuid: &card.out_track_id,
                    now,
                },
            )?;
            tx.execute(
                "UPDATE cards SET message_id = ?3 WHERE robot = ?1 AND card_key = ?2",
                params![robot, note.card_key, id],
            )?;
            id
        }
    };
    let card = card_in(tx, robot, &note.card_key)?;
    Ok((card, id))
}

fn card_in(tx: &Transaction<'_>, robot: &str, key: &str) -> rusqlite::Result<CardRow> {
    tx.query_row(
        &format!("{SELECT_CARD} WHERE robot = ?1 AND card_key = ?2"),
        params![robot, key],
        |r| card_of(r),
    )
}

fn clicked(
    c: &mut Connection,
    out_track_id: &str,
    status: &str,
    claimed_by: Option<&str>,
    body: &str,
    now: i64,
) -> rusqlite::Result<Option<CardRow>> {
    let tx = c.transaction()?;
    let Some(card) = card_by_track_id(&tx, out_track_id)? else {
        return Ok(None);
    };
    let id = insert_message(
        &tx,
        &card.robot,
        &[],
        NewMessage {
            body,
            msg_uuid: out_track_id,
            now,
        },
    )?;
    tx.execute(
        "UPDATE cards SET status = ?2, claimed_by = COALESCE(?3, claimed_by), message_id = ?4
         WHERE out_track_id = ?1",
        params![out_track_id, status, claimed_by, id],
    )?;
    let card = card_by_track_id(&tx, out_track_id)?;
    tx.commit()?;
    Ok(card)
}

#[async_trait]
impl CardStore for SqliteOutbox {
    async fn card(&self, robot: &str, card_key: &str) -> Result<Option<CardRow>, StoreError> {
        let (robot, key) = (robot.to_owned(), card_key.to_owned());
        self.read_sql(move |c| card(c, &robot, &key)).await
    }

    async fn card_by_track_id(&self, out_track_id: &str) -> Result<Option<CardRow>, StoreError> {
        let id = out_track_id.to_owned();
        self.read_sql(move |c| card_by_track_id(c, &id)).await
    }

    async fn note_card_alerts(
        &self,
        lease: &Lease,
        note: &CardNote,
    ) -> Result<(CardRow, i64), StoreError> {
        let note = note.clone();
        self.fenced(lease, move |tx, lease| {
            note_alerts(tx, &lease.robot, &note, note.at)
        })
        .await
    }

    async fn mark_card_created(&self, lease: &Lease, out_track_id: &str) -> Result<(), StoreError> {
        let id = out_track_id.to_owned();
        let sql = "UPDATE cards SET created = 1 WHERE robot = ?1 AND out_track_id = ?2";
        self.fenced(lease, move |tx, lease| {
            tx.execute(sql, params![lease.robot, id])
        })
        .await?;
        Ok(())
    }

    async fn card_clicked(
        &self,
        click: CardChange<'_>,
        now: i64,
    ) -> Result<Option<CardRow>, StoreError> {
        let id = click.out_track_id.to_owned();
        let (status, by, body) = (
            click.status.to_owned(),
            click.claimed_by.map(str::to_owned),
            click.body.to_owned(),
        );
        let card = self
            .write(move |c| clicked(c, &id, &status, by.as_deref(), &body, now).map_err(sql_error))
            .await?;
        if let Some(card) = &card {
            self.wake(card.robot.clone());
        }
        Ok(card)
    }

    async fn claim_card_click(&self, claim: Claim<'_>) -> Result<bool, StoreError> {
        let (key, now, window_ms) = (claim.key, claim.now, claim.window_ms);
        let sql = "INSERT INTO card_clicks (key, clicked_at) VALUES (?1, ?2)
                   ON CONFLICT (key) DO UPDATE SET clicked_at = excluded.clicked_at
                   WHERE card_clicks.clicked_at <= ?2 - ?3";
        self.claim(sql, (key.to_owned(), now, window_ms)).await
    }

    async fn release_card_click(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        let sql = "DELETE FROM card_clicks WHERE key = ?1";
        self.write_sql(move |c| c.execute(sql, [key])).await?;
        Ok(())
    }

    async fn claim_callback_signature(&self, claim: Claim<'_>) -> Result<bool, StoreError> {
        let (signature, now, window_ms) = (claim.key, claim.now, claim.window_ms);
        let sql = "INSERT INTO callback_signatures (signature, used_at) VALUES (?1, ?2)
                   ON CONFLICT (signature) DO UPDATE SET used_at = excluded.used_at
                   WHERE callback_signatures.used_at <= ?2 - ?3";
        self.claim(sql, (signature.to_owned(), now, window_ms))
            .await
    }
}
