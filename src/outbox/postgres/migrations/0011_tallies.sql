-- Issue 22: the status page's chart — per robot, kind (in, out, held, throttled, dead) and
-- 10-minute bucket (its start, epoch milliseconds), the count every replica adds to.

CREATE TABLE tallies (
    robot  TEXT   NOT NULL,
    kind   TEXT   NOT NULL,
    bucket BIGINT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (robot, kind, bucket)
);
CREATE INDEX tallies_bucket ON tallies (bucket);
