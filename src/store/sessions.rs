use super::{Provider, ProviderId, Store};

/// A session ends after this long without a request.
pub const SESSION_IDLE_SECONDS: i64 = 30 * 60;
/// A session ends this long after login, however active.
pub const SESSION_ABSOLUTE_SECONDS: i64 = 12 * 60 * 60;

impl Store {
    pub async fn create_session(&self, token_hash: &[u8], provider: ProviderId, now: i64) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, provider_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
            .bind(token_hash)
            .bind(provider)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The provider of a live session, refreshing its idle timer; expired
    /// sessions are deleted on the way.
    pub async fn session_provider(&self, token_hash: &[u8], now: i64) -> sqlx::Result<Option<Provider>> {
        let live = sqlx::query(
            "UPDATE sessions SET last_seen_at = $2
             WHERE token_hash = $1 AND last_seen_at > $3 AND created_at > $4",
        )
        .bind(token_hash)
        .bind(now)
        .bind(now - SESSION_IDLE_SECONDS)
        .bind(now - SESSION_ABSOLUTE_SECONDS)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;

        if !live {
            self.delete_session(token_hash).await?;
            return Ok(None);
        }
        let provider_id: Option<ProviderId> =
            sqlx::query_scalar("SELECT provider_id FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        match provider_id {
            Some(id) => self.provider_by_id(id).await,
            None => Ok(None),
        }
    }

    pub async fn delete_session(&self, token_hash: &[u8]) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
