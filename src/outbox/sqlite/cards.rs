//! Card robots' live cards and the clicks on their buttons (see the port's "cards" section).

use super::sender::insert_message;
use crate::outbox::types::{CardNote, CardRow};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

const SELECT_CARD: &str = "SELECT robot, card_key, out_track_id, status, count, first_seen,
    last_seen, claimed_by, created, alert, message_id FROM cards";

fn card_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CardRow> {
    Ok(CardRow {
        robot: r.get(0)?,
        card_key: r.get(1)?,
        out_track_id: r.get(2)?,
        status: r.get(3)?,
        count: r.get(4)?,
        first_seen: r.get(5)?,
        last_seen: r.get(6)?,
        claimed_by: r.get(7)?,
        created: r.get::<_, i64>(8)? != 0,
        alert: r.get(9)?,
        message_id: r.get(10)?,
    })
}

pub fn card(c: &Connection, robot: &str, key: &str) -> rusqlite::Result<Option<CardRow>> {
    c.prepare_cached(&format!("{SELECT_CARD} WHERE robot = ?1 AND card_key = ?2"))?
        .query_row(params![robot, key], card_row)
        .optional()
}

pub fn card_by_track_id(c: &Connection, out_track_id: &str) -> rusqlite::Result<Option<CardRow>> {
    c.prepare_cached(&format!("{SELECT_CARD} WHERE out_track_id = ?1"))?
        .query_row([out_track_id], card_row)
        .optional()
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

pub fn note_alerts(
    tx: &Transaction<'_>,
    robot: &str,
    alert_ids: &[i64],
    note: &CardNote,
    now: i64,
) -> rusqlite::Result<(CardRow, i64)> {
    let n = alert_ids.len() as i64;
    tx.execute(
        "INSERT INTO cards (robot, card_key, out_track_id, status, count, first_seen, last_seen, alert)
         VALUES (?1, ?2, ?3, COALESCE(?4, 'firing'), ?5, ?6, ?6, ?7)
         ON CONFLICT (robot, card_key) DO UPDATE SET
             status = COALESCE(?4, cards.status), count = cards.count + ?5,
             last_seen = ?6, alert = ?7",
        params![robot, note.card_key, note.out_track_id, note.status, n, now, note.alert],
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
            let id = insert_message(tx, robot, alert_ids, &note.body, &card.out_track_id, now)?;
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
        card_row,
    )
}

pub fn mark_created(tx: &Transaction<'_>, robot: &str, out_track_id: &str) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE cards SET created = 1 WHERE robot = ?1 AND out_track_id = ?2",
        params![robot, out_track_id],
    )
    .map(|_| ())
}

pub fn clicked(
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
    let id = insert_message(&tx, &card.robot, &[], body, out_track_id, now)?;
    tx.execute(
        "UPDATE cards SET status = ?2, claimed_by = COALESCE(?3, claimed_by), message_id = ?4
         WHERE out_track_id = ?1",
        params![out_track_id, status, claimed_by, id],
    )?;
    let card = card_by_track_id(&tx, out_track_id)?;
    tx.commit()?;
    Ok(card)
}

pub fn claim_click(c: &Connection, key: &str, now: i64, window_ms: i64) -> rusqlite::Result<bool> {
    let n = c.execute(
        "INSERT INTO card_clicks (key, clicked_at) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET clicked_at = excluded.clicked_at
         WHERE card_clicks.clicked_at <= ?2 - ?3",
        params![key, now, window_ms],
    )?;
    Ok(n == 1)
}

/// True when `signature` was not used within `window_ms` before `now`; records it.
pub fn claim_signature(
    c: &Connection,
    signature: &str,
    now: i64,
    window_ms: i64,
) -> rusqlite::Result<bool> {
    let n = c.execute(
        "INSERT INTO callback_signatures (signature, used_at) VALUES (?1, ?2)
         ON CONFLICT (signature) DO UPDATE SET used_at = excluded.used_at
         WHERE callback_signatures.used_at <= ?2 - ?3",
        params![signature, now, window_ms],
    )?;
    Ok(n == 1)
}

pub fn release_click(c: &Connection, key: &str) -> rusqlite::Result<()> {
    c.execute("DELETE FROM card_clicks WHERE key = ?1", [key])
        .map(|_| ())
}

/// Forgets cards not seen for `keep_ms` and old clicks (part of `prune`).
pub fn prune(c: &Connection, old: i64) -> rusqlite::Result<()> {
    for sql in [
        "DELETE FROM cards WHERE rowid IN (SELECT rowid FROM cards WHERE last_seen < ?1 LIMIT 5000)",
        "DELETE FROM card_clicks WHERE rowid IN (SELECT rowid FROM card_clicks WHERE clicked_at < ?1 LIMIT 5000)",
        "DELETE FROM callback_signatures WHERE rowid IN (SELECT rowid FROM callback_signatures WHERE used_at < ?1 LIMIT 5000)",
    ] {
        while c.execute(sql, [old])? > 0 {}
    }
    Ok(())
}
