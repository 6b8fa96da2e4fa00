//! Card robots' live cards and the clicks on their buttons (see the port's "cards" section).

use super::super::types::{CardNote, CardRow, Lease, StoreError};
use super::lease::fenced;
use super::{PgOutbox, db};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

const SELECT_CARD: &str = "SELECT robot, card_key, out_track_id, status, count, first_seen,
    last_seen, claimed_by, created, alert, message_id FROM cards";

fn card_row(r: &Row) -> Result<CardRow, StoreError> {
    Ok(CardRow {
        robot: r.try_get(0).map_err(db)?,
        card_key: r.try_get(1).map_err(db)?,
        out_track_id: r.try_get(2).map_err(db)?,
        status: r.try_get(3).map_err(db)?,
        count: r.try_get(4).map_err(db)?,
        first_seen: r.try_get(5).map_err(db)?,
        last_seen: r.try_get(6).map_err(db)?,
        claimed_by: r.try_get(7).map_err(db)?,
        created: r.try_get(8).map_err(db)?,
        alert: r.try_get(9).map_err(db)?,
        message_id: r.try_get(10).map_err(db)?,
    })
}

async fn one_card<C: deadpool_postgres::GenericClient>(
    c: &C,
    filter: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Option<CardRow>, StoreError> {
    let stmt = c
        .prepare_cached(&format!("{SELECT_CARD} WHERE {filter}"))
        .await
        .map_err(db)?;
    match c.query_opt(&stmt, params).await.map_err(db)? {
        Some(row) => card_row(&row).map(Some),
        None => Ok(None),
    }
}

async fn insert_message(
    tx: &deadpool_postgres::Transaction<'_>,
    robot: &str,
    alert_ids: &[i64],
    body: &str,
    msg_uuid: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let count = i64::try_from(alert_ids.len()).unwrap_or(i64::MAX);
    let row = tx
        .query_one(
            "INSERT INTO messages (robot, msg_uuid, body, alert_count, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            &[&robot, &msg_uuid, &body, &count, &now],
        )
        .await
        .map_err(db)?;
    let id: i64 = row.try_get(0).map_err(db)?;
    if !alert_ids.is_empty() {
        tx.execute(
            "UPDATE alerts SET message_id = $1
             WHERE id = ANY($2) AND robot = $3 AND message_id IS NULL",
            &[&id, &alert_ids, &robot],
        )
        .await
        .map_err(db)?;
    }
    Ok(id)
}

impl PgOutbox {
    pub(super) async fn card_of(
        &self,
        robot: &str,
        key: &str,
    ) -> Result<Option<CardRow>, StoreError> {
        let client = self.client().await?;
        one_card(&client, "robot = $1 AND card_key = $2", &[&robot, &key]).await
    }

    pub(super) async fn card_by_track(&self, id: &str) -> Result<Option<CardRow>, StoreError> {
        let client = self.client().await?;
        one_card(&client, "out_track_id = $1", &[&id]).await
    }

    pub(super) async fn note_card(
        &self,
        lease: &Lease,
        alert_ids: &[i64],
        note: &CardNote,
        now: i64,
    ) -> Result<(CardRow, i64), StoreError> {
        let mut client = self.client().await?;
        let tx = fenced(&mut client, lease).await?;
        let robot = lease.robot.as_str();
        let n = i64::try_from(alert_ids.len()).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO cards (robot, card_key, out_track_id, status, count, first_seen, last_seen, alert)
             VALUES ($1, $2, $3, COALESCE($4, 'firing'), $5, $6, $6, $7)
             ON CONFLICT (robot, card_key) DO UPDATE SET
                 status = COALESCE($4, cards.status), count = cards.count + $5,
                 last_seen = $6, alert = $7",
            &[
                &robot,
                &note.card_key,
                &note.out_track_id,
                &note.status,
                &n,
                &now,
                &note.alert,
            ],
        )
        .await
        .map_err(db)?;
        let filter = "robot = $1 AND card_key = $2 FOR UPDATE";
        let card = one_card(&tx, filter, &[&robot, &note.card_key])
            .await?
            .ok_or_else(|| StoreError::Unavailable("card row vanished".into()))?;
        let pending = match card.message_id {
            Some(id) => tx
                .query_opt(
                    "SELECT id FROM messages WHERE id = $1 AND state = 'pending'",
                    &[&id],
                )
                .await
                .map_err(db)?
                .map(|r| r.try_get::<_, i64>(0))
                .transpose()
                .map_err(db)?,
            None => None,
        };
        let id = match pending {
            Some(id) => {
                tx.execute(
                    "UPDATE alerts SET message_id = $1
                     WHERE id = ANY($2) AND robot = $3 AND message_id IS NULL",
                    &[&id, &alert_ids, &robot],
                )
                .await
                .map_err(db)?;
                tx.execute(
                    "UPDATE messages SET alert_count = alert_count + $2 WHERE id = $1",
                    &[&id, &n],
                )
                .await
                .map_err(db)?;
                id
            }
            None => {
                let id = insert_message(&tx, robot, alert_ids, &note.body, &card.out_track_id, now)
                    .await?;
                tx.execute(
                    "UPDATE cards SET message_id = $3 WHERE robot = $1 AND card_key = $2",
                    &[&robot, &note.card_key, &id],
                )
                .await
                .map_err(db)?;
                id
            }
        };
        let card = one_card(
            &tx,
            "robot = $1 AND card_key = $2",
            &[&robot, &note.card_key],
        )
        .await?
        .ok_or_else(|| StoreError::Unavailable("card row vanished".into()))?;
        tx.commit().await.map_err(db)?;
        Ok((card, id))
    }

    pub(super) async fn card_created(
        &self,
        lease: &Lease,
        out_track_id: &str,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = fenced(&mut client, lease).await?;
        tx.execute(
            "UPDATE cards SET created = TRUE WHERE robot = $1 AND out_track_id = $2",
            &[&lease.robot, &out_track_id],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    pub(super) async fn card_click(
        &self,
        out_track_id: &str,
        status: &str,
        claimed_by: Option<&str>,
        body: &str,
        now: i64,
    ) -> Result<Option<CardRow>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let Some(card) = one_card(&tx, "out_track_id = $1 FOR UPDATE", &[&out_track_id]).await?
        else {
            return Ok(None);
        };
        let id = insert_message(&tx, &card.robot, &[], body, out_track_id, now).await?;
        tx.execute(
            "UPDATE cards SET status = $2, claimed_by = COALESCE($3, claimed_by), message_id = $4
             WHERE out_track_id = $1",
            &[&out_track_id, &status, &claimed_by, &id],
        )
        .await
        .map_err(db)?;
        let card = one_card(&tx, "out_track_id = $1", &[&out_track_id]).await?;
        tx.commit().await.map_err(db)?;
        Ok(card)
    }

    pub(super) async fn click_once(
        &self,
        key: &str,
        now: i64,
        window_ms: i64,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "INSERT INTO card_clicks (key, clicked_at) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET clicked_at = excluded.clicked_at
                 WHERE card_clicks.clicked_at <= $2::bigint - $3::bigint",
                &[&key, &now, &window_ms],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
    }

    pub(super) async fn signature_once(
        &self,
        signature: &str,
        now: i64,
        window_ms: i64,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "INSERT INTO callback_signatures (signature, used_at) VALUES ($1, $2)
                 ON CONFLICT (signature) DO UPDATE SET used_at = excluded.used_at
                 WHERE callback_signatures.used_at <= $2::bigint - $3::bigint",
                &[&signature, &now, &window_ms],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
    }

    pub(super) async fn unclick(&self, key: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute("DELETE FROM card_clicks WHERE key = $1", &[&key])
            .await
            .map_err(db)?;
        Ok(())
    }
}
