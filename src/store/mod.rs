//! Storage of provider accounts, sessions and call records in SQLite or
//! PostgreSQL.
//!
//! Timestamps are Unix seconds. Patients are never stored. Every query is
//! one SQL text with `$1..$N` placeholders that both backends run;
//! [`with_pool!`] compiles it once per backend.

/// Runs `$body` with `$pool` bound to the store's active pool
/// (`&SqlitePool` or `&PgPool`). The body is compiled once for each
/// backend, so sqlx infers the database type from the pool.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}

/// Runs a `sqlx::query(...)` expression on the store's active pool and
/// returns the number of rows it changed.
macro_rules! execute {
    ($store:expr, $query:expr) => {
        with_pool!($store, |pool| $query.execute(pool).await.map(|done| done.rows_affected()))
    };
}

mod admin;
mod calls;
mod database_url;
mod keys;
mod email_tokens;
mod ended;
mod factors;
mod health;
mod passkeys;
mod providers;
mod records;
mod security;
mod sessions;
#[doc(hidden)]
pub mod scratch;
mod throttle;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use admin::{AccountSummary, RemovedFactors};
pub use calls::CallRecord;
pub use database_url::{Backend, DatabaseUrl};
pub use records::VisitRecord;
pub use providers::{NewProvider, Provider, ProviderId, UniqueViolation, WriteError};
pub use email_tokens::TokenPurpose;
pub use factors::TotpFactor;
pub use passkeys::{CeremonyKind, NewPasskey, PasskeyRow};
pub use security::{SecurityEvent, SecurityEventRow};
pub use sessions::{SESSION_ABSOLUTE_SECONDS, SESSION_IDLE_SECONDS, Session, SessionStage, SessionSummary};

pub const DATABASE_FILE: &str = "visite.db";

/// Connections to whichever database the settings name.
#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

impl Store {
    /// Open (and create, on first start) the SQLite database `visite.db` in
    /// `data_dir` and bring its schema up to date.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        Self::connect(None, data_dir).await
    }

    /// Open the database that `database` names, or the default SQLite file
    /// in `data_dir` when it is `None`, and bring its schema up to date.
    /// Only the default file is created when missing. An explicit SQLite
    /// URL creates its file only with `?mode=rwc`, and a PostgreSQL
    /// database must exist, so that a mistyped URL cannot start an empty
    /// installation.
    pub async fn connect(database: Option<&DatabaseUrl>, data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
        match database {
            None => {
                let path = data_dir.join(DATABASE_FILE);
                let options = SqliteConnectOptions::from_str("sqlite://")?.filename(&path).create_if_missing(true);
                Self::open_sqlite(options, data_dir, &path.display().to_string()).await
            }
            Some(url) if url.backend() == Backend::Sqlite => {
                let options = url.sqlite_options()?;
                let path = options.get_filename().to_path_buf();
                let opened = Self::open_sqlite(options, data_dir, &url.to_string()).await;
                if opened.is_err() && !path.exists() {
                    return opened.with_context(|| {
                        format!("{} does not exist; add ?mode=rwc to database_url to create it", path.display())
                    });
                }
                opened
            }
            Some(url) => Self::open_postgres(url).await,
        }
    }

    async fn open_sqlite(options: SqliteConnectOptions, data_dir: &Path, name: &str) -> anyhow::Result<Self> {
        let path = options.get_filename().to_path_buf();
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            // Account writes must survive a power cut once acknowledged.
            .synchronous(SqliteSynchronous::Full)
            // Deleted rows, such as expired call records, are overwritten
            // with zeros instead of staying readable in free space.
            .pragma("secure_delete", "on")
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open database {name}"))?;

        restrict_permissions(data_dir, &path)?;

        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .with_context(|| format!("cannot migrate database {name}"))?;
        Ok(Self { pool: Pool::Sqlite(pool) })
    }

    async fn open_postgres(url: &DatabaseUrl) -> anyhow::Result<Self> {
        let pool = match PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(url.postgres_options()?)
            .await
        {
            Ok(pool) => pool,
            // SQLSTATE 3D000: invalid_catalog_name, the database does not exist.
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("3D000") => {
                anyhow::bail!("cannot connect to database {url}: it does not exist; create it first, such as with createdb")
            }
            Err(error) => {
                return Err(error).with_context(|| {
                    format!("cannot connect to database {url}: check that PostgreSQL runs at that host and port and accepts this user")
                });
            }
        };
        // sqlx holds an advisory lock while it migrates, so two servers
        // starting at once do not both apply a migration.
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .with_context(|| format!("cannot migrate database {url}"))?;
        Ok(Self { pool: Pool::Postgres(pool) })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }

    /// Write a consistent copy of the live database to `path`, which must
    /// not exist. SQLite only: PostgreSQL is backed up with pg_dump.
    pub async fn vacuum_into(&self, path: &Path) -> anyhow::Result<()> {
        let Pool::Sqlite(pool) = &self.pool else {
            anyhow::bail!("{POSTGRES_BACKUP_HINT}");
        };
        sqlx::query("VACUUM INTO $1").bind(path.to_string_lossy().into_owned()).execute(pool).await?;
        Ok(())
    }

    /// Move every committed page from the write-ahead log into the database
    /// file. Does nothing on PostgreSQL, which has no such file.
    pub async fn checkpoint(&self) -> sqlx::Result<()> {
        if let Pool::Sqlite(pool) = &self.pool {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
        }
        Ok(())
    }
}

/// Error message of `visite backup` and `visite restore` on PostgreSQL.
pub const POSTGRES_BACKUP_HINT: &str = "visite backup and visite restore work only with SQLite: \
     back up a PostgreSQL database with pg_dump (such as pg_dump --format=custom --file=visite.dump DATABASE_URL) \
     and restore it with pg_restore while visite is stopped";

/// Make the data folder and the database readable by the server's user only:
/// they hold password hashes, authenticator secrets and email addresses.
#[cfg(unix)]
fn restrict_permissions(data_dir: &Path, database: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict permissions of {}", data_dir.display()))?;
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", database.display()));
        if file.exists() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("cannot restrict permissions of {}", file.display()))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict_permissions(_data_dir: &Path, _database: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// The SQLite schema versions in this build's migrations folder.
pub fn migration_versions() -> Vec<i64> {
    sqlx::migrate!("./migrations/sqlite").iter().map(|migration| migration.version).collect()
}

/// The current Unix time in seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
