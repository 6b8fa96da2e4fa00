//! Small state every sender and handler shares: one-use action links, the action-link key,
//! scheduled-run marks, installations' organizations.

use super::SqliteOutbox;
use crate::outbox::port::SharedState;
use crate::outbox::types::{InstallationOrg, ScheduledRun, StoreError};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl SharedState for SqliteOutbox {
    async fn claim_action(&self, nonce: &str, now: i64) -> Result<bool, StoreError> {
        let nonce = nonce.to_owned();
        let sql = "INSERT OR IGNORE INTO used_actions (nonce, used_at) VALUES (?1, ?2)";
        self.claim(sql, (nonce, now)).await
    }

    async fn release_action(&self, nonce: &str) -> Result<(), StoreError> {
        let nonce = nonce.to_owned();
        let sql = "DELETE FROM used_actions WHERE nonce = ?1";
        self.write_sql(move |c| c.execute(sql, [nonce])).await?;
        Ok(())
    }

    async fn action_used(&self, nonce: &str) -> Result<bool, StoreError> {
        let nonce = nonce.to_owned();
        let sql = "SELECT COUNT(*) FROM used_actions WHERE nonce = ?1";
        self.read_sql(move |c| c.query_row(sql, [nonce], |r| r.get::<_, i64>(0)))
            .await
            .map(|n| n > 0)
    }

    /// The stored key, or 32 random bytes stored now; whoever asks first decides. SQLite draws
    /// them (`randomblob`, its CSPRNG): the key is never a statement's parameter, which a
    /// driver's debug log could show.
    async fn action_key(&self) -> Result<Vec<u8>, StoreError> {
        self.write_sql(|c| {
            c.execute(
                "INSERT OR IGNORE INTO settings_kv (key, value) VALUES ('action_key', randomblob(32))",
                [],
            )?;
            c.query_row(
                "SELECT value FROM settings_kv WHERE key = 'action_key'",
                [],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn claim_scheduled_run(&self, run: ScheduledRun<'_>) -> Result<bool, StoreError> {
        let (job, slot, now) = (run.job.to_owned(), run.slot, run.now);
        let sql = "INSERT OR IGNORE INTO scheduled_runs (job, slot, ran_at) VALUES (?1, ?2, ?3)";
        self.claim(sql, (job, slot, now)).await
    }

    async fn remember_installation_org(&self, org: InstallationOrg<'_>) -> Result<(), StoreError> {
        let (installation, now) = (org.installation.to_owned(), org.now);
        let org = org.org.to_owned();
        let sql =
            "INSERT INTO installation_orgs (installation, org, learned_at) VALUES (?1, ?2, ?3)
                   ON CONFLICT (installation) DO UPDATE SET org = excluded.org,
                                                            learned_at = excluded.learned_at";
        self.write_sql(move |c| c.execute(sql, params![installation, org, now]))
            .await?;
        Ok(())
    }

    async fn installation_org(&self, installation: &str) -> Result<Option<String>, StoreError> {
        let installation = installation.to_owned();
        let sql = "SELECT org FROM installation_orgs WHERE installation = ?1";
        self.read_sql(move |c| c.query_row(sql, [installation], |r| r.get(0)).optional())
            .await
    }
}
