//! Escalation ladders (`escalation_port.rs`) in the SQLite file; their start rides in the
//! enqueue's unit of work (`start`, called by `intake.rs`).

use super::SqliteOutbox;
use crate::outbox::EscalationStore;
use crate::outbox::escalation_sql::{
    END_ACTED, LADDER_MESSAGE, MOVE, NOTE, NOTE_ACTED, NOTE_WITHDRAWN, NOTES, UNSENT, due_sql,
    ladder_of, ladder_opens, ladders_of, move_values, note_of, open_sql, withdraw_acted_sql,
    withdraw_ladder_sql,
};
use crate::outbox::types::{
    Delivery, DueLadders, LadderLine, LadderMove, LadderNote, LadderRow, LadderStep, StoreError,
};
use async_trait::async_trait;
use rusqlite::{Connection, params};

/// Starts the ladders of a stored delivery (`payload`: its `QueuedAlert` JSON).
pub(super) fn start(
    tx: &Connection,
    item: &Delivery,
    payload: &str,
    now: i64,
) -> rusqlite::Result<()> {
    for open in ladder_opens(item, now) {
        let (route, issue, short_id) = (open.route, &open.issue, open.short_id);
        let values = params![
            route,
            issue,
            short_id,
            open.robot,
            payload,
            now,
            open.next_at
        ];
        tx.prepare_cached(open.sql)?.execute(values)?;
    }
    Ok(())
}

fn insert_note(c: &Connection, ladder: &LadderRow, note: &str, now: i64) -> rusqlite::Result<()> {
    c.prepare_cached(NOTE)?.execute(params![
        ladder.id,
        ladder.issue,
        ladder.short_id,
        ladder.route,
        now,
        note
    ])?;
    Ok(())
}

#[async_trait]
impl EscalationStore for SqliteOutbox {
    async fn act_on_issue(&self, issue: &str, by: &str, now: i64) -> Result<usize, StoreError> {
        let (issue, by) = (issue.to_owned(), by.to_owned());
        self.write_sql(move |c| {
            let tx = c.transaction()?;
            tx.execute(NOTE_ACTED, params![now, by, issue])?;
            let withdrawn = tx
                .prepare(&withdraw_acted_sql())?
                .query_map(params![issue], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            for ladder in ladders_of(withdrawn) {
                tx.execute(NOTE_WITHDRAWN, params![now, UNSENT, ladder])?;
            }
            let ended = tx.execute(END_ACTED, params![by, now, issue])?;
            tx.commit()?;
            Ok(ended)
        })
        .await
    }

    async fn due_ladders(&self, ask: DueLadders<'_>) -> Result<Vec<LadderRow>, StoreError> {
        let (robot, now, limit) = (ask.robot, ask.now, ask.limit);
        let robot = robot.to_owned();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read_sql(move |c| {
            let mut stmt = c.prepare_cached(&due_sql())?;
            let rows = stmt.query_map(params![robot, now, limit], |r| ladder_of(r))?;
            rows.collect()
        })
        .await
    }

    async fn open_ladders(&self) -> Result<Vec<LadderRow>, StoreError> {
        self.read_sql(move |c| {
            let mut stmt = c.prepare_cached(&open_sql())?;
            let rows = stmt.query_map([], |r| ladder_of(r))?;
            rows.collect()
        })
        .await
    }

    async fn move_ladder(&self, step: LadderStep<'_>) -> Result<bool, StoreError> {
        let (lease, ladder, how, now) = (step.lease, step.ladder, step.how, step.now);
        let v = move_values(ladder, &how, now);
        let (step, next_at, state) = (v.step, v.next_at, v.state);
        let ended_by = v.ended_by.map(str::to_owned);
        let note = v.note.map(str::to_owned);
        let message = match how {
            LadderMove::Took {
                message: Some(q), ..
            } => Some((
                q.robot.to_owned(),
                q.message.body.to_owned(),
                q.message.msg_uuid.to_owned(),
                q.message.now,
            )),
            _ => None,
        };
        let woken = message.as_ref().map(|m| m.0.clone());
        let ladder = ladder.clone();
        let moved = self
            .fenced(lease, move |tx, _| {
                let changed = tx.prepare_cached(MOVE)?.execute(params![
                    step,
                    next_at,
                    state,
                    ended_by,
                    ladder.id,
                    ladder.step,
                    ladder.started_at
                ])?;
                if changed == 0 {
                    return Ok(false);
                }
                if let Some(note) = &note {
                    insert_note(tx, &ladder, note, now)?;
                }
                if state == "acted" {
                    // A silence ended it: its untried follow-ups go, as after any act.
                    let withdrawn = tx
                        .prepare(&withdraw_ladder_sql())?
                        .query_map(params![ladder.id], |r| r.get::<_, i64>(0))?
                        .collect::<rusqlite::Result<Vec<i64>>>()?;
                    if !withdrawn.is_empty() {
                        tx.execute(NOTE_WITHDRAWN, params![now, UNSENT, ladder.id])?;
                    }
                }
                if let Some((robot, body, uuid, at)) = &message {
                    let values = params![robot, uuid, body, at, ladder.id];
                    tx.prepare_cached(LADDER_MESSAGE)?.execute(values)?;
                }
                Ok(true)
            })
            .await?;
        if let (true, Some(robot)) = (moved, woken) {
            self.wake(robot);
        }
        Ok(moved)
    }

    async fn note_ladder(&self, line: LadderLine<'_>) -> Result<(), StoreError> {
        let (ladder, note, now) = (line.ladder, line.note, line.now);
        let (ladder, note) = (ladder.clone(), note.to_owned());
        self.write_sql(move |c| insert_note(c, &ladder, &note, now))
            .await
    }

    async fn ladder_notes(&self, issue: &str) -> Result<Vec<LadderNote>, StoreError> {
        let issue = issue.to_owned();
        self.read_sql(move |c| {
            let mut stmt = c.prepare_cached(NOTES)?;
            let rows = stmt.query_map([issue], |r| note_of(r))?;
            rows.collect()
        })
        .await
    }
}
