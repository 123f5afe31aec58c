use sqlx::FromRow;

use super::{Store, unix_now};
use crate::redact::Redacted;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct ProviderId(pub i64);

/// A provider account. `Debug` redacts the personal data and the password hash.
#[derive(Clone, FromRow)]
pub struct Provider {
    pub id: ProviderId,
    pub email: String,
    pub name: String,
    pub practice_name: String,
    pub slug: String,
    pub password_hash: String,
    pub waiting_message: String,
    pub locale: String,
    pub email_verified_at: Option<i64>,
    /// Set while an operator has disabled the account.
    pub disabled_at: Option<i64>,
}

/// `Debug` redacts the personal data and the password hash.
pub struct NewProvider<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub practice_name: &'a str,
    pub slug: &'a str,
    pub password_hash: &'a str,
    pub locale: &'a str,
}

#[cfg(test)]
impl<'a> NewProvider<'a> {
    /// Returns a provider for unit tests, with a stand-in password hash.
    pub(crate) fn example(email: &'a str, slug: &'a str) -> Self {
        Self { email, name: "Dr. Erika Muster", practice_name: "Praxis Muster", slug, password_hash: "$argon2id$stub", locale: "de" }
    }
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("email", &Redacted(&self.email))
            .field("name", &Redacted(&self.name))
            .field("practice_name", &Redacted(&self.practice_name))
            .field("slug", &self.slug)
            .field("password_hash", &Redacted(&self.password_hash))
            .field("waiting_message", &Redacted(&self.waiting_message))
            .field("locale", &self.locale)
            .field("email_verified_at", &self.email_verified_at)
            .finish()
    }
}

impl std::fmt::Debug for NewProvider<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewProvider")
            .field("email", &Redacted(self.email))
            .field("name", &Redacted(self.name))
            .field("practice_name", &Redacted(self.practice_name))
            .field("slug", &self.slug)
            .field("password_hash", &Redacted(self.password_hash))
            .field("locale", &self.locale)
            .finish()
    }
}

/// Which unique value is already taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueViolation {
    Email,
    Slug,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0:?} is already taken")]
    Taken(UniqueViolation),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Map a unique-constraint failure to the value that collided.
fn classify(error: sqlx::Error) -> WriteError {
    if let Some(db_error) = error.as_database_error() {
        if db_error.is_unique_violation() {
            let message = db_error.message();
            if message.contains("providers.email") || db_error.constraint() == Some("providers_email_key") {
                return WriteError::Taken(UniqueViolation::Email);
            }
            if message.contains("providers.slug") || db_error.constraint() == Some("providers_slug_key") {
                return WriteError::Taken(UniqueViolation::Slug);
            }
        }
    }
    WriteError::Database(error)
}

/// A provider query with the given `WHERE` clause; a macro because sqlx
/// accepts only static SQL strings.
macro_rules! select_provider {
    ($condition:literal) => {
        concat!(
            "SELECT id, email, name, practice_name, slug, password_hash, waiting_message, locale, email_verified_at, disabled_at FROM providers WHERE ",
            $condition
        )
    };
}

impl Store {
    /// Whether a room link is free: no provider has it and no live reservation keeps it.
    pub async fn slug_available(&self, slug: &str, now: i64) -> sqlx::Result<bool> {
        let taken: i64 = with_pool!(self, |pool| sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM providers WHERE slug = $1)
                  + (SELECT COUNT(*) FROM slug_reservations WHERE slug = $1 AND expires_at > $2)",
        )
        .bind(slug)
        .bind(now)
        .fetch_one(pool)
        .await)?;
        Ok(taken == 0)
    }

    /// Hold a room link until `expires_at` without an account.
    pub async fn reserve_slug(&self, slug: &str, expires_at: i64) -> sqlx::Result<()> {
        execute!(self, sqlx::query(
            "INSERT INTO slug_reservations (slug, expires_at) VALUES ($1, $2)
             ON CONFLICT (slug) DO UPDATE SET expires_at =
                 CASE WHEN slug_reservations.expires_at > $2 THEN slug_reservations.expires_at ELSE $2 END",
        )
        .bind(slug)
        .bind(expires_at))?;
        Ok(())
    }

    /// Delete accounts whose email address was not confirmed before `created_before`,
    /// and expired room-link reservations. Returns how many accounts went.
    pub async fn delete_unverified(&self, created_before: i64, now: i64) -> sqlx::Result<u64> {
        execute!(self, sqlx::query("DELETE FROM slug_reservations WHERE expires_at <= $1").bind(now))?;
        let result = execute!(self, sqlx::query("DELETE FROM providers WHERE email_verified_at IS NULL AND created_at < $1")
            .bind(created_before))?;
        Ok(result)
    }

    pub async fn provider_count(&self) -> sqlx::Result<i64> {
        with_pool!(self, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM providers").fetch_one(pool).await)
    }

    pub async fn create_provider(&self, new: NewProvider<'_>) -> Result<ProviderId, WriteError> {
        if !self.slug_available(new.slug, unix_now()).await? {
            return Err(WriteError::Taken(UniqueViolation::Slug));
        }
        let id: i64 = with_pool!(self, |pool| sqlx::query_scalar(
            "INSERT INTO providers (email, name, practice_name, slug, password_hash, locale, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.email)
        .bind(new.name)
        .bind(new.practice_name)
        .bind(new.slug)
        .bind(new.password_hash)
        .bind(new.locale)
        .bind(unix_now())
        .fetch_one(pool)
        .await)
        .map_err(classify)?;
        Ok(ProviderId(id))
    }

    pub async fn provider_by_email(&self, email: &str) -> sqlx::Result<Option<Provider>> {
        with_pool!(self, |pool| sqlx::query_as(select_provider!("email = $1"))
            .bind(email)
            .fetch_optional(pool)
            .await)
    }

    pub async fn provider_by_slug(&self, slug: &str) -> sqlx::Result<Option<Provider>> {
        with_pool!(self, |pool| sqlx::query_as(select_provider!("slug = $1"))
            .bind(slug)
            .fetch_optional(pool)
            .await)
    }

    pub async fn provider_by_id(&self, id: ProviderId) -> sqlx::Result<Option<Provider>> {
        with_pool!(self, |pool| sqlx::query_as(select_provider!("id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await)
    }

    pub async fn mark_email_verified(&self, id: ProviderId, now: i64) -> sqlx::Result<()> {
        execute!(self, sqlx::query("UPDATE providers SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL")
            .bind(now)
            .bind(id))?;
        Ok(())
    }

    /// Switch the login address; the new one counts as verified, because
    /// the provider confirmed it through a link.
    pub async fn set_email(&self, id: ProviderId, email: &str, now: i64) -> Result<(), WriteError> {
        execute!(self, sqlx::query("UPDATE providers SET email = $1, email_verified_at = $2 WHERE id = $3")
            .bind(email)
            .bind(now)
            .bind(id))
            .map_err(classify)?;
        Ok(())
    }

    pub async fn set_password_hash(&self, id: ProviderId, password_hash: &str) -> sqlx::Result<()> {
        execute!(self, sqlx::query("UPDATE providers SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id))?;
        Ok(())
    }

    /// Change the room link and the waiting-room message.
    pub async fn update_room(&self, id: ProviderId, slug: &str, waiting_message: &str) -> Result<(), WriteError> {
        let reserved: i64 = with_pool!(self, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM slug_reservations WHERE slug = $1 AND expires_at > $2")
            .bind(slug)
            .bind(unix_now())
            .fetch_one(pool)
            .await)?;
        if reserved > 0 {
            return Err(WriteError::Taken(UniqueViolation::Slug));
        }
        execute!(self, sqlx::query("UPDATE providers SET slug = $1, waiting_message = $2 WHERE id = $3")
            .bind(slug)
            .bind(waiting_message)
            .bind(id))
            .map_err(classify)?;
        Ok(())
    }
}
