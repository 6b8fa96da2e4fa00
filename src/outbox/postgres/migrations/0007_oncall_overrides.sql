-- Issue 20: someone else on call for a while (`oncall override`), seen by every replica.

CREATE TABLE oncall_overrides (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rota       TEXT   NOT NULL,
    person     TEXT   NOT NULL,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    created_by TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX oncall_overrides_ends ON oncall_overrides (ends_at);
