//! The service ports on SQLite and PostgreSQL.
//!
//! Both backends go through sqlx's `Any` driver with portable SQL: times are
//! Unix milliseconds in `BIGINT` columns and ids are integers, the types `Any`
//! carries faithfully, so one set of queries serves both. What differs (the
//! identity column type, connection pragmas) lives in the per-backend
//! migrations and in [`connect`].

mod alerts;
mod audit;
mod changes;
mod effects;
mod passkeys;
mod queue;
mod repo;
mod reviews;
mod roles;
mod second_factor;
mod support;

/// For the search benchmark (`store/examples/search_bench.rs`).
pub use support::{contains_pattern, SEARCH_CUSTOMERS_SQL};

use std::str::FromStr;
use std::time::Duration;

use service::error::StoreError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::AnyPool;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// The storage behind every port.
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

/// Why the database could not be opened; each names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL must start with sqlite: or postgres://")]
    UnknownScheme,
    #[error("DATABASE_URL is not a valid database URL: {0}")]
    BadUrl(String),
    #[error("DATABASE_URL: cannot connect to the database: {0}")]
    Unreachable(String),
    #[error("DATABASE_URL: migrations failed: {0}")]
    Migration(String),
}

/// Connections per process. SQLite serialises writers anyway; PostgreSQL is
/// shared by many stateless instances, so each keeps a modest pool.
fn pool_size(backend: Backend) -> u32 {
    match backend {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    }
}

/// Write-ahead logging lets readers proceed during a write; the busy timeout
/// makes concurrent writers wait instead of failing.
const SQLITE_PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA synchronous = NORMAL",
];

pub async fn connect(url: &str) -> Result<SqlStore, ConnectError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url).ok_or(ConnectError::UnknownScheme)?;
    let url = match backend {
        // Create the file on first start.
        Backend::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        }
        _ => url.to_owned(),
    };
    let options =
        AnyConnectOptions::from_str(&url).map_err(|e| ConnectError::BadUrl(e.to_string()))?;
    let pool = AnyPoolOptions::new()
        .max_connections(pool_size(backend))
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    for pragma in SQLITE_PRAGMAS {
                        sqlx::Executor::execute(&mut *conn, *pragma).await?;
                    }
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| ConnectError::Unreachable(e.to_string()))?;
    Ok(SqlStore { pool, backend })
}

impl SqlStore {
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| ConnectError::Migration(e.to_string()))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
            field: conflict_field(db.constraint().unwrap_or(db.message())),
        },
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(error.to_string())
        }
        // PostgreSQL: connection exceptions (class 08), too many connections
        // (class 53), shutdowns (57P01–57P03) and a database that is not
        // accepting connections (55000 at connect time).
        sqlx::Error::Database(db)
            if db.code().is_some_and(|code| {
                code.starts_with("08")
                    || code.starts_with("53")
                    || code.starts_with("57P")
                    || code == "55000"
            }) =>
        {
            StoreError::Unavailable(error.to_string())
        }
        _ => StoreError::Other(error.to_string()),
    }
}

/// Names the field a unique constraint protects, from the constraint name
/// (PostgreSQL) or the message naming the column (SQLite).
fn conflict_field(constraint_or_message: &str) -> &'static str {
    if constraint_or_message.contains("email") {
        "email"
    } else {
        "token"
    }
}

#[cfg(feature = "test-support")]
pub mod testing;
