//! The status page's counts and a message's issues (`console_port.rs`) in the shared
//! database: every replica adds to the same rows.

use super::super::ConsoleStore;
use super::super::console_port::MessageIssue;
use super::super::console_sql::{ADD, PAYLOADS, PRUNE, SINCE, issues_of, tally_of};
use super::super::types::StoreError;
use super::PgOutbox;
use super::error::db;
use crate::domain::tally::Tally;
use async_trait::async_trait;

#[async_trait]
impl ConsoleStore for PgOutbox {
    async fn add_tallies(&self, tallies: &[Tally]) -> Result<(), StoreError> {
        if tallies.is_empty() {
            return Ok(());
        }
        let mut conn = self.db().await?;
        let tx = conn.transaction().await?;
        for t in tallies {
            tx.execute(ADD, &[&t.robot, &t.kind.as_str(), &t.bucket, &t.n])
                .await?;
        }
        tx.commit().await
    }

    async fn tallies(&self, since: i64) -> Result<Vec<Tally>, StoreError> {
        let rows = self.db().await?.query(SINCE, &[&since]).await?;
        let mut out = Vec::new();
        for row in &rows {
            if let Some(t) = tally_of(row)? {
                out.push(t);
            }
        }
        Ok(out)
    }

    async fn prune_tallies(&self, before: i64) -> Result<u64, StoreError> {
        self.db().await?.execute(PRUNE, &[&before]).await
    }

    async fn message_issues(&self, id: i64, limit: usize) -> Result<Vec<MessageIssue>, StoreError> {
        let rows = self.db().await?.query(PAYLOADS, &[&id]).await?;
        let payloads = rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<Vec<String>, _>>()
            .map_err(db)?;
        Ok(issues_of(&payloads, limit))
    }
}
