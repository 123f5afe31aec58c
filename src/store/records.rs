//! Call records and ended-visit markers, the rows the hub writes when calls
//! and visits end. The hub groups the records of many visits into one
//! transaction under load, so both kinds go through [`Store::write_records`].

use super::{ProviderId, Store};

/// One row's worth of what a room reports when a call or visit ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitRecord {
    /// The provider had a call starting at `started_at` (Unix seconds) and
    /// lasting `duration_seconds`. Recording the same call again, as a server
    /// does at shutdown and the next one when the resumed call ends, keeps
    /// one row with the longer duration.
    Call { provider: ProviderId, started_at: i64, duration_seconds: i64 },
    /// A patient's visit, and the call if any, ended: tickets naming them are
    /// refused until `expires_at` (Unix milliseconds).
    Ended { provider: ProviderId, patient: i64, call: Option<i64>, expires_at: i64 },
}

impl Store {
    /// Writes the records in one transaction: all of them, or none.
    pub async fn write_records(&self, records: &[VisitRecord]) -> sqlx::Result<()> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            for record in records {
                match *record {
                    VisitRecord::Call { provider, started_at, duration_seconds } => {
                        let duration = duration_seconds.max(0);
                        let updated = sqlx::query(
                            "UPDATE calls SET duration_seconds = CASE WHEN duration_seconds > $3 THEN duration_seconds ELSE $3 END
                             WHERE provider_id = $1 AND started_at = $2",
                        )
                        .bind(provider)
                        .bind(started_at)
                        .bind(duration)
                        .execute(&mut *tx)
                        .await?;
                        if updated.rows_affected() == 0 {
                            sqlx::query("INSERT INTO calls (provider_id, started_at, duration_seconds) VALUES ($1, $2, $3)")
                                .bind(provider)
                                .bind(started_at)
                                .bind(duration)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    VisitRecord::Ended { provider, patient, call, expires_at } => {
                        for (kind, number) in [("patient", Some(patient)), ("call", call)] {
                            let Some(number) = number else { continue };
                            sqlx::query(
                                "INSERT INTO ended_visits (provider_id, kind, number, expires_at) VALUES ($1, $2, $3, $4)
                                 ON CONFLICT (provider_id, kind, number) DO UPDATE SET expires_at = excluded.expires_at",
                            )
                            .bind(provider)
                            .bind(kind)
                            .bind(number)
                            .bind(expires_at)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                }
            }
            tx.commit().await
        })
    }
}
