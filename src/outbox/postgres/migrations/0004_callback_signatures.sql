-- Issue 17: card callback signatures already used. DingTalk signs only the timestamp, so a
-- signature is good for one callback, on every replica.
CREATE TABLE callback_signatures (
    signature TEXT PRIMARY KEY,
    used_at   BIGINT NOT NULL
);
