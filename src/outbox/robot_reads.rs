//! The sender's reads of one robot's numbers, one SQL text for both backends: `$1`, `$2` are
//! positional in PostgreSQL, and in SQLite named parameters numbered in the order they first
//! appear, which is the same order here.

/// How many alerts wait for the robot (no message yet, not held by a silence or window).
pub(super) const WAITING_COUNT: &str =
    "SELECT COUNT(*) FROM alerts WHERE robot = $1 AND message_id IS NULL AND held_by IS NULL";

/// When the robot's next pending message is due.
pub(super) const NEXT_DUE_AT: &str =
    "SELECT MIN(next_attempt_at) FROM messages WHERE robot = $1 AND state = 'pending'";

/// When the robot's newest message was made.
pub(super) const LAST_CREATED_AT: &str = "SELECT MAX(created_at) FROM messages WHERE robot = $1";

/// When DingTalk last accepted a message of the robot.
pub(super) const LAST_SENT_AT: &str = "SELECT MAX(sent_at) FROM messages WHERE robot = $1";

/// Until when the robot is paused (one row per robot at most; MAX reads none as NULL).
pub(super) const PAUSED_UNTIL: &str = "SELECT MAX(paused_until) FROM robot_state WHERE robot = $1";

/// The robot's counted send attempts at or after `$2`, oldest first.
pub(super) const ATTEMPTS_SINCE: &str = "SELECT counted_at FROM send_attempts
    WHERE robot = $1 AND counted_at >= $2 ORDER BY counted_at";
