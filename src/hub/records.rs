//! The writer of call records and ended-visit markers. Rooms hand records
//! to one background task, which commits whatever has queued up since its
//! last commit in one transaction. One visit alone gets a transaction of its
//! own at once, and under load many visits share one commit and one fsync.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Notify, mpsc};

use crate::store::{Store, VisitRecord};

/// Maximum number of records in one transaction, so a commit stays short after a backlog.
const MAX_BATCH: usize = 256;
/// Further attempts at a batch while the database is unreachable.
const UNREACHABLE_RETRIES: u32 = 2;
const RETRY_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

pub(super) struct Recorder {
    queue: mpsc::UnboundedSender<VisitRecord>,
    /// Records queued or in a transaction that has not ended yet.
    pending: Arc<AtomicUsize>,
    written: Arc<Notify>,
}

impl Recorder {
    /// Starts the writer task, which ends when the recorder is dropped.
    pub(super) fn spawn(store: Store) -> Self {
        let (queue, records) = mpsc::unbounded_channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let written = Arc::new(Notify::new());
        tokio::spawn(write_batches(store, records, pending.clone(), written.clone()));
        Self { queue, pending, written }
    }

    pub(super) fn write(&self, record: VisitRecord) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        if self.queue.send(record).is_err() {
            // The task ends only after the recorder, so this happens only
            // when the runtime is shutting down.
            self.pending.fetch_sub(1, Ordering::SeqCst);
            tracing::error!(?record, "cannot record: the database writer has stopped");
        }
    }

    /// Waits until no record is queued or being written: each one written or
    /// given up.
    pub(super) async fn finished(&self) {
        loop {
            let written = self.written.notified();
            if self.pending.load(Ordering::SeqCst) == 0 {
                return;
            }
            written.await;
        }
    }
}

async fn write_batches(
    store: Store,
    mut records: mpsc::UnboundedReceiver<VisitRecord>,
    pending: Arc<AtomicUsize>,
    written: Arc<Notify>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while records.recv_many(&mut batch, MAX_BATCH).await > 0 {
        write_batch(&store, &batch).await;
        if pending.fetch_sub(batch.len(), Ordering::SeqCst) == batch.len() {
            written.notify_waiters();
        }
        batch.clear();
    }
}

/// Writes one batch. When the database is unreachable, the batch is tried
/// again a few times and then given up with one log line. When the database
/// refuses a record, the others are written one by one, so that record alone
/// is lost.
async fn write_batch(store: &Store, batch: &[VisitRecord]) {
    let mut attempt = 0;
    let error = loop {
        match store.write_records(batch).await {
            Ok(()) => return,
            Err(error @ sqlx::Error::Database(_)) => break error,
            Err(error) if attempt == UNREACHABLE_RETRIES => {
                tracing::error!(records = batch.len(), %error, "cannot record calls and ended visits: the database is unreachable");
                return;
            }
            Err(_) => {
                attempt += 1;
                tokio::time::sleep(RETRY_DELAY).await;
            }
        }
    };
    if let [record] = batch {
        log_failure(record, &error);
        return;
    }
    // One bad record, such as one for an account deleted meanwhile, must not
    // lose the others.
    for record in batch {
        if let Err(error) = store.write_records(std::slice::from_ref(record)).await {
            log_failure(record, &error);
        }
    }
}

fn log_failure(record: &VisitRecord, error: &sqlx::Error) {
    match record {
        VisitRecord::Call { provider, .. } => tracing::error!(room = provider.0, %error, "cannot record call"),
        VisitRecord::Ended { provider, .. } => tracing::error!(room = provider.0, %error, "cannot record an ended visit"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CallRecord, NewProvider, ProviderId};

    /// A record that cannot be written, here one for an unknown provider,
    /// does not take the others in its batch down with it.
    #[tokio::test]
    async fn failed_record_does_not_lose_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(None, dir.path()).await.unwrap();
        let provider = NewProvider::example("a@example.org", "praxis-a");
        let id = store.create_provider(provider).await.unwrap();
        let recorder = Recorder::spawn(store.clone());

        for started_at in 0..100 {
            recorder.write(VisitRecord::Call { provider: id, started_at, duration_seconds: 1 });
            if started_at == 50 {
                recorder.write(VisitRecord::Call { provider: ProviderId(id.0 + 1), started_at, duration_seconds: 1 });
            }
            recorder.write(VisitRecord::Ended { provider: id, patient: started_at, call: None, expires_at: 1_000 });
        }
        recorder.finished().await;

        let calls = store.recent_calls(id, 1_000).await.unwrap();
        assert_eq!(calls.len(), 100, "call records were lost");
        assert_eq!(calls[0], CallRecord { started_at: 99, duration_seconds: 1 });
        for patient in 0..100 {
            assert!(store.visit_ended(id, patient, None, 0).await.unwrap(), "ended visit {patient} was lost");
        }
    }
}
