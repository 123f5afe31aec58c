use super::{ProviderId, Store};

/// What a link sent by email is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    Verify,
    Reset,
    Unlock,
    /// From a new-device alert: end all sessions, then reset the password.
    Lockdown,
    /// Confirms a new email address before the account switches to it.
    ChangeEmail,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Verify => "verify",
            TokenPurpose::Reset => "reset",
            TokenPurpose::Unlock => "unlock",
            TokenPurpose::Lockdown => "lockdown",
            TokenPurpose::ChangeEmail => "change_email",
        }
    }
}

impl Store {
    /// Deletes mailed links that expired unused before `now`, with the new
    /// address of an email change; returns how many.
    pub async fn prune_email_tokens(&self, now: i64) -> sqlx::Result<u64> {
        let result = execute!(self, sqlx::query("DELETE FROM email_tokens WHERE expires_at <= $1").bind(now))?;
        Ok(result)
    }

    /// Store a new link token, replacing older ones of the same purpose.
    pub async fn create_email_token(
        &self,
        token_hash: &[u8],
        provider: ProviderId,
        purpose: TokenPurpose,
        now: i64,
        expires_at: i64,
    ) -> sqlx::Result<()> {
        with_pool!(self, |pool| {
            let mut transaction = pool.begin().await?;
            sqlx::query("DELETE FROM email_tokens WHERE provider_id = $1 AND purpose = $2")
                .bind(provider)
                .bind(purpose.as_str())
                .execute(&mut *transaction)
                .await?;
            sqlx::query(
                "INSERT INTO email_tokens (token_hash, provider_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(provider)
            .bind(purpose.as_str())
            .bind(now)
            .bind(expires_at)
            .execute(&mut *transaction)
            .await?;
            transaction.commit().await
        })
    }

    /// Store a link that confirms `new_email` for the provider.
    pub async fn create_email_change_token(
        &self,
        token_hash: &[u8],
        provider: ProviderId,
        new_email: &str,
        now: i64,
        expires_at: i64,
    ) -> sqlx::Result<()> {
        self.create_email_token(token_hash, provider, TokenPurpose::ChangeEmail, now, expires_at).await?;
        execute!(self, sqlx::query("UPDATE email_tokens SET new_email = $1 WHERE token_hash = $2")
            .bind(new_email)
            .bind(token_hash))?;
        Ok(())
    }

    /// Use up an email-change link: the provider and the confirmed new address.
    pub async fn consume_email_change_token(&self, token_hash: &[u8], now: i64) -> sqlx::Result<Option<(ProviderId, String)>> {
        let row: Option<(ProviderId, String, i64, Option<String>)> = with_pool!(self, |pool| sqlx::query_as(
            "DELETE FROM email_tokens WHERE token_hash = $1 RETURNING provider_id, purpose, expires_at, new_email",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await)?;
        Ok(row.and_then(|(provider, purpose, expires_at, email)| {
            (purpose == TokenPurpose::ChangeEmail.as_str() && now < expires_at).then_some((provider, email?))
        }))
    }

    /// When the newest token of this purpose was made for the provider, if any.
    pub async fn newest_email_token_at(&self, provider: ProviderId, purpose: TokenPurpose) -> sqlx::Result<Option<i64>> {
        with_pool!(self, |pool| sqlx::query_scalar("SELECT MAX(created_at) FROM email_tokens WHERE provider_id = $1 AND purpose = $2")
            .bind(provider)
            .bind(purpose.as_str())
            .fetch_one(pool)
            .await)
    }

    /// Return the provider of a live token without using it up.
    pub async fn peek_email_token(&self, token_hash: &[u8], purpose: TokenPurpose, now: i64) -> sqlx::Result<Option<ProviderId>> {
        with_pool!(self, |pool| sqlx::query_scalar("SELECT provider_id FROM email_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3")
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(now)
            .fetch_optional(pool)
            .await)
    }

    /// Use up a link token: returns its provider if the token exists, has this
    /// purpose and has not expired. A token works once, even when it failed.
    pub async fn consume_email_token(
        &self,
        token_hash: &[u8],
        purpose: TokenPurpose,
        now: i64,
    ) -> sqlx::Result<Option<ProviderId>> {
        let row: Option<(ProviderId, String, i64)> = with_pool!(self, |pool| sqlx::query_as(
            "DELETE FROM email_tokens WHERE token_hash = $1 RETURNING provider_id, purpose, expires_at",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await)?;
        Ok(row.and_then(|(provider, stored, expires_at)| (stored == purpose.as_str() && now < expires_at).then_some(provider)))
    }
}
