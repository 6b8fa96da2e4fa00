//! The outbox schema. WAL mode with `synchronous=NORMAL`: a commit survives the process being
//! killed at any moment; a power loss can lose the last commits that were not checkpointed.

pub const PRAGMAS: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
";

pub const SCHEMA: &str = "
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
";
