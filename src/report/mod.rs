//! The open-issues report (`digest` command, `digest_schedule`): unresolved issues from the
//! Sentry API, one message per robot, queued through the outbox.

pub mod open_issues;
pub mod schedule;
