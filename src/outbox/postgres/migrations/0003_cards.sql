-- Issue 14: one live card per (card robot, Sentry issue), and card button clicks seen.

CREATE TABLE cards (
    robot        TEXT    NOT NULL,
    card_key     TEXT    NOT NULL,
    out_track_id TEXT    NOT NULL UNIQUE,
    status       TEXT    NOT NULL,
    count        BIGINT  NOT NULL,
    first_seen   BIGINT  NOT NULL,
    last_seen    BIGINT  NOT NULL,
    claimed_by   TEXT,
    created      BOOLEAN NOT NULL DEFAULT FALSE,
    alert        TEXT    NOT NULL,
    message_id   BIGINT,
    PRIMARY KEY (robot, card_key)
);
CREATE INDEX cards_seen ON cards (last_seen);

CREATE TABLE card_clicks (
    key        TEXT PRIMARY KEY,
    clicked_at BIGINT NOT NULL
);
