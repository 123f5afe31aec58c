use rand::RngCore;
use sqlx::FromRow;

use super::{ProviderId, Store};

/// Something that happened to an account, for its owner's security log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityEvent {
    SignedUp,
    EmailVerified,
    Login,
    LoginFailed,
    SecondFactorFailed,
    TotpEnrolled,
    RecoveryCodeUsed,
    PasswordChanged,
    PasswordReset,
    SessionsEnded,
    NewDevice,
    AccountLocked,
    AccountUnlocked,
    EmailChanged,
    RecoveryCodesRenewed,
    PasskeyAdded,
    PasskeyRemoved,
    /// Somebody tried to sign up with this account's email address.
    SignupAttempt,
    /// The events below come from `visite admin`.
    CreatedByOperator,
    AccountDisabled,
    AccountEnabled,
    SecondFactorReset,
}

impl SecurityEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEvent::SignedUp => "signed_up",
            SecurityEvent::EmailVerified => "email_verified",
            SecurityEvent::Login => "login",
            SecurityEvent::LoginFailed => "login_failed",
            SecurityEvent::SecondFactorFailed => "second_factor_failed",
            SecurityEvent::TotpEnrolled => "totp_enrolled",
            SecurityEvent::RecoveryCodeUsed => "recovery_code_used",
            SecurityEvent::PasswordChanged => "password_changed",
            SecurityEvent::PasswordReset => "password_reset",
            SecurityEvent::SessionsEnded => "sessions_ended",
            SecurityEvent::NewDevice => "new_device",
            SecurityEvent::AccountLocked => "account_locked",
            SecurityEvent::AccountUnlocked => "account_unlocked",
            SecurityEvent::EmailChanged => "email_changed",
            SecurityEvent::RecoveryCodesRenewed => "recovery_codes_renewed",
            SecurityEvent::PasskeyAdded => "passkey_added",
            SecurityEvent::PasskeyRemoved => "passkey_removed",
            SecurityEvent::SignupAttempt => "signup_attempt",
            SecurityEvent::CreatedByOperator => "created_by_operator",
            SecurityEvent::AccountDisabled => "account_disabled",
            SecurityEvent::AccountEnabled => "account_enabled",
            SecurityEvent::SecondFactorReset => "second_factor_reset",
        }
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct SecurityEventRow {
    pub at: i64,
    pub kind: String,
    pub device_label: String,
}

impl Store {
    pub async fn record_security_event(
        &self,
        provider: ProviderId,
        event: SecurityEvent,
        device_label: &str,
        now: i64,
    ) -> sqlx::Result<()> {
        execute!(self, sqlx::query("INSERT INTO security_events (provider_id, at, kind, device_label) VALUES ($1, $2, $3, $4)")
            .bind(provider)
            .bind(now)
            .bind(event.as_str())
            .bind(device_label))?;
        Ok(())
    }

    pub async fn security_events(&self, provider: ProviderId, limit: i64) -> sqlx::Result<Vec<SecurityEventRow>> {
        with_pool!(self, |pool| sqlx::query_as(
            "SELECT at, kind, device_label FROM security_events WHERE provider_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(provider)
        .bind(limit)
        .fetch_all(pool)
        .await)
    }

    /// When the newest event of this kind happened, if ever.
    pub async fn last_security_event_at(&self, provider: ProviderId, event: SecurityEvent) -> sqlx::Result<Option<i64>> {
        with_pool!(self, |pool| sqlx::query_scalar("SELECT MAX(at) FROM security_events WHERE provider_id = $1 AND kind = $2")
            .bind(provider)
            .bind(event.as_str())
            .fetch_one(pool)
            .await)
    }

    /// Deletes security events more than `max_age_seconds` older than `now`; returns how many.
    pub async fn prune_security_events(&self, now: i64, max_age_seconds: i64) -> sqlx::Result<u64> {
        let result = execute!(self, sqlx::query("DELETE FROM security_events WHERE at < $1")
            .bind(now - max_age_seconds))?;
        Ok(result)
    }

    /// Record this browser for this provider; returns whether it had completed a login before.
    pub async fn remember_device(&self, provider: ProviderId, device_hash: &[u8], now: i64) -> sqlx::Result<bool> {
        let inserted = execute!(self, sqlx::query(
            "INSERT INTO known_devices (provider_id, device_hash, first_seen_at) VALUES ($1, $2, $3)
             ON CONFLICT (provider_id, device_hash) DO NOTHING",
        )
        .bind(provider)
        .bind(device_hash)
        .bind(now))?;
        Ok(inserted == 0)
    }

    pub async fn is_known_device(&self, provider: ProviderId, device_hash: &[u8]) -> sqlx::Result<bool> {
        let count: i64 = with_pool!(self, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM known_devices WHERE provider_id = $1 AND device_hash = $2")
            .bind(provider)
            .bind(device_hash)
            .fetch_one(pool)
            .await)?;
        Ok(count > 0)
    }

    pub async fn has_known_devices(&self, provider: ProviderId) -> sqlx::Result<bool> {
        let count: i64 = with_pool!(self, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM known_devices WHERE provider_id = $1")
            .bind(provider)
            .fetch_one(pool)
            .await)?;
        Ok(count > 0)
    }

    /// Return a named random secret shared by all servers of the installation,
    /// creating it on first use.
    pub async fn server_secret(&self, name: &str) -> sqlx::Result<Vec<u8>> {
        let mut fresh = vec![0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        execute!(self, sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(&fresh))?;
        with_pool!(self, |pool| sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(pool)
            .await)
    }
}
