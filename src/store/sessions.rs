use sqlx::FromRow;

use super::{Provider, ProviderId, Store};

/// A session ends after this long without a request.
pub const SESSION_IDLE_SECONDS: i64 = 30 * 60;
/// A session ends this long after login, however active.
pub const SESSION_ABSOLUTE_SECONDS: i64 = 12 * 60 * 60;

/// How far a session got through the login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// The password was right; the second factor (or its enrolment) is missing.
    Password,
    /// Fully logged in.
    Full,
}

impl SessionStage {
    fn as_str(self) -> &'static str {
        match self {
            SessionStage::Password => "password",
            SessionStage::Full => "full",
        }
    }

    fn parse(value: &str) -> Self {
        if value == "full" { SessionStage::Full } else { SessionStage::Password }
    }
}

/// A live session and its provider.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: Vec<u8>,
    pub provider: Provider,
    pub stage: SessionStage,
    pub authenticated_at: i64,
}

/// One of a provider's sessions, as the sessions page lists it.
#[derive(Debug, Clone, FromRow)]
pub struct SessionSummary {
    pub token_hash: Vec<u8>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub device_label: String,
}

#[derive(FromRow)]
struct SessionRow {
    provider_id: ProviderId,
    stage: String,
    authenticated_at: i64,
}

impl Store {
    /// Deletes sessions past their idle or absolute limit at `now`; returns
    /// how many. A lookup deletes an expired session too, but a browser that
    /// never returns never looks its session up.
    pub async fn prune_sessions(&self, now: i64) -> sqlx::Result<u64> {
        let result = execute!(self, sqlx::query("DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2")
            .bind(now - SESSION_IDLE_SECONDS)
            .bind(now - SESSION_ABSOLUTE_SECONDS))?;
        Ok(result)
    }

    pub async fn create_session(
        &self,
        token_hash: &[u8],
        provider: ProviderId,
        stage: SessionStage,
        device_label: &str,
        now: i64,
    ) -> sqlx::Result<()> {
        execute!(self, sqlx::query(
            "INSERT INTO sessions (token_hash, provider_id, created_at, last_seen_at, stage, authenticated_at, device_label)
             VALUES ($1, $2, $3, $3, $4, $3, $5)",
        )
        .bind(token_hash)
        .bind(provider)
        .bind(now)
        .bind(stage.as_str())
        .bind(device_label))?;
        Ok(())
    }

    /// Look up the live session for a token hash and refresh its idle timer.
    /// Expired sessions are deleted on the way.
    pub async fn session(&self, token_hash: &[u8], now: i64) -> sqlx::Result<Option<Session>> {
        let live = execute!(self, sqlx::query(
            "UPDATE sessions SET last_seen_at = $2
             WHERE token_hash = $1 AND last_seen_at > $3 AND created_at > $4",
        )
        .bind(token_hash)
        .bind(now)
        .bind(now - SESSION_IDLE_SECONDS)
        .bind(now - SESSION_ABSOLUTE_SECONDS))?
            == 1;

        if !live {
            self.delete_session(token_hash).await?;
            return Ok(None);
        }
        let row: Option<SessionRow> =
            with_pool!(self, |pool| sqlx::query_as("SELECT provider_id, stage, authenticated_at FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(pool)
                .await)?;
        let Some(row) = row else {
            return Ok(None);
        };
        // A disabled account's sessions are deleted when it is disabled; this
        // also covers a session that a login created while that happened.
        let provider = self.provider_by_id(row.provider_id).await?;
        let Some(provider) = provider.filter(|provider| provider.disabled_at.is_none()) else {
            self.delete_session(token_hash).await?;
            return Ok(None);
        };
        Ok(Some(Session {
            token_hash: token_hash.to_vec(),
            provider,
            stage: SessionStage::parse(&row.stage),
            authenticated_at: row.authenticated_at,
        }))
    }

    /// Return the provider of a fully logged-in session.
    pub async fn session_provider(&self, token_hash: &[u8], now: i64) -> sqlx::Result<Option<Provider>> {
        Ok(self.session(token_hash, now).await?.filter(|s| s.stage == SessionStage::Full).map(|s| s.provider))
    }

    pub async fn delete_session(&self, token_hash: &[u8]) -> sqlx::Result<()> {
        execute!(self, sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash))?;
        Ok(())
    }

    /// End every session of a provider except `keep`, if given. Returns how many ended.
    pub async fn delete_sessions_except(&self, provider: ProviderId, keep: Option<&[u8]>) -> sqlx::Result<u64> {
        let result = execute!(self, sqlx::query("DELETE FROM sessions WHERE provider_id = $1 AND token_hash != $2")
            .bind(provider)
            .bind(keep.unwrap_or(&[])))?;
        Ok(result)
    }

    pub async fn list_sessions(&self, provider: ProviderId, now: i64) -> sqlx::Result<Vec<SessionSummary>> {
        with_pool!(self, |pool| sqlx::query_as(
            "SELECT token_hash, created_at, last_seen_at, device_label FROM sessions
             WHERE provider_id = $1 AND stage = 'full' AND last_seen_at > $2 AND created_at > $3
             ORDER BY last_seen_at DESC",
        )
        .bind(provider)
        .bind(now - SESSION_IDLE_SECONDS)
        .bind(now - SESSION_ABSOLUTE_SECONDS)
        .fetch_all(pool)
        .await)
    }

    /// Record that the password was checked again in this session.
    pub async fn touch_authentication(&self, token_hash: &[u8], now: i64) -> sqlx::Result<()> {
        execute!(self, sqlx::query("UPDATE sessions SET authenticated_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash))?;
        Ok(())
    }

    /// Deletes every session, so that every provider signs in again.
    pub async fn end_all_sessions(&self) -> sqlx::Result<u64> {
        execute!(self, sqlx::query("DELETE FROM sessions"))
    }
}
