-- A ladder's follow-up knows its ladder: an act on the issue withdraws the follow-ups that
-- were queued but never tried (budget, a paused robot), so "nobody acted" never comes after
-- someone did.
ALTER TABLE messages ADD COLUMN ladder BIGINT;
CREATE INDEX messages_ladder ON messages (ladder) WHERE ladder IS NOT NULL;
