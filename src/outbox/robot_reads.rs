//! The sender's reads of one robot's numbers, one SQL text for both backends: `$1`, `$2` are
//! positional in PostgreSQL, and in SQLite named parameters numbered in the order they first
//! appear, which is the same order here.

/// How many alerts wait for the robot (no message yet, not held by a silence or window).
const WAITING_COUNT: &str =
    "SELECT COUNT(*) FROM alerts WHERE robot = $1 AND message_id IS NULL AND held_by IS NULL";

/// When the robot's next pending message is due.
const NEXT_DUE_AT: &str =
    "SELECT MIN(next_attempt_at) FROM messages WHERE robot = $1 AND state = 'pending'";

/// When the robot's newest message was made.
const LAST_CREATED_AT: &str = "SELECT MAX(created_at) FROM messages WHERE robot = $1";

/// When DingTalk last accepted a message of the robot.
const LAST_SENT_AT: &str = "SELECT MAX(sent_at) FROM messages WHERE robot = $1";

/// Until when the robot is paused (one row per robot at most; MAX reads none as NULL).
const PAUSED_UNTIL: &str = "SELECT MAX(paused_until) FROM robot_state WHERE robot = $1";

/// When the robot's oldest alert not yet delivered arrived: waiting for a message (not held by a
/// silence, window or storm: those wait on purpose) or in a pending one. Dead messages are
/// not counted — they wait for an operator, and `outbox_messages{state="dead"}` tells them.
/// Both halves read partial indexes (`alerts_waiting_age`, `messages_due` + `alerts_message`).
const OLDEST_UNDELIVERED: &str = "SELECT MIN(t) FROM (
     SELECT MIN(received_at) AS t FROM alerts
     WHERE robot = $1 AND message_id IS NULL AND held_by IS NULL
     UNION ALL
     SELECT MIN(a.received_at) AS t FROM messages m JOIN alerts a ON a.message_id = m.id
     WHERE m.robot = $1 AND m.state = 'pending') AS undelivered";

/// One number about a robot that its sender reads (`SenderStore::robot_number`): each backend
/// runs the same text, so the reads are one method per backend instead of one per number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RobotNumber {
    WaitingCount,
    NextDueAt,
    LastCreatedAt,
    LastSentAt,
    PausedUntil,
    /// Read by the metrics scrape (`oldest_waiting_seconds`), not the sender.
    OldestUndelivered,
}

impl RobotNumber {
    /// Its select: one nullable integer, the robot as `$1`.
    pub(super) fn sql(self) -> &'static str {
        match self {
            Self::WaitingCount => WAITING_COUNT,
            Self::NextDueAt => NEXT_DUE_AT,
            Self::LastCreatedAt => LAST_CREATED_AT,
            Self::LastSentAt => LAST_SENT_AT,
            Self::PausedUntil => PAUSED_UNTIL,
            Self::OldestUndelivered => OLDEST_UNDELIVERED,
        }
    }
}

/// The robot's counted send attempts at or after `$2`, oldest first.
pub(super) const ATTEMPTS_SINCE: &str = "SELECT counted_at FROM send_attempts
    WHERE robot = $1 AND counted_at >= $2 ORDER BY counted_at";
