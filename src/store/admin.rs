//! Queries for `visite admin`: the account list, disabling accounts and
//! removing second factors. Each write that ends sessions runs in one
//! transaction, so no session outlives the change that should end it.

use sqlx::FromRow;

use super::{ProviderId, Store};

/// One account as `visite admin list` shows it. It contains no password
/// hash, authenticator secret or token.
#[derive(Debug, Clone, FromRow)]
pub struct AccountSummary {
    pub email: String,
    pub slug: String,
    pub name: String,
    pub practice_name: String,
    pub email_verified_at: Option<i64>,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    /// Whether an authenticator app is enrolled.
    pub totp: bool,
    pub passkeys: i64,
    pub recovery_codes: i64,
}

/// Row counts of what [`Store::remove_second_factors`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemovedFactors {
    pub totp: u64,
    pub passkeys: u64,
    pub recovery_codes: u64,
    pub sessions: u64,
}

impl Store {
    /// List every account, oldest first.
    pub async fn list_accounts(&self) -> sqlx::Result<Vec<AccountSummary>> {
        with_pool!(self, |pool| sqlx::query_as(
            "SELECT email, slug, name, practice_name, email_verified_at, disabled_at, created_at,
                    EXISTS (SELECT 1 FROM totp_factors t WHERE t.provider_id = p.id) AS totp,
                    (SELECT COUNT(*) FROM passkeys k WHERE k.provider_id = p.id) AS passkeys,
                    (SELECT COUNT(*) FROM recovery_codes r WHERE r.provider_id = p.id) AS recovery_codes
             FROM providers p ORDER BY created_at, id",
        )
        .fetch_all(pool)
        .await)
    }

    /// Disable an account: mark it, end all its sessions and delete its
    /// unused email links, so that no reset link mailed earlier still works.
    /// Returns how many sessions ended.
    pub async fn disable_provider(&self, provider: ProviderId, now: i64) -> sqlx::Result<u64> {
        with_pool!(self, |pool| {
            let mut transaction = pool.begin().await?;
            sqlx::query("UPDATE providers SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
                .bind(now)
                .bind(provider)
                .execute(&mut *transaction)
                .await?;
            let sessions = sqlx::query("DELETE FROM sessions WHERE provider_id = $1")
                .bind(provider)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM email_tokens WHERE provider_id = $1")
                .bind(provider)
                .execute(&mut *transaction)
                .await?;
            transaction.commit().await?;
            Ok(sessions)
        })
    }

    pub async fn enable_provider(&self, provider: ProviderId) -> sqlx::Result<()> {
        execute!(self, sqlx::query("UPDATE providers SET disabled_at = NULL WHERE id = $1")
            .bind(provider))?;
        Ok(())
    }

    /// Delete the authenticator app, every passkey and every recovery code
    /// of a provider, and end all their sessions, so that the next login
    /// leads to the enrolment of a new second factor.
    pub async fn remove_second_factors(&self, provider: ProviderId) -> sqlx::Result<RemovedFactors> {
        with_pool!(self, |pool| {
            let mut transaction = pool.begin().await?;
            let mut removed = RemovedFactors::default();
            for (statement, count) in [
                ("DELETE FROM totp_factors WHERE provider_id = $1", &mut removed.totp),
                ("DELETE FROM passkeys WHERE provider_id = $1", &mut removed.passkeys),
                ("DELETE FROM recovery_codes WHERE provider_id = $1", &mut removed.recovery_codes),
                ("DELETE FROM sessions WHERE provider_id = $1", &mut removed.sessions),
            ] {
                *count = sqlx::query(statement)
                    .bind(provider)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
            }
            transaction.commit().await?;
            Ok(removed)
        })
    }
}
