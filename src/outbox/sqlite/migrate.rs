//! Versioned migrations of the SQLite outbox, tracked in `PRAGMA user_version`. WAL mode with
//! `synchronous=NORMAL`: a commit survives the process being killed at any moment; a power loss
//! can lose the last commits that were not checkpointed.
//!
//! Migration 1 is the schema of the first release written with `IF NOT EXISTS`, so a file made
//! before versioning (user_version 0) upgrades in place.

use rusqlite::Connection;
use std::borrow::Cow;

pub const PRAGMAS: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
";

/// Now in milliseconds, as PostgreSQL's `0005_send_attempts.sql` writes it and as SQLite
/// computes it.
const PG_NOW_MS: &str = "(extract(epoch FROM now()) * 1000)::bigint";
const SQLITE_NOW_MS: &str = "CAST(strftime('%s', 'now') AS INTEGER) * 1000";

/// One migration's SQL: written for SQLite, or PostgreSQL's own file read in SQLite's words.
enum Migration {
    Sqlite(&'static str),
    Postgres(&'static str),
}
use Migration::{Postgres, Sqlite};

impl Migration {
    fn sql(&self) -> Cow<'static, str> {
        match self {
            Sqlite(sql) => Cow::Borrowed(sql),
            // An identity key is SQLite's rowid (only `INTEGER PRIMARY KEY` makes the column
            // that alias), and a BIGINT its INTEGER. Now in milliseconds is whole seconds × 1000
            // in SQLite (no `extract`, no `::`): exactly what this file's migration 6 ran when
            // it was a copy of its own, so files migrated before and after read the same.
            Postgres(sql) => Cow::Owned(
                sql.replace(
                    "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                    "INTEGER PRIMARY KEY",
                )
                .replace("BIGINT", "INTEGER")
                .replace(PG_NOW_MS, SQLITE_NOW_MS),
            ),
        }
    }
}

/// Oldest first: entry i takes `user_version` to i + 1. A released entry never changes what it
/// does; it may only come to read PostgreSQL's file when that file, translated, does the same.
const MIGRATIONS: &[Migration] = &[
    Sqlite(
        "
CREATE TABLE IF NOT EXISTS messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    robot           TEXT    NOT NULL,
    msg_uuid        TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    alert_count     INTEGER NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT
);
CREATE INDEX IF NOT EXISTS messages_due ON messages (robot, state, next_attempt_at);

CREATE TABLE IF NOT EXISTS alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    robot       TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    level       INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    message_id  INTEGER REFERENCES messages (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS alerts_waiting ON alerts (robot, message_id);

CREATE TABLE IF NOT EXISTS dedup (
    key     TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS repeats (
    route       TEXT    NOT NULL,
    robot       TEXT    NOT NULL,
    issue       TEXT    NOT NULL,
    notified_at INTEGER NOT NULL,
    suppressed  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (route, robot, issue)
);

CREATE TABLE IF NOT EXISTS used_actions (
    nonce   TEXT PRIMARY KEY,
    used_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS robot_state (
    robot        TEXT PRIMARY KEY,
    paused_until INTEGER NOT NULL
);
",
    ),
    // Issue 9/10: the backlog is picked through partial indexes (no scan of a million waiting
    // rows), the budget history through an index, and the shared small state lives here too.
    Sqlite(
        "
DROP INDEX IF EXISTS alerts_waiting;
CREATE INDEX alerts_waiting_pick ON alerts (robot, level DESC, id) WHERE message_id IS NULL;
CREATE INDEX alerts_waiting_age ON alerts (robot, id) WHERE message_id IS NULL;
CREATE INDEX alerts_message ON alerts (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX messages_attempts ON messages (robot, last_attempt_at);
CREATE INDEX messages_sent ON messages (state, sent_at);
CREATE INDEX dedup_seen ON dedup (seen_at);

CREATE TABLE leases (
    robot      TEXT PRIMARY KEY,
    owner      TEXT    NOT NULL,
    fence      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE settings_kv (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE scheduled_runs (
    job    TEXT    NOT NULL,
    slot   INTEGER NOT NULL,
    ran_at INTEGER NOT NULL,
    PRIMARY KEY (job, slot)
);
CREATE TABLE installation_orgs (
    installation TEXT PRIMARY KEY,
    org          TEXT    NOT NULL,
    learned_at   INTEGER NOT NULL
);
CREATE TABLE health (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at INTEGER NOT NULL,
    pad        BLOB    NOT NULL
);
",
    ),
    // Issue 13: what became of each webhook about an issue (`outbox trace`, `/ui/trace`).
    // The same tables as PostgreSQL's, from its file.
    Postgres(include_str!("../postgres/migrations/0002_trace.sql")),
    // Issue 14: one live card per (card robot, Sentry issue), and card button clicks seen.
    Sqlite(
        "
CREATE TABLE cards (
    robot        TEXT    NOT NULL,
    card_key     TEXT    NOT NULL,
    out_track_id TEXT    NOT NULL UNIQUE,
    status       TEXT    NOT NULL,
    count        INTEGER NOT NULL,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    claimed_by   TEXT,
    created      INTEGER NOT NULL DEFAULT 0,
    alert        TEXT    NOT NULL,
    message_id   INTEGER,
    PRIMARY KEY (robot, card_key)
);
CREATE INDEX cards_seen ON cards (last_seen);
CREATE TABLE card_clicks (
    key        TEXT PRIMARY KEY,
    clicked_at INTEGER NOT NULL
);
",
    ),
    // Issue 17: card callback signatures already used (one callback per signature).
    Postgres(include_str!(
        "../postgres/migrations/0004_callback_signatures.sql"
    )),
    // Issue 17: every send attempt counts against the budget, seeded with the last attempt of
    // each recent message. PostgreSQL's file; its clock read in SQLite's words (see `sql`).
    Postgres(include_str!(
        "../postgres/migrations/0005_send_attempts.sql"
    )),
    // Issue 19: silences, and what holds an alert back. PostgreSQL's file.
    Postgres(include_str!("../postgres/migrations/0006_silences.sql")),
    // Issue 20: on-call overrides. PostgreSQL's file.
    Postgres(include_str!(
        "../postgres/migrations/0007_oncall_overrides.sql"
    )),
    // Issue 20: escalation ladders and their notes. PostgreSQL's file.
    Postgres(include_str!("../postgres/migrations/0008_escalations.sql")),
    // Issue 21: storms. PostgreSQL's file.
    Postgres(include_str!("../postgres/migrations/0009_storms.sql")),
    // Issue 21: open-API calls per card robot and month. PostgreSQL's file.
    Postgres(include_str!(
        "../postgres/migrations/0010_open_api_calls.sql"
    )),
    // Issue 22: the status page's counts per robot, kind and 10 minutes. PostgreSQL's file.
    Postgres(include_str!("../postgres/migrations/0011_tallies.sql")),
    // A ladder's follow-ups know their ladder (withdrawn by an act). PostgreSQL's file.
    Postgres(include_str!(
        "../postgres/migrations/0012_ladder_messages.sql"
    )),
];

/// Applies the migrations this file has not seen yet, each in its own transaction.
pub(super) fn apply(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(PRAGMAS)?;
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > MIGRATIONS.len() as i64 {
        // A newer build migrated this file (a downgrade): it still works for us
        // (expand/contract), but say so, as PostgreSQL's store does.
        tracing::info!(
            database_version = current,
            "the database schema is newer than this build"
        );
    }
    for (i, migration) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(&migration.sql())?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Migration 6, from PostgreSQL's `0005_send_attempts.sql`, seeds what its former SQLite
    /// copy seeded: the last attempts of the past ten minutes, by SQLite's clock.
    #[test]
    fn send_attempts_are_seeded_with_the_recent_last_attempts() {
        let sql = MIGRATIONS[5].sql();
        assert!(
            sql.contains(SQLITE_NOW_MS) && !sql.contains("extract"),
            "{sql}"
        );
        let mut conn = Connection::open_in_memory().expect("in memory");
        let tx = conn.transaction().expect("transaction");
        for migration in &MIGRATIONS[..5] {
            tx.execute_batch(&migration.sql()).expect("migrates");
        }
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis() as i64;
        for (uuid, last_attempt_at) in [("recent", now_ms - 60_000), ("old", now_ms - 900_000)] {
            tx.execute(
                "INSERT INTO messages (robot, msg_uuid, body, alert_count, next_attempt_at,
                                       created_at, last_attempt_at)
                 VALUES ('ops', ?1, '', 0, 0, 0, ?2)",
                rusqlite::params![uuid, last_attempt_at],
            )
            .expect("message");
        }
        tx.execute_batch(&MIGRATIONS[5].sql()).expect("migration 6");
        let seeded: Vec<i64> = tx
            .prepare("SELECT counted_at FROM send_attempts")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("reads");
        assert_eq!(seeded, [now_ms - 60_000]);
    }
}
