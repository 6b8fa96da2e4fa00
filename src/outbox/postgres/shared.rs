//! The small state the replicas share: used action links, the action-link key, scheduled-run
//! marks, installations' organizations.

use super::super::port::SharedState;
use super::super::types::{InstallationOrg, ScheduledRun, StoreError};
use super::PgOutbox;
use super::error::db;
use async_trait::async_trait;

const ACTION_KEY: &str = "action_key";

#[async_trait]
impl SharedState for PgOutbox {
    async fn claim_action(&self, nonce: &str, now: i64) -> Result<bool, StoreError> {
        let sql = "INSERT INTO used_actions (nonce, used_at) VALUES ($1, $2)
                   ON CONFLICT (nonce) DO NOTHING";
        self.db().await?.claims(sql, &[&nonce, &now]).await
    }

    async fn release_action(&self, nonce: &str) -> Result<(), StoreError> {
        let sql = "DELETE FROM used_actions WHERE nonce = $1";
        self.db().await?.execute(sql, &[&nonce]).await.map(|_| ())
    }

    async fn action_used(&self, nonce: &str) -> Result<bool, StoreError> {
        let sql = "SELECT used_at FROM used_actions WHERE nonce = $1";
        Ok(self.db().await?.scalar(sql, &[&nonce]).await?.is_some())
    }

    async fn action_key(&self) -> Result<Vec<u8>, StoreError> {
        self.action_key
            .get_or_try_init(|| async {
                let conn = self.db().await?;
                // Whoever asks first stores a random key; everyone then reads the stored one
                // (a separate statement, so it sees a key another replica just committed). The
                // server draws the key (244 random bits from two v4 UUIDs, hashed to 32 bytes):
                // a key sent as a parameter would be in tokio-postgres's debug log.
                let insert = "INSERT INTO settings_kv (key, value)
                              VALUES ($1, sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())))
                              ON CONFLICT (key) DO NOTHING";
                conn.execute(insert, &[&ACTION_KEY]).await?;
                let select = "SELECT value FROM settings_kv WHERE key = $1";
                let row = conn.query_one(select, &[&ACTION_KEY]).await?;
                row.try_get::<_, Vec<u8>>(0).map_err(db)
            })
            .await
            .cloned()
    }

    async fn claim_scheduled_run(&self, run: ScheduledRun<'_>) -> Result<bool, StoreError> {
        let (job, slot, now) = (run.job, run.slot, run.now);
        let sql = "INSERT INTO scheduled_runs (job, slot, claimed_at) VALUES ($1, $2, $3)
                   ON CONFLICT (job, slot) DO NOTHING";
        self.db().await?.claims(sql, &[&job, &slot, &now]).await
    }

    async fn remember_installation_org(&self, org: InstallationOrg<'_>) -> Result<(), StoreError> {
        let (installation, org, now) = (org.installation, org.org, org.now);
        let sql = "INSERT INTO installation_orgs (installation, org, updated_at)
                   VALUES ($1, $2, $3)
                   ON CONFLICT (installation) DO UPDATE SET org = excluded.org,
                                                            updated_at = excluded.updated_at";
        let conn = self.db().await?;
        conn.execute(sql, &[&installation, &org, &now]).await?;
        Ok(())
    }

    async fn installation_org(&self, installation: &str) -> Result<Option<String>, StoreError> {
        let sql = "SELECT org FROM installation_orgs WHERE installation = $1";
        match self.db().await?.query_opt(sql, &[&installation]).await? {
            Some(row) => row.try_get(0).map(Some).map_err(db),
            None => Ok(None),
        }
    }
}
