-- Issue 21: a card robot's open-API calls per month (DingTalk's month, Asia/Shanghai, as
-- `2026-12`), counted by every replica in one row, and when DingTalk last answered 90020.

CREATE TABLE open_api_calls (
    robot      TEXT   NOT NULL,
    month      TEXT   NOT NULL,
    calls      BIGINT NOT NULL DEFAULT 0,
    spent_at   BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (robot, month)
);
