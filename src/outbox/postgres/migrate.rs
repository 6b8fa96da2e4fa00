//! Versioned migrations, applied at connect.
//!
//! All pending migrations run in one transaction that first takes a transaction-scoped
//! advisory lock: replicas starting together queue on the lock, and each one after the first
//! finds the versions already recorded and applies nothing. DDL is transactional in
//! PostgreSQL, so a failed migration leaves no half-made schema behind.
//!
//! Upgrades are expand/contract: a migration only adds what the new build needs, so the old
//! build keeps running beside it during a rolling update; removing what only the old build
//! used waits for a later release.

use super::super::types::StoreError;
use super::connection::Conn;
use super::error::db;

/// An arbitrary key, fixed forever: every build of the relay must take the same one. Nothing
/// else on the database may use it for its own advisory lock.
const MIGRATION_LOCK: i64 = 0x5d_71_6e_67_74_61_6c_6b;

/// (version, SQL), oldest first. A released entry is never edited, only followed by new ones.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_trace.sql")),
    (3, include_str!("migrations/0003_cards.sql")),
    (4, include_str!("migrations/0004_callback_signatures.sql")),
    (5, include_str!("migrations/0005_send_attempts.sql")),
    (6, include_str!("migrations/0006_silences.sql")),
    (7, include_str!("migrations/0007_oncall_overrides.sql")),
    (8, include_str!("migrations/0008_escalations.sql")),
    (9, include_str!("migrations/0009_storms.sql")),
    (10, include_str!("migrations/0010_open_api_calls.sql")),
    (11, include_str!("migrations/0011_tallies.sql")),
    (12, include_str!("migrations/0012_ladder_messages.sql")),
];

pub(super) async fn apply(conn: &mut Conn) -> Result<(), StoreError> {
    let tx = conn.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    // Every start after the first meets the table: PostgreSQL's NOTICE saying so is expected,
    // and would reach every command's stderr through tokio-postgres's log.
    tx.batch_execute(
        "SET LOCAL client_min_messages = warning;
         CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .await?;
    let applied: Vec<i32> = tx
        .query("SELECT version FROM schema_migrations", &[])
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()
        .map_err(db)?;
    if let Some(newest) = applied.iter().max()
        && *newest > MIGRATIONS.last().map_or(0, |(v, _)| *v)
    {
        // A newer build migrated this database: it still works for us (expand/contract), so
        // carry on, but say so for whoever wonders why two versions run side by side.
        tracing::info!(
            database_version = newest,
            "the database schema is newer than this build"
        );
    }
    for (version, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )
        .await?;
        tracing::info!(version, "applied outbox migration");
    }
    tx.commit().await
}
