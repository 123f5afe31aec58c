use sqlx::FromRow;

use super::factors::write_recovery_codes;
use super::{ProviderId, Store};

/// One registered passkey of a provider. `passkey_json` is the webauthn-rs
/// `Passkey`; the store keeps it as text and never looks inside.
#[derive(Debug, Clone, FromRow)]
pub struct PasskeyRow {
    pub id: i64,
    pub provider_id: ProviderId,
    pub passkey_json: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A new passkey to store, with the recovery codes that replace the old ones
/// when it is the provider's first second factor.
pub struct NewPasskey<'a> {
    pub provider: ProviderId,
    pub credential_id: &'a [u8],
    pub passkey_json: &'a str,
    pub name: &'a str,
    pub recovery_hashes: Option<&'a [Vec<u8>]>,
}

/// Kind of WebAuthn ceremony whose state is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyKind {
    Register,
    Authenticate,
    Discover,
}

impl CeremonyKind {
    fn as_str(self) -> &'static str {
        match self {
            CeremonyKind::Register => "register",
            CeremonyKind::Authenticate => "authenticate",
            CeremonyKind::Discover => "discover",
        }
    }
}

impl Store {
    /// Deletes passkey ceremonies that expired before `now`; returns how many.
    pub async fn prune_ceremonies(&self, now: i64) -> sqlx::Result<u64> {
        let result = execute!(self, sqlx::query("DELETE FROM passkey_ceremonies WHERE expires_at <= $1").bind(now))?;
        Ok(result)
    }

    pub async fn passkeys(&self, provider: ProviderId) -> sqlx::Result<Vec<PasskeyRow>> {
        with_pool!(self, |pool| sqlx::query_as(
            "SELECT id, provider_id, passkey_json, name, created_at, last_used_at FROM passkeys
             WHERE provider_id = $1 ORDER BY created_at, id",
        )
        .bind(provider)
        .fetch_all(pool)
        .await)
    }

    pub async fn passkey_count(&self, provider: ProviderId) -> sqlx::Result<i64> {
        with_pool!(self, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE provider_id = $1")
            .bind(provider)
            .fetch_one(pool)
            .await)
    }

    pub async fn passkey_by_credential_id(&self, credential_id: &[u8]) -> sqlx::Result<Option<PasskeyRow>> {
        with_pool!(self, |pool| sqlx::query_as(
            "SELECT id, provider_id, passkey_json, name, created_at, last_used_at FROM passkeys
             WHERE credential_id = $1",
        )
        .bind(credential_id)
        .fetch_optional(pool)
        .await)
    }

    /// Store a passkey, and replace the recovery codes if given, in one
    /// transaction. Returns false when the credential id is already
    /// registered, to this or to another provider.
    pub async fn add_passkey(&self, passkey: NewPasskey<'_>, now: i64) -> sqlx::Result<bool> {
        with_pool!(self, |pool| {
            let mut transaction = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO passkeys (provider_id, credential_id, passkey_json, name, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) DO NOTHING",
            )
            .bind(passkey.provider)
            .bind(passkey.credential_id)
            .bind(passkey.passkey_json)
            .bind(passkey.name)
            .bind(now)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Ok(false);
            }

            if let Some(hashes) = passkey.recovery_hashes {
                write_recovery_codes!(transaction, passkey.provider, hashes);
            }

            transaction.commit().await?;
            Ok(true)
        })
    }

    /// Record a successful use, with the signature counter and backup flags
    /// that the authentication updated.
    pub async fn record_passkey_use(&self, id: i64, passkey_json: &str, now: i64) -> sqlx::Result<()> {
        execute!(self, sqlx::query("UPDATE passkeys SET passkey_json = $1, last_used_at = $2 WHERE id = $3")
            .bind(passkey_json)
            .bind(now)
            .bind(id))?;
        Ok(())
    }

    /// Delete a passkey of this provider unless it is their last second
    /// factor: another passkey must remain, or an authenticator app when
    /// `totp_counts`. Returns whether a passkey was deleted.
    pub async fn delete_passkey(&self, provider: ProviderId, id: i64, totp_counts: bool) -> sqlx::Result<bool> {
        let result = execute!(self, sqlx::query(
            "DELETE FROM passkeys WHERE id = $1 AND provider_id = $2
             AND ((SELECT COUNT(*) FROM passkeys WHERE provider_id = $2) > 1
                  OR ($3 AND EXISTS (SELECT 1 FROM totp_factors WHERE provider_id = $2)))",
        )
        .bind(id)
        .bind(provider)
        .bind(totp_counts))?;
        Ok(result == 1)
    }

    /// Keep the state of a ceremony until `expires_at`, replacing an earlier
    /// one of the same kind under the same key. Expired states are deleted on the way.
    pub async fn save_ceremony(&self, key_hash: &[u8], kind: CeremonyKind, state_json: &str, now: i64, expires_at: i64) -> sqlx::Result<()> {
        execute!(self, sqlx::query("DELETE FROM passkey_ceremonies WHERE expires_at <= $1")
            .bind(now))?;
        execute!(self, sqlx::query(
            "INSERT INTO passkey_ceremonies (key_hash, kind, state_json, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key_hash, kind) DO UPDATE SET state_json = excluded.state_json, expires_at = excluded.expires_at",
        )
        .bind(key_hash)
        .bind(kind.as_str())
        .bind(state_json)
        .bind(expires_at))?;
        Ok(())
    }

    /// Take the state of a ceremony out of the store, so that it works once.
    /// Returns `None` when there is none or it has expired.
    pub async fn take_ceremony(&self, key_hash: &[u8], kind: CeremonyKind, now: i64) -> sqlx::Result<Option<String>> {
        let state: Option<(String, i64)> = with_pool!(self, |pool| sqlx::query_as(
            "DELETE FROM passkey_ceremonies WHERE key_hash = $1 AND kind = $2 RETURNING state_json, expires_at",
        )
        .bind(key_hash)
        .bind(kind.as_str())
        .fetch_optional(pool)
        .await)?;
        Ok(state.filter(|(_, expires_at)| *expires_at > now).map(|(json, _)| json))
    }
}
