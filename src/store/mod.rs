//! Storage of provider accounts, sessions and call records in SQLite.
//!
//! Timestamps are Unix seconds. Patients are never stored.

mod admin;
mod calls;
mod keys;
mod email_tokens;
mod ended;
mod factors;
mod health;
mod passkeys;
mod providers;
mod security;
mod sessions;
mod throttle;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use admin::{AccountSummary, RemovedFactors};
pub use calls::CallRecord;
pub use providers::{NewProvider, Provider, ProviderId, UniqueViolation, WriteError};
pub use email_tokens::TokenPurpose;
pub use factors::TotpFactor;
pub use passkeys::{CeremonyKind, NewPasskey, PasskeyRow};
pub use security::{SecurityEvent, SecurityEventRow};
pub use sessions::{SESSION_ABSOLUTE_SECONDS, SESSION_IDLE_SECONDS, Session, SessionStage, SessionSummary};

pub const DATABASE_FILE: &str = "visite.db";

#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Open (and create, on first start) the database in `data_dir` and bring
    /// its schema up to date.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
        let path = data_dir.join(DATABASE_FILE);

        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(&path)
            .create_if_missing(true)
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
            .with_context(|| format!("cannot open database {}", path.display()))?;

        restrict_permissions(data_dir, &path)?;

        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .with_context(|| format!("cannot migrate database {}", path.display()))?;
        Ok(Self { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Write a consistent copy of the live database to `path`, which must not exist.
    pub async fn vacuum_into(&self, path: &Path) -> sqlx::Result<()> {
        sqlx::query("VACUUM INTO $1").bind(path.to_string_lossy().into_owned()).execute(&self.pool).await?;
        Ok(())
    }

    /// Move every committed page from the write-ahead log into the database file.
    pub async fn checkpoint(&self) -> sqlx::Result<()> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        Ok(())
    }
}

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

/// The schema versions this build knows, from its migrations folder.
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
