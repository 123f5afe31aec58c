//! Deletion of call records, security log entries and outbox mails once
//! they are older than their configured retention period, and of login
//! records once they expired.

use std::path::Path;

use crate::config::Settings;
use crate::store::Store;

pub const SECONDS_PER_DAY: i64 = 24 * 60 * 60;

/// The retention periods of the database tables that expire, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub call_days: u32,
    pub security_log_days: u32,
}

impl Retention {
    pub fn from_settings(settings: &Settings) -> Self {
        Self { call_days: settings.call_retention_days, security_log_days: settings.security_log_retention_days }
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self::from_settings(&Settings::default())
    }
}

/// How many items one pass of [`delete_expired`] deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    pub calls: u64,
    /// Security log entries, and account failure counters of the same age.
    pub security_events: u64,
    /// Expired sessions, mailed links, passkey ceremonies and client-network
    /// failure counters, which no longer have any effect.
    pub expired_logins: u64,
    pub outbox_mails: usize,
    /// Backups older than `backup_keep` days, which only remain after the
    /// server was stopped for a while, and databases replaced by a restore.
    pub backups: usize,
}

/// Deletes everything older than its retention period at `now` (Unix
/// seconds). The server calls this every minute with the real time; tests
/// pass a later time instead of waiting.
pub async fn delete_expired(store: &Store, settings: &Settings, now: i64) -> anyhow::Result<Deleted> {
    let calls = store.prune_calls(now, days(settings.call_retention_days)).await?;
    let security_events = store.prune_security_events(now, days(settings.security_log_retention_days)).await?
        + store.prune_account_failures(now, days(settings.security_log_retention_days)).await?;
    let expired_logins = store.prune_sessions(now).await?
        + store.prune_email_tokens(now).await?
        + store.prune_network_failures(now).await?
        + store.prune_ceremonies(now).await?;
    let outbox_mails = prune_outbox(&settings.data_dir, now, days(settings.outbox_retention_days)).await?;
    let backups = if settings.backup_keep == 0 {
        0
    } else {
        let max_age = days(u32::try_from(settings.backup_keep).unwrap_or(u32::MAX));
        crate::backup::delete_older_than(&settings.data_dir, now, max_age)?
    };
    Ok(Deleted { calls, security_events, expired_logins, outbox_mails, backups })
}

/// Logs what one pass deleted, or its error.
pub fn log_result(result: &anyhow::Result<Deleted>) {
    match result {
        Ok(deleted) if *deleted == Deleted::default() => {}
        Ok(deleted) => tracing::info!(
            calls = deleted.calls,
            security_events = deleted.security_events,
            expired_logins = deleted.expired_logins,
            outbox_mails = deleted.outbox_mails,
            backups = deleted.backups,
            "expired records deleted"
        ),
        Err(error) => tracing::error!(error = %format!("{error:#}"), "deleting expired records failed"),
    }
}

pub fn days(days: u32) -> i64 {
    i64::from(days) * SECONDS_PER_DAY
}

async fn prune_outbox(data_dir: &Path, now: i64, max_age_seconds: i64) -> anyhow::Result<usize> {
    let data_dir = data_dir.to_path_buf();
    tokio::task::spawn_blocking(move || crate::mail::prune_outbox(&data_dir, now, max_age_seconds)).await?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{NewProvider, SecurityEvent};

    const NOW: i64 = 2_000 * SECONDS_PER_DAY;

    /// Writes an outbox file named as the mailer names it, `age_days` before `NOW`.
    fn write_mail(outbox: &Path, age_days: i64, random: u64) -> std::path::PathBuf {
        let millis = (NOW - age_days * SECONDS_PER_DAY) * 1000;
        let path = outbox.join(format!("{millis:013}-{random:016x}.eml"));
        std::fs::write(&path, "To: a@praxis.example\r\n\r\nlink").unwrap();
        path
    }

    #[tokio::test]
    async fn delete_expired_uses_each_period() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let provider = NewProvider::example("a@praxis.example", "praxis-a");
        let id = store.create_provider(provider).await.unwrap();
        store.record_call(id, NOW - 91 * SECONDS_PER_DAY, 60).await.unwrap();
        store.record_call(id, NOW - 89 * SECONDS_PER_DAY, 60).await.unwrap();
        store.record_security_event(id, SecurityEvent::Login, "", NOW - 31 * SECONDS_PER_DAY).await.unwrap();
        store.record_security_event(id, SecurityEvent::Login, "", NOW - 29 * SECONDS_PER_DAY).await.unwrap();
        let outbox = dir.path().join("outbox");
        std::fs::create_dir(&outbox).unwrap();
        let old_mail = write_mail(&outbox, 8, 1);
        let new_mail = write_mail(&outbox, 6, 2);
        let foreign = outbox.join("notes.eml");
        std::fs::write(&foreign, "not written by visite").unwrap();

        let settings = Settings { data_dir: dir.path().to_path_buf(), security_log_retention_days: 30, ..Settings::default() };
        let deleted = delete_expired(&store, &settings, NOW).await.unwrap();

        assert_eq!(deleted, Deleted { calls: 1, security_events: 1, expired_logins: 0, outbox_mails: 1, backups: 0 });
        assert_eq!(store.recent_calls(id, 10).await.unwrap().len(), 1);
        assert_eq!(store.security_events(id, 10).await.unwrap().len(), 1);
        assert!(!old_mail.exists(), "a mail older than 7 days was kept");
        assert!(new_mail.exists(), "a mail younger than 7 days was deleted");
        assert!(foreign.exists(), "a file visite did not write was deleted");

        let again = delete_expired(&store, &settings, NOW).await.unwrap();
        assert_eq!(again, Deleted::default(), "a second pass found more");
    }

    #[tokio::test]
    async fn delete_expired_without_outbox_folder() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let settings = Settings { data_dir: dir.path().to_path_buf(), ..Settings::default() };
        assert_eq!(delete_expired(&store, &settings, NOW).await.unwrap(), Deleted::default());
    }
}
