//! Password hashing with Argon2id, run on the blocking thread pool because
//! one hash takes tens of milliseconds of CPU.

use std::sync::LazyLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// Minimum length in Unicode scalar values while a second factor is mandatory.
pub const MIN_CHARS: usize = 12;
/// Long passphrases are welcome; the cap only bounds hashing work.
pub const MAX_CHARS: usize = 1024;

/// A hash that matches no password, verified for unknown emails so that a
/// failed login takes the same time whether or not the account exists.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking("visite dummy password for timing").unwrap_or_default());

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|error| anyhow::anyhow!("cannot hash password: {error}"))?;
    Ok(hash.to_string())
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Check a password against a stored hash, or against the dummy hash when
/// there is no account, doing the same work either way.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    let exists = hash.is_some();
    let result = tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        verify_blocking(&password, &hash)
    })
    .await;
    exists && result.unwrap_or(false)
}

/// Reasons a new password is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    TooShort,
    TooLong,
    SameAsPersonalData,
}

/// Check a new password against the basic rules: length, and not the
/// provider's own email or name.
pub fn check_new(password: &str, personal: &[&str]) -> Result<(), PasswordError> {
    let length = password.chars().count();
    if length < MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    if length > MAX_CHARS {
        return Err(PasswordError::TooLong);
    }
    let folded = password.trim().to_lowercase();
    if personal.iter().any(|value| !value.trim().is_empty() && value.trim().to_lowercase() == folded) {
        return Err(PasswordError::SameAsPersonalData);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_password_rules() {
        assert_eq!(check_new("short", &[]), Err(PasswordError::TooShort));
        assert_eq!(check_new("elf-zeichen", &[]), Err(PasswordError::TooShort));
        assert!(check_new("zwölf zeichen", &[]).is_ok());
        assert_eq!(check_new(&"x".repeat(1025), &[]), Err(PasswordError::TooLong));
        assert_eq!(
            check_new("Erika@Example.org", &["erika@example.org", "Erika"]),
            Err(PasswordError::SameAsPersonalData)
        );
        assert_eq!(check_new("Dr. Erika Mustermann", &["x@y.z", "dr. erika mustermann"]), Err(PasswordError::SameAsPersonalData));
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let hash = hash("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(hash.clone())).await);
        assert!(!verify("correct horse batterx".into(), Some(hash)).await);
        assert!(!verify("visite dummy password for timing".into(), None).await);
    }
}
