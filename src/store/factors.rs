use super::{ProviderId, Store};

/// Replaces a provider's recovery codes inside `$transaction`, of either
/// backend. It is a macro because a function would need sqlx's executor
/// bounds spelled out for both databases.
macro_rules! write_recovery_codes {
    ($transaction:expr, $provider:expr, $hashes:expr) => {{
        sqlx::query("DELETE FROM recovery_codes WHERE provider_id = $1")
            .bind($provider)
            .execute(&mut *$transaction)
            .await?;
        for hash in $hashes {
            sqlx::query("INSERT INTO recovery_codes (code_hash, provider_id) VALUES ($1, $2)")
                .bind(hash)
                .bind($provider)
                .execute(&mut *$transaction)
                .await?;
        }
    }};
}
pub(super) use write_recovery_codes;

/// A provider's authenticator-app secret and last accepted step.
#[derive(Debug, Clone)]
pub struct TotpFactor {
    pub secret: Vec<u8>,
    pub last_step: i64,
}

impl Store {
    pub async fn totp_factor(&self, provider: ProviderId) -> sqlx::Result<Option<TotpFactor>> {
        let row: Option<(Vec<u8>, i64)> =
            with_pool!(self, |pool| sqlx::query_as("SELECT secret, last_step FROM totp_factors WHERE provider_id = $1")
                .bind(provider)
                .fetch_optional(pool)
                .await)?;
        Ok(row.map(|(secret, last_step)| TotpFactor { secret, last_step }))
    }

    /// Enrol a TOTP secret with its first accepted step and fresh recovery
    /// codes, replacing any earlier ones, in one transaction.
    pub async fn enrol_totp(
        &self,
        provider: ProviderId,
        secret: &[u8],
        step: i64,
        recovery_hashes: &[Vec<u8>],
        now: i64,
    ) -> sqlx::Result<()> {
        with_pool!(self, |pool| {
            let mut transaction = pool.begin().await?;
            sqlx::query("DELETE FROM totp_factors WHERE provider_id = $1")
                .bind(provider)
                .execute(&mut *transaction)
                .await?;
            sqlx::query("INSERT INTO totp_factors (provider_id, secret, last_step, created_at) VALUES ($1, $2, $3, $4)")
                .bind(provider)
                .bind(secret)
                .bind(step)
                .bind(now)
                .execute(&mut *transaction)
                .await?;
            write_recovery_codes!(transaction, provider, recovery_hashes);
            transaction.commit().await
        })
    }

    /// Move the last accepted step forward; false if another request got
    /// there first with the same or a later step (a replay).
    pub async fn advance_totp_step(&self, provider: ProviderId, step: i64) -> sqlx::Result<bool> {
        let result = execute!(self, sqlx::query("UPDATE totp_factors SET last_step = $1 WHERE provider_id = $2 AND last_step < $1")
            .bind(step)
            .bind(provider))?;
        Ok(result == 1)
    }

    /// Replace all recovery codes of a provider.
    pub async fn replace_recovery_codes(&self, provider: ProviderId, hashes: &[Vec<u8>]) -> sqlx::Result<()> {
        with_pool!(self, |pool| {
            let mut transaction = pool.begin().await?;
            write_recovery_codes!(transaction, provider, hashes);
            transaction.commit().await
        })
    }

    /// Use up a recovery code; true if it existed.
    pub async fn consume_recovery_code(&self, provider: ProviderId, code_hash: &[u8]) -> sqlx::Result<bool> {
        let result = execute!(self, sqlx::query("DELETE FROM recovery_codes WHERE provider_id = $1 AND code_hash = $2")
            .bind(provider)
            .bind(code_hash))?;
        Ok(result == 1)
    }

    pub async fn recovery_codes_left(&self, provider: ProviderId) -> sqlx::Result<i64> {
        with_pool!(self, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE provider_id = $1")
            .bind(provider)
            .fetch_one(pool)
            .await)
    }
}

impl Store {
    /// Keep a TOTP secret on the server while the provider types its first code.
    pub async fn set_pending_totp(&self, token_hash: &[u8], secret: &[u8]) -> sqlx::Result<()> {
        execute!(self, sqlx::query("UPDATE sessions SET pending_totp_secret = $1 WHERE token_hash = $2")
            .bind(secret)
            .bind(token_hash))?;
        Ok(())
    }

    pub async fn pending_totp(&self, token_hash: &[u8]) -> sqlx::Result<Option<Vec<u8>>> {
        let secret: Option<Option<Vec<u8>>> =
            with_pool!(self, |pool| sqlx::query_scalar("SELECT pending_totp_secret FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(pool)
                .await)?;
        Ok(secret.flatten())
    }
}
