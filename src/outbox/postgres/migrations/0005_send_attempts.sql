-- Issue 17: every send attempt counts against the budget, committed before its request goes
-- out. Seeded with the last attempt of each recent message, the history kept so far.

CREATE TABLE send_attempts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    robot      TEXT   NOT NULL,
    message_id BIGINT NOT NULL,
    counted_at BIGINT NOT NULL
);
CREATE INDEX send_attempts_robot ON send_attempts (robot, counted_at);
CREATE INDEX send_attempts_message ON send_attempts (message_id);
INSERT INTO send_attempts (robot, message_id, counted_at)
    SELECT robot, id, last_attempt_at FROM messages
    WHERE last_attempt_at > (extract(epoch FROM now()) * 1000)::bigint - 600000;
