-- Issue 21: storms. A storm's alerts are held under `storm:ID` (alerts.held_by) and taken by
-- its summaries; the index finds all of them, in a message or not, for the tally and the page.

CREATE TABLE storms (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    robot           TEXT   NOT NULL,
    started_at      BIGINT NOT NULL,
    ended_at        BIGINT,
    last_message_at BIGINT,
    messages        BIGINT NOT NULL DEFAULT 0,
    top             TEXT   NOT NULL DEFAULT '[]'  -- issue keys at the top of the last summary
);
CREATE UNIQUE INDEX storms_current ON storms (robot) WHERE ended_at IS NULL;
CREATE INDEX alerts_held_by ON alerts (held_by, id) WHERE held_by IS NOT NULL;
