//! Escalation ladders (`escalation_port.rs`) in the shared database; their start rides in the
//! enqueue's transaction (`start`, called by `intake.rs`).

use super::super::EscalationStore;
use super::super::escalation_sql::{
    END_ACTED, LADDER_MESSAGE, MOVE, NOTE, NOTE_ACTED, NOTE_WITHDRAWN, NOTES, UNSENT, due_sql,
    ladder_of, ladder_opens, ladders_of, move_values, note_of, open_sql, withdraw_acted_sql,
    withdraw_ladder_sql,
};
use super::super::types::{
    Delivery, DueLadders, LadderLine, LadderMove, LadderNote, LadderRow, LadderStep, StoreError,
};
use super::PgOutbox;
use super::connection::{Params, Tx};
use super::error::db;
use super::lease::fenced;
use async_trait::async_trait;

/// Starts the ladders of a stored delivery (`payload`: its `QueuedAlert` JSON).
pub(super) async fn start(
    tx: &Tx<'_>,
    item: &Delivery,
    payload: &str,
    now: i64,
) -> Result<(), StoreError> {
    for open in ladder_opens(item, now) {
        let (route, issue, short_id) = (open.route, &open.issue, open.short_id);
        let params: Params = &[
            &route,
            issue,
            &short_id,
            &open.robot,
            &payload,
            &now,
            &open.next_at,
        ];
        tx.execute(open.sql, params).await?;
    }
    Ok(())
}

#[async_trait]
impl EscalationStore for PgOutbox {
    async fn act_on_issue(&self, issue: &str, by: &str, now: i64) -> Result<usize, StoreError> {
        let mut conn = self.db().await?;
        let tx = conn.transaction().await?;
        // The issue's ladders, locked first: a step committing meanwhile (its follow-up
        // queued) is waited for and then seen, and one after finds its ladder ended.
        let lock = "SELECT id FROM escalations WHERE issue = $1 ORDER BY id FOR UPDATE";
        tx.execute(lock, &[&issue]).await?;
        tx.execute(NOTE_ACTED, &[&now, &by, &issue]).await?;
        let withdrawn = tx
            .query_as(&withdraw_acted_sql(), &[&issue], |r| {
                r.try_get(0).map_err(db)
            })
            .await?;
        for ladder in ladders_of(withdrawn) {
            tx.execute(NOTE_WITHDRAWN, &[&now, &UNSENT, &ladder])
                .await?;
        }
        let ended = tx.execute(END_ACTED, &[&by, &now, &issue]).await?;
        tx.commit().await?;
        Ok(usize::try_from(ended).unwrap_or(usize::MAX))
    }

    async fn due_ladders(&self, ask: DueLadders<'_>) -> Result<Vec<LadderRow>, StoreError> {
        let (robot, now, limit) = (ask.robot, ask.now, ask.limit);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let params: Params = &[&robot, &now, &limit];
        self.db()
            .await?
            .query_as(&due_sql(), params, ladder_of)
            .await
    }

    async fn open_ladders(&self) -> Result<Vec<LadderRow>, StoreError> {
        self.db().await?.query_as(&open_sql(), &[], ladder_of).await
    }

    async fn move_ladder(&self, step: LadderStep<'_>) -> Result<bool, StoreError> {
        let (lease, ladder, how, now) = (step.lease, step.ladder, step.how, step.now);
        let v = move_values(ladder, &how, now);
        let mut conn = self.db().await?;
        let tx = fenced(&mut conn, lease).await?;
        let params: Params = &[
            &v.step,
            &v.next_at,
            &v.state,
            &v.ended_by,
            &ladder.id,
            &ladder.step,
            &ladder.started_at,
        ];
        if tx.execute(MOVE, params).await? == 0 {
            return Ok(false);
        }
        if let Some(note) = v.note {
            insert_note(&tx, ladder, note, now).await?;
        }
        if v.state == "acted" {
            // A silence ended it: its untried follow-ups go, as after any act.
            let withdraw = withdraw_ladder_sql();
            let read = |r: &tokio_postgres::Row| r.try_get::<_, i64>(0).map_err(db);
            if !tx
                .query_as(&withdraw, &[&ladder.id], read)
                .await?
                .is_empty()
            {
                tx.execute(NOTE_WITHDRAWN, &[&now, &UNSENT, &ladder.id])
                    .await?;
            }
        }
        let mut woken = None;
        if let LadderMove::Took {
            message: Some(queued),
            ..
        } = how
        {
            let m = queued.message;
            let params: Params = &[&queued.robot, &m.msg_uuid, &m.body, &m.now, &ladder.id];
            tx.execute(LADDER_MESSAGE, params).await?;
            woken = Some(queued.robot.to_owned());
        }
        tx.commit().await?;
        if let Some(robot) = woken {
            self.wakeups.announce(&[robot]);
        }
        Ok(true)
    }

    async fn note_ladder(&self, line: LadderLine<'_>) -> Result<(), StoreError> {
        let (ladder, note, now) = (line.ladder, line.note, line.now);
        let conn = self.db().await?;
        insert_note(&conn, ladder, note, now).await
    }

    async fn ladder_notes(&self, issue: &str) -> Result<Vec<LadderNote>, StoreError> {
        self.db().await?.query_as(NOTES, &[&issue], note_of).await
    }
}

async fn insert_note<C>(
    conn: &super::connection::Db<C>,
    ladder: &LadderRow,
    note: &str,
    now: i64,
) -> Result<(), StoreError>
where
    C: deadpool_postgres::GenericClient,
{
    let params: Params = &[
        &ladder.id,
        &ladder.issue,
        &ladder.short_id,
        &ladder.route,
        &now,
        &note,
    ];
    conn.execute(NOTE, params).await?;
    Ok(())
}
