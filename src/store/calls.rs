use sqlx::FromRow;

use super::{ProviderId, Store};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CallRecord {
    pub started_at: i64,
    pub duration_seconds: i64,
}

impl Store {
    /// Records that the provider had a call starting at `started_at` and
    /// lasting `duration_seconds`. Recording the same call again, as a server
    /// does at shutdown and the next one when the resumed call ends, keeps
    /// one row with the longer duration.
    pub async fn record_call(&self, provider: ProviderId, started_at: i64, duration_seconds: i64) -> sqlx::Result<()> {
        let duration = duration_seconds.max(0);
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let updated = sqlx::query(
                "UPDATE calls SET duration_seconds = CASE WHEN duration_seconds > $3 THEN duration_seconds ELSE $3 END
                 WHERE provider_id = $1 AND started_at = $2",
            )
            .bind(provider)
            .bind(started_at)
            .bind(duration)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                sqlx::query("INSERT INTO calls (provider_id, started_at, duration_seconds) VALUES ($1, $2, $3)")
                    .bind(provider)
                    .bind(started_at)
                    .bind(duration)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        })
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
