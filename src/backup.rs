//! Online backups of the SQLite database, and restoring one into a stopped
//! installation. With PostgreSQL, visite makes no backups: the operator
//! runs pg_dump and pg_restore.
//!
//! A backup is `VACUUM INTO` a temporary file in `<data-dir>/backups/`,
//! synced and renamed into place, so a crash never leaves a half-written
//! backup under a final name.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::retention::{self, Retention};
use crate::store::{DATABASE_FILE, Store};

pub const BACKUP_DIR: &str = "backups";
/// How many daily backups are kept unless configured otherwise.
pub const DEFAULT_KEEP: usize = 14;
/// How old the newest backup may get before the server makes another.
pub const BACKUP_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);
const LOCK_FILE: &str = "visite.lock";
const PREFIX: &str = "visite-";
/// Start of the name under which a restore keeps the database it replaced.
const REPLACED_PREFIX: &str = "replaced-";

/// An exclusive lock on a data folder, held by a running server so that a
/// restore cannot replace its database underneath it.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    pub fn acquire(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
        let path = data_dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open lock file {}", path.display()))?;
        if file.try_lock().is_err() {
            bail!("another visite process is using {}: stop it first", data_dir.display());
        }
        Ok(Self { _file: file })
    }
}

/// Make a backup now and delete the oldest beyond `keep`. Returns its path.
///
/// The backup leaves out call records and security events that would
/// outlive their retention period while the backup is kept. With one backup
/// a day that is about `keep` days, so with 90 days of retention and 14
/// backups it contains the calls of the last 76 days. No copy keeps them
/// longer than the live database does.
pub async fn create(store: &Store, data_dir: &Path, keep: usize, retention: Retention) -> anyhow::Result<PathBuf> {
    let dir = data_dir.join(BACKUP_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create backup folder {}", dir.display()))?;
    restrict_permissions(&dir)?;

    // The random part keeps two backups in the same millisecond (the daily
    // one and `visite backup`) apart; the timestamp first keeps names sorted.
    let name = format!("{PREFIX}{}-{:04x}.db", timestamp(SystemTime::now()), rand::random::<u16>());
    let final_path = dir.join(&name);
    let temporary = dir.join(format!(".{name}.tmp"));
    let _ = std::fs::remove_file(&temporary);

    store.vacuum_into(&temporary).await.context("cannot write the backup")?;
    restrict_file(&temporary)?;
    remove_expiring(&temporary, keep, retention, crate::store::unix_now())
        .await
        .context("cannot remove expiring records from the backup")?;
    File::open(&temporary)?.sync_all()?;
    std::fs::rename(&temporary, &final_path)?;
    File::open(&dir)?.sync_all()?;

    prune(&dir, keep)?;
    Ok(final_path)
}

/// Deletes from the backup `file` the call records and security events that
/// reach their retention period within `keep` days after `now`, then
/// rewrites the file so that no deleted row stays in its free pages.
/// `visite restore` applies this to the database it replaced, too.
pub async fn remove_expiring(file: &Path, keep: usize, retention: Retention, now: i64) -> anyhow::Result<()> {
    let kept_for = retention::days(u32::try_from(keep.max(1)).unwrap_or(u32::MAX));
    let options = SqliteConnectOptions::new().filename(file).create_if_missing(false);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    let calls_cutoff = now - retention::days(retention.call_days) + kept_for;
    let events_cutoff = now - retention::days(retention.security_log_days) + kept_for;
    sqlx::query("DELETE FROM calls WHERE started_at < $1").bind(calls_cutoff).execute(&pool).await?;
    sqlx::query("DELETE FROM security_events WHERE at < $1").bind(events_cutoff).execute(&pool).await?;
    sqlx::query("VACUUM").execute(&pool).await?;
    pool.close().await;
    Ok(())
}

/// Deletes backups, and databases that a restore replaced, last written
/// more than `max_age_seconds` before `now`. Daily backups are deleted by
/// count long before this; it catches those left while the server was
/// stopped. Returns how many files were deleted.
pub fn delete_older_than(data_dir: &Path, now: i64, max_age_seconds: i64) -> anyhow::Result<usize> {
    let dir = data_dir.join(BACKUP_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error).with_context(|| format!("cannot list backup folder {}", dir.display())),
    };
    let cutoff = UNIX_EPOCH + Duration::from_secs(u64::try_from(now - max_age_seconds).unwrap_or(0));
    let mut deleted = 0;
    for entry in entries {
        let path = entry.with_context(|| format!("cannot list backup folder {}", dir.display()))?.path();
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
        let is_database = name.starts_with(PREFIX) || name.starts_with(REPLACED_PREFIX);
        if !is_database || name.ends_with(".tmp") {
            continue;
        }
        let modified = std::fs::metadata(&path).and_then(|metadata| metadata.modified());
        if modified.is_ok_and(|time| time < cutoff) {
            std::fs::remove_file(&path).with_context(|| format!("cannot delete old backup {}", path.display()))?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// List the backups in `data_dir`, oldest first.
pub fn list(data_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let dir = data_dir.join(BACKUP_DIR);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut backups: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(PREFIX) && name.ends_with(".db"))
        })
        .collect();
    // The names carry a sortable UTC timestamp.
    backups.sort();
    Ok(backups)
}

/// Return whether the newest backup is older than [`BACKUP_INTERVAL`], or missing.
pub fn due(data_dir: &Path) -> bool {
    let newest = list(data_dir).ok().and_then(|backups| backups.last().cloned());
    let modified = newest.and_then(|path| std::fs::metadata(path).ok()?.modified().ok());
    modified.is_none_or(|time| time.elapsed().unwrap_or_default() >= BACKUP_INTERVAL)
}

fn prune(dir: &Path, keep: usize) -> anyhow::Result<()> {
    let backups = list(dir.parent().unwrap_or(dir))?;
    let excess = backups.len().saturating_sub(keep.max(1));
    for old in &backups[..excess] {
        std::fs::remove_file(old).with_context(|| format!("cannot delete old backup {}", old.display()))?;
    }
    Ok(())
}

/// Check that `file` is an intact visite database that this version can run.
pub async fn check(file: &Path) -> anyhow::Result<()> {
    let options = SqliteConnectOptions::new().filename(file).read_only(true).create_if_missing(false);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("{} is not a readable SQLite database", file.display()))?;

    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .with_context(|| format!("{} is not a readable SQLite database", file.display()))?;
    if integrity != "ok" {
        bail!("{} is damaged: the SQLite integrity check failed with {integrity:?}", file.display());
    }
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1 ORDER BY version")
        .fetch_all(&pool)
        .await
        .with_context(|| format!("{} is not a visite database (no migration history)", file.display()))?;
    let known: Vec<i64> = crate::store::migration_versions();
    if let Some(unknown) = versions.iter().find(|version| !known.contains(version)) {
        bail!("{} comes from a newer visite (schema version {unknown}): upgrade visite first", file.display());
    }
    pool.close().await;

    // The real test: a copy must open and migrate like a live database.
    let scratch = scratch_dir()?;
    std::fs::copy(file, scratch.join(DATABASE_FILE)).with_context(|| format!("cannot copy {}", file.display()))?;
    let opened = Store::open(&scratch).await;
    let result = match opened {
        Ok(store) => {
            let providers = store.provider_count().await;
            store.close().await;
            providers.map(|_| ()).with_context(|| format!("{} has no usable provider table", file.display()))
        }
        Err(error) => Err(error).with_context(|| format!("{} does not open as a visite database", file.display())),
    };
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// Replace the database in `data_dir` with the backup `file`. The server
/// must be stopped; the replaced database is kept in the backup folder.
pub async fn restore(file: &Path, data_dir: &Path) -> anyhow::Result<PathBuf> {
    let _lock = DataDirLock::acquire(data_dir)?;
    check(file).await?;

    let database = data_dir.join(DATABASE_FILE);
    let backups = data_dir.join(BACKUP_DIR);
    std::fs::create_dir_all(&backups)?;
    restrict_permissions(&backups)?;
    let temporary = data_dir.join(format!(".{DATABASE_FILE}.restore.tmp"));
    std::fs::copy(file, &temporary).with_context(|| format!("cannot copy {}", file.display()))?;
    File::open(&temporary)?.sync_all()?;

    let mut replaced = backups.join(format!("{REPLACED_PREFIX}{}.db", timestamp(SystemTime::now())));
    if database.exists() {
        // Fold the write-ahead log into the old database before moving it
        // aside. A database too broken to open is moved aside as it is.
        if let Ok(current) = Store::open(data_dir).await {
            let _ = current.checkpoint().await;
            current.close().await;
        }
        std::fs::rename(&database, &replaced)?;
        // The upkeep deletes this file `backup_keep` days after its last
        // write, so that write counts as now, not as the last change of the
        // old database.
        File::options().write(true).open(&replaced)?.set_modified(SystemTime::now())?;
        for suffix in ["-wal", "-shm"] {
            let side = data_dir.join(format!("{DATABASE_FILE}{suffix}"));
            if side.exists() {
                let _ = std::fs::rename(&side, PathBuf::from(format!("{}{suffix}", replaced.display())));
            }
        }
    } else {
        replaced = PathBuf::new();
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(data_dir.join(format!("{DATABASE_FILE}{suffix}")));
    }
    std::fs::rename(&temporary, &database)?;
    File::open(data_dir)?.sync_all()?;

    // Sessions in the backup may have ended since, by a logout, a password
    // change or an operator, so every provider signs in again.
    let restored = Store::open(data_dir).await?;
    let ended = restored.end_all_sessions().await?;
    restored.close().await;
    if ended > 0 {
        tracing::info!(ended, "sessions from the backup ended");
    }
    Ok(replaced)
}

/// A fresh scratch folder for checking a copy of a backup.
fn scratch_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("visite-restore-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// A UTC timestamp with milliseconds, such as `20261204T210503.042Z`, which
/// sorts by time.
fn timestamp(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let iso = crate::http::rfc3339(since_epoch.as_secs() as i64).replace(['-', ':'], "");
    format!("{}.{:03}Z", iso.trim_end_matches('Z'), since_epoch.subsec_millis())
}

#[cfg(unix)]
fn restrict_permissions(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict permissions of {}", dir.display()))
}

#[cfg(not(unix))]
fn restrict_permissions(_dir: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Make a backup file readable by the server's user only, like the database.
#[cfg(unix)]
fn restrict_file(file: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot restrict permissions of {}", file.display()))
}

#[cfg(not(unix))]
fn restrict_file(_file: &Path) -> anyhow::Result<()> {
    Ok(())
}
