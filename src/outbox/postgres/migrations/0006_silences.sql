-- Issue 19: silences, and what holds an alert back (a silence, a mute window) beside it. A held
-- alert has `held_by` set and no message; its end summary's message takes it.

CREATE TABLE silences (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    matchers   TEXT   NOT NULL,  -- JSON of the matchers as written
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    comment    TEXT   NOT NULL DEFAULT '',
    created_by TEXT   NOT NULL DEFAULT '',
    held       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX silences_ends ON silences (ends_at);
ALTER TABLE alerts ADD COLUMN held_by TEXT;
CREATE INDEX alerts_held ON alerts (robot, held_by) WHERE held_by IS NOT NULL AND message_id IS NULL;
