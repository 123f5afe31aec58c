//! Throwaway PostgreSQL databases for the test suites, which run every store
//! test on both backends.

use anyhow::Context;
use sqlx::Connection;
use sqlx::postgres::PgConnection;

use super::DatabaseUrl;

/// Environment variable with the URL of a database through which the tests
/// create and drop their own databases.
pub const ADMIN_URL_VARIABLE: &str = "VISITE_TEST_POSTGRES_URL";
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A PostgreSQL database with a random name, dropped when this value is
/// dropped, also when the test that owns it panics.
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    url: DatabaseUrl,
}

impl ScratchDatabase {
    /// Creates an empty database through [`ADMIN_URL_VARIABLE`], or through
    /// [`DEFAULT_ADMIN_URL`] when that is unset. Returns an error when
    /// PostgreSQL is unreachable: a test must fail then, not pass unseen.
    pub async fn create() -> anyhow::Result<Self> {
        let admin_url = std::env::var(ADMIN_URL_VARIABLE).unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
        let name = format!("visite_test_{:016x}", rand::random::<u64>());
        let mut connection = PgConnection::connect(&admin_url)
            .await
            .with_context(|| format!("cannot reach PostgreSQL through {ADMIN_URL_VARIABLE} (default {DEFAULT_ADMIN_URL})"))?;
        // The name is made of letters, digits and underscores only, so it
        // needs no quoting; CREATE DATABASE takes no bind parameters.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut connection).await?;
        connection.close().await?;

        let mut url = url::Url::parse(&admin_url).with_context(|| format!("{ADMIN_URL_VARIABLE} is not a valid URL"))?;
        url.set_path(&name);
        let url = DatabaseUrl::parse(url.as_str())?;
        Ok(Self { admin_url, name, url })
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }
}

impl Drop for ScratchDatabase {
    /// Drops the database on a thread of its own, because `Drop` cannot
    /// await and may run inside a Tokio runtime. `WITH (FORCE)` ends the
    /// connections that pools of the test still hold.
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let dropped = std::thread::spawn(move || -> anyhow::Result<()> {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&admin_url).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement)).execute(&mut connection).await?;
                connection.close().await?;
                Ok(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("cannot drop test database {}: {error:#}", self.name),
            Err(_) => eprintln!("cannot drop test database {}: the dropping thread panicked", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn exists(admin_url: &str, name: &str) -> bool {
        let mut connection = PgConnection::connect(admin_url).await.unwrap();
        let found: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut connection)
            .await
            .unwrap();
        connection.close().await.unwrap();
        found
    }

    #[tokio::test]
    async fn scratch_database_is_dropped() {
        let database = ScratchDatabase::create().await.unwrap();
        let (admin_url, name) = (database.admin_url.clone(), database.name.clone());
        let store = crate::store::Store::connect(Some(database.url()), std::env::temp_dir().as_path()).await.unwrap();
        assert!(exists(&admin_url, &name).await, "the database was not created");

        // The store's pool still keeps connections open, as after a failed test.
        drop(database);
        assert!(!exists(&admin_url, &name).await, "the database outlived its guard");
        drop(store);
    }
}
