//! Ended visits: the patient and call numbers whose tickets must no longer
//! resume anything. Times are Unix milliseconds, as in tickets.

use super::{ProviderId, Store, VisitRecord};

impl Store {
    /// Records that a patient's visit, and the call if any, ended; tickets
    /// naming them are refused until `expires_at`.
    pub async fn end_visit(&self, provider: ProviderId, patient: i64, call: Option<i64>, expires_at: i64) -> sqlx::Result<()> {
        self.write_records(&[VisitRecord::Ended { provider, patient, call, expires_at }]).await
    }

    /// Returns whether the patient's visit or the call ended, for a ticket
    /// that is valid at `now`.
    pub async fn visit_ended(&self, provider: ProviderId, patient: i64, call: Option<i64>, now: i64) -> sqlx::Result<bool> {
        with_pool!(self, |pool| sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM ended_visits WHERE provider_id = $1 AND expires_at > $4
                AND ((kind = 'patient' AND number = $2) OR (kind = 'call' AND number = $3)))",
        )
        .bind(provider)
        .bind(patient)
        .bind(call)
        .bind(now)
        .fetch_one(pool)
        .await)
    }

    /// Deletes the markers that no valid ticket can name any more.
    pub async fn prune_ended_visits(&self, now: i64) -> sqlx::Result<u64> {
        let result = execute!(self, sqlx::query("DELETE FROM ended_visits WHERE expires_at <= $1").bind(now))?;
        Ok(result)
    }
}
