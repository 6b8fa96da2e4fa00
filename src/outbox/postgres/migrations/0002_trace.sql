-- Issue 13: what became of each webhook about an issue (`outbox trace`, `/ui/trace`).
-- Expand only: an older build keeps inserting alerts without a webhook_id.

CREATE TABLE webhooks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at BIGINT NOT NULL,
    issue_id    TEXT,
    short_id    TEXT,
    resource    TEXT   NOT NULL,
    action      TEXT   NOT NULL,
    rule        TEXT,
    request_id  TEXT,
    outcome     TEXT   NOT NULL,
    robots      TEXT   NOT NULL,  -- JSON: [{robot, reason, suppressed_by}]
    note        TEXT
);
CREATE INDEX webhooks_issue ON webhooks (issue_id, id) WHERE issue_id IS NOT NULL;
CREATE INDEX webhooks_short ON webhooks (short_id, id) WHERE short_id IS NOT NULL;
CREATE INDEX webhooks_received ON webhooks (received_at);

-- No default, no constraint: adding the column rewrites nothing.
ALTER TABLE alerts ADD COLUMN webhook_id BIGINT;
CREATE INDEX alerts_webhook ON alerts (webhook_id) WHERE webhook_id IS NOT NULL;
