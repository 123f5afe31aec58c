//! The database check behind `/readyz`.

use super::Store;

impl Store {
    /// Runs a trivial query, which fails when the database cannot be reached
    /// or the pool was closed.
    pub async fn ping(&self) -> sqlx::Result<()> {
        execute!(self, sqlx::query("SELECT 1"))?;
        Ok(())
    }
}
