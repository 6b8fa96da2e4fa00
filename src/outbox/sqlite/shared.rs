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

/// The stored value of `key`, or 32 random bytes stored now; whoever asks first decides. SQLite
/// draws them (`randomblob`, its CSPRNG): the key is never a statement's parameter, which a
/// driver's debug log could show.
pub fn get_or_insert_random(c: &Connection, key: &str) -> rusqlite::Result<Vec<u8>> {
    c.execute(
        "INSERT OR IGNORE INTO settings_kv (key, value) VALUES (?1, randomblob(32))",
        [key],
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

/// What `/readyz` asks: would a webhook be stored now? First the webhook's own inserts (dedup
/// key, trace record, alert row, repeat row, with their indexes) in a savepoint that is rolled
/// back: each walks its b-tree to the page a webhook's row would go to, so a damaged page
/// there fails here as it fails the webhook, at the cost of a few page reads (not a
/// `quick_check` of the whole file). Then a committed write about the size of a webhook: it
/// fails when the disk is full, the file is read-only or locked.
pub fn write_probe(c: &Connection, now: i64) -> rusqlite::Result<()> {
    c.execute_batch("SAVEPOINT readyz_probe")?;
    let walked = webhook_inserts(c, now);
    c.execute_batch("ROLLBACK TO readyz_probe; RELEASE readyz_probe")?;
    walked?;
    c.execute(
        "INSERT INTO health (id, checked_at, pad) VALUES (1, ?1, randomblob(8192))
         ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at, pad = excluded.pad",
        [now],
    )?;
    Ok(())
}

/// The rows a webhook writes (`enqueue.rs`), in the same tables; the caller rolls them back.
fn webhook_inserts(c: &Connection, now: i64) -> rusqlite::Result<()> {
    c.execute(
        "INSERT OR REPLACE INTO dedup (key, seen_at) VALUES ('readyz:probe', ?1)",
        [now],
    )?;
    c.execute(
        "INSERT INTO webhooks (received_at, resource, action, outcome, robots)
         VALUES (?1, 'readyz', 'probe', 'routed', '[]')",
        [now],
    )?;
    c.execute(
        "INSERT INTO alerts (robot, payload, level, received_at, webhook_id)
         VALUES ('readyz', '{}', 0, ?1, last_insert_rowid())",
        [now],
    )?;
    c.execute(
        "INSERT OR REPLACE INTO repeats (route, robot, issue, notified_at)
         VALUES ('readyz', 'readyz', 'probe', ?1)",
        [now],
    )?;
    Ok(())
}
