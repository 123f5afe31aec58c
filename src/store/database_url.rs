//! The `database_url` setting: which database the store opens.

use std::str::FromStr;

use anyhow::{Context, bail};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

/// The accepted forms, for error messages.
const ACCEPTED_FORMS: &str =
    "give sqlite://PATH (such as sqlite:///var/lib/visite/visite.db) or postgres://USER@HOST:PORT/DATABASE";

/// Database engine behind a [`crate::store::Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A validated `sqlite:`, `postgres:` or `postgresql:` URL. `Display` and
/// `Debug` leave out the password and the query string, where a password
/// may also be given, so the value is safe to log.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    url: String,
}

impl DatabaseUrl {
    /// Parses and checks a database URL without connecting.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let text = text.trim();
        let scheme = text.split_once(':').map(|(scheme, _)| scheme.to_ascii_lowercase()).unwrap_or_default();
        let backend = match scheme.as_str() {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            // Only the scheme is shown, since the rest may contain a password.
            "" => bail!("database_url has no scheme: {ACCEPTED_FORMS}"),
            other => bail!("database_url with the scheme {other:?} is not supported: {ACCEPTED_FORMS}"),
        };
        let url = Self { backend, url: text.to_owned() };
        match backend {
            Backend::Sqlite => {
                let options = url.sqlite_options()?;
                let filename = options.get_filename().to_string_lossy();
                if filename.is_empty() || filename == ":memory:" || text.contains(":memory:") {
                    bail!("database_url {url} names no database file: {ACCEPTED_FORMS}");
                }
            }
            Backend::Postgres => {
                url.postgres_options()?;
            }
        }
        Ok(url)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Returns the file path of a SQLite URL, or the database name of a
    /// PostgreSQL URL, without host and credentials.
    pub fn database_name(&self) -> String {
        match self.backend {
            Backend::Sqlite => self.sqlite_options().map(|options| options.get_filename().display().to_string()).unwrap_or_default(),
            Backend::Postgres => self.postgres_options().ok().and_then(|options| options.get_database().map(str::to_owned)).unwrap_or_default(),
        }
    }

    /// Returns the URL as given, password included: for a database client,
    /// never for a log.
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// Connection options for SQLite. Like sqlx, they create no missing
    /// file unless the URL carries `?mode=rwc`.
    pub(super) fn sqlite_options(&self) -> anyhow::Result<SqliteConnectOptions> {
        SqliteConnectOptions::from_str(&self.url).with_context(|| format!("database_url {self} is not a valid SQLite URL: {ACCEPTED_FORMS}"))
    }

    pub(super) fn postgres_options(&self) -> anyhow::Result<PgConnectOptions> {
        PgConnectOptions::from_str(&self.url)
            .with_context(|| format!("database_url {self} is not a valid PostgreSQL URL: {ACCEPTED_FORMS}"))
    }
}

impl std::fmt::Display for DatabaseUrl {
    /// Writes a SQLite URL as it is, and a PostgreSQL URL as scheme, user,
    /// host, port and database only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.backend == Backend::Sqlite {
            return f.write_str(&self.url);
        }
        let Ok(url) = url::Url::parse(&self.url) else {
            return f.write_str("postgres://<unreadable URL>");
        };
        write!(f, "{}://", url.scheme())?;
        if !url.username().is_empty() {
            write!(f, "{}@", url.username())?;
        }
        if let Some(host) = url.host_str() {
            f.write_str(host)?;
        }
        if let Some(port) = url.port() {
            write!(f, ":{port}")?;
        }
        f.write_str(url.path())
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_sqlite_and_postgres() {
        assert_eq!(DatabaseUrl::parse("sqlite:///srv/visite/visite.db").unwrap().backend(), Backend::Sqlite);
        assert_eq!(DatabaseUrl::parse("sqlite://data/visite.db?mode=rwc").unwrap().backend(), Backend::Sqlite);
        assert_eq!(DatabaseUrl::parse("postgres://visite@127.0.0.1/visite").unwrap().backend(), Backend::Postgres);
        assert_eq!(DatabaseUrl::parse("postgresql://visite@127.0.0.1:5433/visite").unwrap().backend(), Backend::Postgres);
    }

    #[test]
    fn parse_rejects_other_schemes() {
        for text in ["mysql://root:secret@127.0.0.1/visite", "/var/lib/visite/visite.db", "visite.db", "http://127.0.0.1/"] {
            let error = format!("{:#}", DatabaseUrl::parse(text).unwrap_err());
            assert!(error.contains("sqlite://PATH"), "{text}: {error}");
            assert!(error.contains("postgres://"), "{text}: {error}");
            assert!(!error.contains("secret"), "{text}: {error}");
        }
    }

    #[test]
    fn parse_rejects_memory_database() {
        assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn display_hides_password() {
        let url = DatabaseUrl::parse("postgres://visite:hunter2@db.praxis.example:5432/visite?password=hunter3").unwrap();
        assert_eq!(url.to_string(), "postgres://visite@db.praxis.example:5432/visite");
        assert!(!format!("{url:?}").contains("hunter"));
        assert_eq!(url.database_name(), "visite");
    }
}
