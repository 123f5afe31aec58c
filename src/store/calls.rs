use sqlx::FromRow;

use super::{ProviderId, Store};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CallRecord {
    pub started_at: i64,
    pub duration_seconds: i64,
}

impl Store {
    pub async fn record_call(&self, provider: ProviderId, started_at: i64, duration_seconds: i64) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO calls (provider_id, started_at, duration_seconds) VALUES ($1, $2, $3)")
            .bind(provider)
            .bind(started_at)
            .bind(duration_seconds.max(0))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The provider's most recent calls, newest first.
    pub async fn recent_calls(&self, provider: ProviderId, limit: i64) -> sqlx::Result<Vec<CallRecord>> {
        sqlx::query_as(
            "SELECT started_at, duration_seconds FROM calls WHERE provider_id = $1
             ORDER BY started_at DESC, id DESC LIMIT $2",
        )
        .bind(provider)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }
}
