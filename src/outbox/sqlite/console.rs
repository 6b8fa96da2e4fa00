//! The status page's counts and a message's issues (`console_port.rs`) in the SQLite file.

use super::SqliteOutbox;
use crate::domain::tally::Tally;
use crate::outbox::ConsoleStore;
use crate::outbox::console_port::MessageIssue;
use crate::outbox::console_sql::{ADD, PAYLOADS, PRUNE, SINCE, issues_of, tally_of};
use crate::outbox::types::StoreError;
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl ConsoleStore for SqliteOutbox {
    async fn add_tallies(&self, tallies: &[Tally]) -> Result<(), StoreError> {
        if tallies.is_empty() {
            return Ok(());
        }
        let tallies = tallies.to_vec();
        self.write_sql(move |c| {
            let tx = c.transaction()?;
            {
                let mut add = tx.prepare_cached(ADD)?;
                for t in &tallies {
                    add.execute(params![t.robot, t.kind.as_str(), t.bucket, t.n])?;
                }
            }
            tx.commit()
        })
        .await
    }

    async fn tallies(&self, since: i64) -> Result<Vec<Tally>, StoreError> {
        self.read_sql(move |c| {
            let mut stmt = c.prepare_cached(SINCE)?;
            let rows = stmt.query_map([since], |r| tally_of(r))?;
            rows.filter_map(Result::transpose).collect()
        })
        .await
    }

    async fn prune_tallies(&self, before: i64) -> Result<u64, StoreError> {
        self.write_sql(move |c| c.execute(PRUNE, [before]).map(|n| n as u64))
            .await
    }

    async fn message_issues(&self, id: i64, limit: usize) -> Result<Vec<MessageIssue>, StoreError> {
        let payloads: Vec<String> = self
            .read_sql(move |c| {
                let mut stmt = c.prepare_cached(PAYLOADS)?;
                let rows = stmt.query_map([id], |r| r.get(0))?;
                rows.collect()
            })
            .await?;
        Ok(issues_of(&payloads, limit))
    }
}
