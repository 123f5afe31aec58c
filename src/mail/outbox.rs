//! Outbox mode: each message becomes one `.eml` file in a folder.
//!
//! A file appears under its final name only when it is complete, because it
//! is written to a temporary file in the same folder, flushed to disk and
//! then renamed. Temporary files start with a dot and end in `.tmp`, so a
//! reader that lists `*.eml` never sees a partial message.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use lettre::Message;

/// Name of the outbox folder inside the data folder.
pub(super) const FOLDER_NAME: &str = "outbox";

pub(super) struct Outbox {
    dir: Arc<Path>,
}

impl Outbox {
    /// Creates the folder (and missing parents) with mode 0700 on Unix, and
    /// sets that mode on a folder that already exists.
    pub(super) fn create(dir: &Path) -> anyhow::Result<Outbox> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .with_context(|| format!("cannot create mail outbox folder {}", dir.display()))?;

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot set mode 0700 on mail outbox folder {}", dir.display()))?;
        }

        tracing::info!(folder = %dir.display(), "mail outbox mode: messages are written to files, not sent");
        Ok(Outbox { dir: Arc::from(dir) })
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the message as a new `.eml` file on a blocking thread.
    pub(super) async fn write(&self, message: Message) -> anyhow::Result<()> {
        let dir = Arc::clone(&self.dir);
        let bytes = message.formatted();
        let file_name = tokio::task::spawn_blocking(move || write_atomically(&dir, &bytes))
            .await
            .context("the mail outbox writer task failed")?
            .inspect_err(|error| tracing::warn!(error = %format!("{error:#}"), "writing mail to the outbox failed"))?;

        tracing::info!(file = %file_name, "mail written to the outbox");
        Ok(())
    }
}

/// Writes `bytes` to a new file in `dir` and returns its name. The name is
/// `<unix milliseconds, 13 digits>-<64 random bits in hex>.eml`, so names
/// sort by creation time, and two messages in the same millisecond get the
/// same name with a chance of 1 in 2^64.
fn write_atomically(dir: &Path, bytes: &[u8]) -> anyhow::Result<String> {
    let stem = format!("{:013}-{:016x}", super::unix_millis(), rand::random::<u64>());
    let file_name = format!("{stem}.eml");
    let temp_path = dir.join(format!(".{stem}.tmp"));
    let final_path = dir.join(&file_name);

    let written = write_and_sync(&temp_path, bytes).and_then(|()| {
        fs::rename(&temp_path, &final_path)
            .with_context(|| format!("cannot rename {} to {}", temp_path.display(), final_path.display()))
    });
    if let Err(error) = written {
        // The temporary file may or may not exist at this point, and a
        // leftover one only takes space, so a failed removal is ignored.
        let _ = fs::remove_file(&temp_path);
        return Err(error);
    }

    sync_dir(dir)?;
    Ok(file_name)
}

/// Creates a new file (mode 0600 on Unix), writes `bytes` and flushes them
/// to disk. Fails if the file already exists.
fn write_and_sync(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);

    let mut file = options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all().with_context(|| format!("cannot flush {} to disk", path.display()))?;
    Ok(())
}

/// Flushes the folder entry of a renamed file to disk, so the rename
/// survives a power cut. Only Unix can open a folder for this.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|folder| folder.sync_all())
        .with_context(|| format!("cannot flush mail outbox folder {} to disk", dir.display()))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Deletes the mails in `dir` written more than `max_age_millis` before
/// `now_millis`, and temporary files of that age that a crash left behind.
/// The age comes from the timestamp in the file name, so a copied file keeps
/// its age. Files that visite did not name are left alone. Returns how many
/// files were deleted.
pub(super) fn prune(dir: &Path, now_millis: u128, max_age_millis: u128) -> anyhow::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error).with_context(|| format!("cannot list mail outbox folder {}", dir.display())),
    };
    let cutoff = now_millis.saturating_sub(max_age_millis);
    let mut deleted = 0;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list mail outbox folder {}", dir.display()))?;
        let name = entry.file_name();
        let Some(written_at) = name.to_str().and_then(written_at_millis) else {
            continue;
        };
        if written_at < cutoff {
            let path = entry.path();
            fs::remove_file(&path).with_context(|| format!("cannot delete old mail {}", path.display()))?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// Returns the creation time in a name that [`write_atomically`] chose:
/// `<13 digits>-<16 hex digits>.eml`, or the same stem as `.<stem>.tmp`.
fn written_at_millis(name: &str) -> Option<u128> {
    let stem = name
        .strip_suffix(".eml")
        .or_else(|| name.strip_prefix('.').and_then(|rest| rest.strip_suffix(".tmp")))?;
    let (millis, random) = stem.split_once('-')?;
    let well_formed = millis.len() == 13
        && millis.bytes().all(|byte| byte.is_ascii_digit())
        && random.len() == 16
        && random.bytes().all(|byte| byte.is_ascii_hexdigit());
    if !well_formed {
        return None;
    }
    millis.parse().ok()
}

#[cfg(test)]
mod prune_tests {
    use super::*;

    #[test]
    fn written_at_reads_only_outbox_names() {
        assert_eq!(written_at_millis("1796414462000-00000000deadbeef.eml"), Some(1_796_414_462_000));
        assert_eq!(written_at_millis(".1796414462000-00000000deadbeef.tmp"), Some(1_796_414_462_000));
        for other in ["notes.eml", "1796414462000.eml", "179641446200-00000000deadbeef.eml",
            "1796414462000-00000000deadbeeg.eml", "1796414462000-00000000deadbeef.txt", "1796414462000-00000000deadbeef.tmp"] {
            assert_eq!(written_at_millis(other), None, "{other}");
        }
    }

    #[test]
    fn prune_deletes_old_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let leftover = dir.path().join(".0000000001000-0000000000000001.tmp");
        fs::write(&leftover, "partial").unwrap();
        assert_eq!(prune(dir.path(), 10_000, 5_000).unwrap(), 1);
        assert!(!leftover.exists());
    }
}
