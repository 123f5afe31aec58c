use super::Store;

impl Store {
    /// Deletes account counters (`account:` subjects) without a failure for
    /// `max_age_seconds` before `now`, unless they locked the account; returns
    /// how many. Their delay ended long ago, and a counter for a typed
    /// address without an account would otherwise stay for ever.
    pub async fn prune_account_failures(&self, now: i64, max_age_seconds: i64) -> sqlx::Result<u64> {
        let result = execute!(self, sqlx::query(
            "DELETE FROM login_failures WHERE subject LIKE 'account:%' AND last_failure_at < $1 AND failures < $2",
        )
        .bind(now - max_age_seconds)
        .bind(i64::from(crate::accounts::throttle::LOCK_AFTER)))?;
        Ok(result)
    }

    /// Deletes the failure counters of client networks (`net:` subjects)
    /// without a failure in the last hour, since such a counter starts over
    /// anyway. Returns how many.
    pub async fn prune_network_failures(&self, now: i64) -> sqlx::Result<u64> {
        let result = execute!(self, sqlx::query("DELETE FROM login_failures WHERE subject LIKE 'net:%' AND last_failure_at < $1")
            .bind(now - crate::accounts::throttle::NETWORK_MEMORY_SECONDS))?;
        Ok(result)
    }

    /// Failures in a row and the time of the last one, for a throttle subject
    /// such as `account:7` or `net:<hash>`.
    pub async fn login_failures(&self, subject: &str) -> sqlx::Result<(u32, i64)> {
        let row: Option<(i64, i64)> =
            with_pool!(self, |pool| sqlx::query_as("SELECT failures, last_failure_at FROM login_failures WHERE subject = $1")
                .bind(subject)
                .fetch_optional(pool)
                .await)?;
        Ok(row.map(|(failures, at)| (u32::try_from(failures).unwrap_or(u32::MAX), at)).unwrap_or((0, 0)))
    }

    /// Count one more failure; returns the new count. Counts of client
    /// networks (`net:` subjects) start over after an hour without failures.
    pub async fn record_login_failure(&self, subject: &str, now: i64) -> sqlx::Result<u32> {
        let decays = subject.starts_with("net:");
        let failures: i64 = with_pool!(self, |pool| sqlx::query_scalar(
            "INSERT INTO login_failures (subject, failures, last_failure_at) VALUES ($1, 1, $2)
             ON CONFLICT (subject) DO UPDATE SET
                 failures = CASE WHEN $3 AND login_failures.last_failure_at < $4 THEN 1 ELSE login_failures.failures + 1 END,
                 last_failure_at = $2
             RETURNING failures",
        )
        .bind(subject)
        .bind(now)
        .bind(decays)
        .bind(now - crate::accounts::throttle::NETWORK_MEMORY_SECONDS)
        .fetch_one(pool)
        .await)?;
        Ok(u32::try_from(failures).unwrap_or(u32::MAX))
    }

    /// Count an attempt before its password or code is checked, unless the
    /// subject must still wait; returns the new count, or the seconds left to
    /// wait. Checking and counting are one statement, so parallel attempts
    /// cannot all pass the same check. A successful attempt is taken back
    /// with [`Store::forgive_attempt`] or [`Store::clear_login_failures`].
    pub async fn begin_attempt(&self, subject: &str, now: i64) -> sqlx::Result<Result<u32, i64>> {
        let decays = subject.starts_with("net:");
        let forgotten = now - crate::accounts::throttle::NETWORK_MEMORY_SECONDS;
        // The CASE mirrors accounts::throttle::delay_after (5 free failures, then
        // doubling from one second up to 900, reached after 15); a test checks
        // that they agree. SQLite's two-argument MIN does not exist on
        // PostgreSQL, and PostgreSQL shifts only by an INTEGER, hence the CAST.
        let counted: Option<i64> = with_pool!(self, |pool| sqlx::query_scalar(
            "INSERT INTO login_failures (subject, failures, last_failure_at) VALUES ($1, 1, $2)
             ON CONFLICT (subject) DO UPDATE SET
                 failures = CASE WHEN $3 AND login_failures.last_failure_at < $4 THEN 1 ELSE login_failures.failures + 1 END,
                 last_failure_at = $2
             WHERE ($3 AND login_failures.last_failure_at < $4)
                OR login_failures.last_failure_at
                   + CASE WHEN login_failures.failures < 5 THEN 0
                          WHEN login_failures.failures < 15 THEN 1 << CAST(login_failures.failures - 5 AS INTEGER)
                          ELSE 900 END <= $2
             RETURNING failures",
        )
        .bind(subject)
        .bind(now)
        .bind(decays)
        .bind(forgotten)
        .fetch_optional(pool)
        .await)?;
        if let Some(failures) = counted {
            return Ok(Ok(u32::try_from(failures).unwrap_or(u32::MAX)));
        }
        let (failures, last) = self.login_failures(subject).await?;
        let wait = last + crate::accounts::throttle::delay_after(failures) - now;
        Ok(Err(wait.max(1)))
    }

    /// Take back one counted attempt that succeeded.
    pub async fn forgive_attempt(&self, subject: &str) -> sqlx::Result<()> {
        execute!(self, sqlx::query("UPDATE login_failures SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END WHERE subject = $1")
            .bind(subject))?;
        Ok(())
    }

    pub async fn clear_login_failures(&self, subject: &str) -> sqlx::Result<()> {
        execute!(self, sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(subject))?;
        Ok(())
    }
}
