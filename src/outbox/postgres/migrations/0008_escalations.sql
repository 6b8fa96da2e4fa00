-- Issue 20: escalation ladders, one per (route, issue), climbed by the sender of the route's
-- runner robot; and the notes each ladder leaves for the trace.

CREATE TABLE escalations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route      TEXT   NOT NULL,
    issue      TEXT   NOT NULL,  -- the Sentry issue id, or incident:ID
    short_id   TEXT,
    robot      TEXT   NOT NULL,  -- the runner: its lease fences every step
    alert      TEXT   NOT NULL,  -- the alert that started it (QueuedAlert JSON)
    started_at BIGINT NOT NULL,
    next_at    BIGINT NOT NULL,
    step       BIGINT NOT NULL DEFAULT 0,
    state      TEXT   NOT NULL DEFAULT 'open',  -- open | acted | done
    ended_by   TEXT,
    UNIQUE (route, issue)
);
CREATE INDEX escalations_due ON escalations (robot, next_at) WHERE state = 'open';
CREATE INDEX escalations_issue ON escalations (issue);

CREATE TABLE escalation_notes (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ladder    BIGINT NOT NULL,
    issue     TEXT   NOT NULL,
    short_id  TEXT,
    route     TEXT   NOT NULL,
    at        BIGINT NOT NULL,
    note      TEXT   NOT NULL
);
CREATE INDEX escalation_notes_issue ON escalation_notes (issue);
