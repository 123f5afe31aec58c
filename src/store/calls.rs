use sqlx::FromRow;

use super::{ProviderId, Store, VisitRecord};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CallRecord {
    pub started_at: i64,
    pub duration_seconds: i64,
}

impl Store {
    /// Records that the provider had a call starting at `started_at` and
    /// lasting `duration_seconds`, as [`VisitRecord::Call`] describes.
    pub async fn record_call(&self, provider: ProviderId, started_at: i64, duration_seconds: i64) -> sqlx::Result<()> {
        self.write_records(&[VisitRecord::Call { provider, started_at, duration_seconds }]).await
    }

    /// The provider's most recent calls, newest first.
    pub async fn recent_calls(&self, provider: ProviderId, limit: i64) -> sqlx::Result<Vec<CallRecord>> {
        with_pool!(self, |pool| sqlx::query_as(
            "SELECT started_at, duration_seconds FROM calls WHERE provider_id = $1
             ORDER BY started_at DESC, id DESC LIMIT $2",
        )
        .bind(provider)
        .bind(limit)
        .fetch_all(pool)
        .await)
    }

    /// Deletes the records of calls that started more than `max_age_seconds`
    /// before `now`; returns how many.
    pub async fn prune_calls(&self, now: i64, max_age_seconds: i64) -> sqlx::Result<u64> {
        let result = execute!(self, sqlx::query("DELETE FROM calls WHERE started_at < $1")
            .bind(now - max_age_seconds))?;
        Ok(result)
    }
}
