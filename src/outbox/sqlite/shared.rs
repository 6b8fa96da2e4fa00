//! Small state every sender and handler shares: one-use action links, the action-link key,
//! scheduled-run marks, installations' organizations, the readiness write.

use rusqlite::{Connection, OptionalExtension, params};

pub fn claim_action(c: &Connection, nonce: &str, now: i64) -> rusqlite::Result<bool> {
    let n = c.execute(
        "INSERT OR IGNORE INTO used_actions (nonce, used_at) VALUES (?1, ?2)",
        params![nonce, now],
    )?;
    Ok(n == 1)
}

pub fn release_action(c: &Connection, nonce: &str) -> rusqlite::Result<()> {
    c.execute("DELETE FROM used_actions WHERE nonce = ?1", [nonce])
        .map(|_| ())
}

pub fn action_used(c: &Connection, nonce: &str) -> rusqlite::Result<bool> {
    c.query_row(
        "SELECT COUNT(*) FROM used_actions WHERE nonce = ?1",
        [nonce],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// The stored value of `key`, or `fresh` stored now; whoever asks first decides.
pub fn get_or_insert(c: &Connection, key: &str, fresh: &[u8]) -> rusqlite::Result<Vec<u8>> {
    c.execute(
        "INSERT OR IGNORE INTO settings_kv (key, value) VALUES (?1, ?2)",
        params![key, fresh],
    )?;
    c.query_row("SELECT value FROM settings_kv WHERE key = ?1", [key], |r| {
        r.get(0)
    })
}

pub fn claim_scheduled_run(
    c: &Connection,
    job: &str,
    slot: i64,
    now: i64,
) -> rusqlite::Result<bool> {
    let n = c.execute(
        "INSERT OR IGNORE INTO scheduled_runs (job, slot, ran_at) VALUES (?1, ?2, ?3)",
        params![job, slot, now],
    )?;
    Ok(n == 1)
}

pub fn remember_installation_org(
    c: &Connection,
    installation: &str,
    org: &str,
    now: i64,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO installation_orgs (installation, org, learned_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (installation) DO UPDATE SET org = excluded.org, learned_at = excluded.learned_at",
        params![installation, org, now],
    )?;
    Ok(())
}

pub fn installation_org(c: &Connection, installation: &str) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT org FROM installation_orgs WHERE installation = ?1",
        [installation],
        |r| r.get(0),
    )
    .optional()
}

/// A committed write about the size of a webhook: it fails when the disk is full, the file is
/// read-only or locked, exactly when a webhook's insert would.
pub fn write_probe(c: &Connection, now: i64) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO health (id, checked_at, pad) VALUES (1, ?1, randomblob(8192))
         ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at, pad = excluded.pad",
        [now],
    )?;
    Ok(())
}
