//! Card robots' live cards and the clicks on their buttons (see the port's `CardStore`).

use super::super::card_port::CardStore;
use super::super::columns::{SELECT_CARD, card_of};
use super::super::types::{CardChange, CardNote, CardRow, Claim, Lease, NewMessage, StoreError};
use super::PgOutbox;
use super::connection::{Db, Params};
use super::error::db;
use super::lease::fenced;
use super::sender::insert_message;
use async_trait::async_trait;
use deadpool_postgres::GenericClient;

async fn one_card(
    c: &Db<impl GenericClient>,
    filter: &str,
    params: Params<'_>,
) -> Result<Option<CardRow>, StoreError> {
    let sql = format!("{SELECT_CARD} WHERE {filter}");
    c.query_opt_as(&sql, params, card_of).await
}

/// Runs `sql`, an upsert of `claim.key` (`$1`) used at `$2` that takes the row only when its
/// last use is `$3` (`window_ms`) old; true when this call claimed it.
async fn claim_within(
    c: &Db<impl GenericClient>,
    sql: &str,
    claim: Claim<'_>,
) -> Result<bool, StoreError> {
    c.claims(sql, &[&claim.key, &claim.now, &claim.window_ms])
        .await
}

/// The card must be there: it was written in the same transaction.
fn written(card: Option<CardRow>) -> Result<CardRow, StoreError> {
    card.ok_or_else(|| StoreError::Unavailable("card row vanished".into()))
}

#[async_trait]
impl CardStore for PgOutbox {
    async fn card(&self, robot: &str, card_key: &str) -> Result<Option<CardRow>, StoreError> {
        let conn = self.db().await?;
        one_card(&conn, "robot = $1 AND card_key = $2", &[&robot, &card_key]).await
    }

    async fn card_by_track_id(&self, out_track_id: &str) -> Result<Option<CardRow>, StoreError> {
        one_card(&self.db().await?, "out_track_id = $1", &[&out_track_id]).await
    }

    async fn note_card_alerts(
        &self,
        lease: &Lease,
        note: &CardNote,
    ) -> Result<(CardRow, i64), StoreError> {
        let mut conn = self.db().await?;
        let tx = fenced(&mut conn, lease).await?;
        let robot = lease.robot.as_str();
        let now = note.at;
        let alert_ids = &note.alert_ids;
        let n = i64::try_from(alert_ids.len()).unwrap_or(i64::MAX);
        let key = &note.card_key;
        // The card as it is now, locked: a click committed since the sender read it counts.
        let current = "SELECT status FROM cards WHERE robot = $1 AND card_key = $2 FOR UPDATE";
        let current: Option<String> = tx
            .query_opt_as(current, &[&robot, key], |r| r.try_get(0).map_err(db))
            .await?;
        let status = note.status_for(current.as_deref());
        let upsert = "INSERT INTO cards (robot, card_key, out_track_id, status, count,
                                         first_seen, last_seen, alert)
                      VALUES ($1, $2, $3, COALESCE($4, 'firing'), $5, $6, $6, $7)
                      ON CONFLICT (robot, card_key) DO UPDATE SET
                          status = COALESCE($4, cards.status), count = cards.count + $5,
                          last_seen = $6, alert = $7";
        let params: Params = &[
            &robot,
            key,
            &note.out_track_id,
            &status,
            &n,
            &now,
            &note.alert,
        ];
        tx.execute(upsert, params).await?;
        let this_card = "robot = $1 AND card_key = $2";
        let locked = format!("{this_card} FOR UPDATE");
        let card = written(one_card(&tx, &locked, &[&robot, key]).await?)?;
        let pending = match card.message_id {
            Some(id) => {
                let sql = "SELECT id FROM messages WHERE id = $1 AND state = 'pending'";
                tx.scalar(sql, &[&id]).await?
            }
            None => None,
        };
        let id = match pending {
            Some(id) => {
                let assign = "UPDATE alerts SET message_id = $1
                              WHERE id = ANY($2) AND robot = $3 AND message_id IS NULL";
                tx.execute(assign, &[&id, &alert_ids, &robot]).await?;
                let count = "UPDATE messages SET alert_count = alert_count + $2 WHERE id = $1";
                tx.execute(count, &[&id, &n]).await?;
                id
            }
            None => {
                let message = NewMessage {
                    body: &note.body,
                    msg_uuid: &card.out_track_id,
                    now,
                };
                let id = insert_message(&tx, robot, alert_ids, message).await?;
                let link = "UPDATE cards SET message_id = $3 WHERE robot = $1 AND card_key = $2";
                tx.execute(link, &[&robot, key, &id]).await?;
                id
            }
        };
        let card = written(one_card(&tx, this_card, &[&robot, key]).await?)?;
        tx.commit().await?;
        Ok((card, id))
    }

    async fn mark_card_created(&self, lease: &Lease, out_track_id: &str) -> Result<(), StoreError> {
        let mut conn = self.db().await?;
        let tx = fenced(&mut conn, lease).await?;
        let sql = "UPDATE cards SET created = TRUE WHERE robot = $1 AND out_track_id = $2";
        tx.execute(sql, &[&lease.robot, &out_track_id]).await?;
        tx.commit().await
    }

    async fn card_clicked(
        &self,
        click: CardChange<'_>,
        now: i64,
    ) -> Result<Option<CardRow>, StoreError> {
        let mut conn = self.db().await?;
        let tx = conn.transaction().await?;
        let CardChange {
            out_track_id,
            status,
            claimed_by,
            body,
        } = click;
        let track = &out_track_id;
        let Some(card) = one_card(&tx, "out_track_id = $1 FOR UPDATE", &[track]).await? else {
            return Ok(None);
        };
        let message = NewMessage {
            body,
            msg_uuid: out_track_id,
            now,
        };
        let id = insert_message(&tx, &card.robot, &[], message).await?;
        let sql = "UPDATE cards SET status = $2, claimed_by = COALESCE($3, claimed_by),
                                    message_id = $4
                   WHERE out_track_id = $1";
        tx.execute(sql, &[track, &status, &claimed_by, &id]).await?;
        let card = one_card(&tx, "out_track_id = $1", &[track]).await?;
        tx.commit().await?;
        if let Some(card) = &card {
            self.wakeups.announce(std::slice::from_ref(&card.robot));
        }
        Ok(card)
    }

    async fn claim_card_click(&self, claim: Claim<'_>) -> Result<bool, StoreError> {
        let sql = "INSERT INTO card_clicks (key, clicked_at) VALUES ($1, $2)
                   ON CONFLICT (key) DO UPDATE SET clicked_at = excluded.clicked_at
                   WHERE card_clicks.clicked_at <= $2::bigint - $3::bigint";
        claim_within(&self.db().await?, sql, claim).await
    }

    async fn release_card_click(&self, key: &str) -> Result<(), StoreError> {
        let sql = "DELETE FROM card_clicks WHERE key = $1";
        self.db().await?.execute(sql, &[&key]).await?;
        Ok(())
    }

    async fn claim_callback_signature(&self, claim: Claim<'_>) -> Result<bool, StoreError> {
        let sql = "INSERT INTO callback_signatures (signature, used_at) VALUES ($1, $2)
                   ON CONFLICT (signature) DO UPDATE SET used_at = excluded.used_at
                   WHERE callback_signatures.used_at <= $2::bigint - $3::bigint";
        claim_within(&self.db().await?, sql, claim).await
    }
}
