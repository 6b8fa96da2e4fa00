//! Database errors as `StoreError::Unavailable` texts built from the error's kind, SQLSTATE and
//! server message — never from the connection string, so no password can leak into a log or
//! an HTTP answer.

use super::super::columns::{Columns, Value};
use super::super::types::StoreError;
use deadpool_postgres::PoolError;

pub(super) fn store_error(e: &tokio_postgres::Error) -> StoreError {
    StoreError::Unavailable(describe(e))
}

pub(super) fn pool_error(e: PoolError) -> StoreError {
    StoreError::Unavailable(match e {
        PoolError::Timeout(kind) => {
            format!("no database connection free or made in time ({kind:?})")
        }
        PoolError::Backend(e) => describe(&e),
        PoolError::Closed => "the connection pool is closed".into(),
        PoolError::NoRuntimeSpecified => "the connection pool has no runtime".into(),
        PoolError::PostCreateHook(_) => "a new database connection was refused".into(),
    })
}

/// The server's SQLSTATE and message when the server answered; otherwise the socket error's
/// kind (`connection refused`, `timed out`, …) or that the connection closed.
fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        // Server messages name tables, constraints and users, never the client's password.
        return format!("database error {}: {}", db.code().code(), db.message());
    }
    if e.is_closed() {
        return "the database connection closed".into();
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return format!("cannot reach the database: {}", io.kind());
        }
        source = cause.source();
    }
    match e.code() {
        Some(code) => format!("database error {}", code.code()),
        None => "database connection error".into(),
    }
}

/// `store_error` by value, for `map_err`.
pub(super) fn db(e: tokio_postgres::Error) -> StoreError {
    store_error(&e)
}

/// The shared row mappings (`columns.rs`) read PostgreSQL rows with the store's error.
impl Columns for tokio_postgres::Row {
    type Error = StoreError;

    fn column<T: Value>(&self, index: usize) -> Result<T, StoreError> {
        self.try_get(index).map_err(db)
    }
}
