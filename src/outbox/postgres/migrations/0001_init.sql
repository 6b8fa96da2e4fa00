-- The shared outbox. Times are milliseconds since the Unix epoch (BIGINT), as the callers pass
-- them and as the SQLite store keeps them, so both stores answer the same questions alike.

CREATE TABLE messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    robot           TEXT    NOT NULL,
    msg_uuid        TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    alert_count     BIGINT  NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    last_attempt_at BIGINT,
    created_at      BIGINT  NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT
);
-- The sender asks these per robot on every step; messages of a week stay in the table.
CREATE INDEX messages_due ON messages (robot, state, next_attempt_at);
CREATE INDEX messages_attempts ON messages (robot, last_attempt_at);
CREATE INDEX messages_sent ON messages (robot, sent_at);
CREATE INDEX messages_created ON messages (robot, created_at);
CREATE INDEX messages_by_state ON messages (state, id);

CREATE TABLE alerts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    robot       TEXT    NOT NULL,
    payload     TEXT    NOT NULL,  -- JSON of the queued alert; read back leniently
    level       INTEGER NOT NULL,
    received_at BIGINT  NOT NULL,
    message_id  BIGINT REFERENCES messages (id) ON DELETE SET NULL
);
-- Picking and counting read only the waiting alerts, never the delivered backlog.
CREATE INDEX alerts_waiting ON alerts (robot, level DESC, id) WHERE message_id IS NULL;
CREATE INDEX alerts_waiting_age ON alerts (robot, received_at) WHERE message_id IS NULL;
-- Partial: a new alert (message_id NULL) costs this index nothing at ingest.
CREATE INDEX alerts_message ON alerts (message_id) WHERE message_id IS NOT NULL;

CREATE TABLE dedup (
    key     TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);

CREATE TABLE repeats (
    route       TEXT   NOT NULL,
    robot       TEXT   NOT NULL,
    issue       TEXT   NOT NULL,
    -- NULL only inside the enqueue that created the row (it takes the row lock first and
    -- sets the time before it commits), so a committed row always has a time.
    notified_at BIGINT,
    suppressed  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (route, robot, issue)
);

CREATE TABLE used_actions (
    nonce   TEXT PRIMARY KEY,
    used_at BIGINT NOT NULL
);

CREATE TABLE robot_state (
    robot        TEXT PRIMARY KEY,
    paused_until BIGINT NOT NULL
);

-- One row per robot: who may send for it, until when, and the fence its writes must carry.
-- owner '' means released.
CREATE TABLE leases (
    robot      TEXT PRIMARY KEY,
    owner      TEXT   NOT NULL,
    fence      BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE settings_kv (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE scheduled_runs (
    job        TEXT   NOT NULL,
    slot       BIGINT NOT NULL,
    claimed_at BIGINT NOT NULL,
    PRIMARY KEY (job, slot)
);

CREATE TABLE installation_orgs (
    installation TEXT PRIMARY KEY,
    org          TEXT   NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- What /readyz writes to prove that a commit goes through.
CREATE TABLE health (
    id         INTEGER PRIMARY KEY,
    checked_at BIGINT NOT NULL
);
