//! Keys shared by every server process of an installation.

use super::{Store, unix_now};

impl Store {
    /// Returns the key called `name`, creating it from `fresh` if there is
    /// none yet. When two servers start at once, both end up with the first
    /// key written.
    pub async fn server_key(&self, name: &str, fresh: Vec<u8>) -> sqlx::Result<Vec<u8>> {
        execute!(self, sqlx::query("INSERT INTO server_keys (name, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(fresh)
            .bind(unix_now()))?;
        with_pool!(self, |pool| sqlx::query_scalar("SELECT key FROM server_keys WHERE name = $1").bind(name).fetch_one(pool).await)
    }

    /// Returns whether a key called `name` was ever created.
    pub async fn has_server_key(&self, name: &str) -> sqlx::Result<bool> {
        let found: Option<i64> =
            with_pool!(self, |pool| sqlx::query_scalar("SELECT 1 FROM server_keys WHERE name = $1").bind(name).fetch_optional(pool).await)?;
        Ok(found.is_some())
    }
}
