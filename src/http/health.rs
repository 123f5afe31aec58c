//! Probes for load balancers and orchestrators. `/healthz` reports that the
//! process serves requests and checks nothing else. `/readyz` also checks
//! the database and, once there is one, the message bus between servers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::App;

/// Time the readiness check waits for the database before it reports failure.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Marker on a response whose access log line is written at debug level
/// instead of info, because probes and scrapes arrive every few seconds.
#[derive(Debug, Clone, Copy)]
pub struct QuietAccessLog;

pub async fn healthz() -> impl IntoResponse {
    (Extension(QuietAccessLog), "ok")
}

/// Returns 200 "ok" when the database responds, else 503 with a short reason.
pub async fn readyz(State(app): State<App>) -> Response {
    let result = check_ready(&app).await;
    app.readiness.record(&result);
    match result {
        Ok(()) => (Extension(QuietAccessLog), "ok").into_response(),
        Err(failure) => (StatusCode::SERVICE_UNAVAILABLE, Extension(QuietAccessLog), failure.reason).into_response(),
    }
}

/// A failed readiness check: a short reason for the probe's response and
/// the full error for the log.
#[derive(Debug)]
pub struct NotReady {
    reason: &'static str,
    error: String,
}

async fn check_ready(app: &App) -> Result<(), NotReady> {
    match tokio::time::timeout(CHECK_TIMEOUT, app.store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return Err(NotReady { reason: "database unavailable", error: error.to_string() }),
        Err(_) => {
            let error = format!("no answer within {} seconds", CHECK_TIMEOUT.as_secs());
            return Err(NotReady { reason: "database timed out", error });
        }
    }
    check_bus(app).await
}

/// Checks the message bus that carries signaling between servers.
// TODO: this server has no bus yet. When one is configured, ping it here with
// the same timeout and return `NotReady { reason: "message bus unavailable", .. }`
// on failure; without a configured bus this stays `Ok(())`.
async fn check_bus(_app: &App) -> Result<(), NotReady> {
    Ok(())
}

/// The outcome of the previous readiness check, so that only changes are
/// logged while a load balancer probes every few seconds.
#[derive(Debug)]
pub struct Readiness {
    ready: AtomicBool,
}

impl Default for Readiness {
    fn default() -> Self {
        Self { ready: AtomicBool::new(true) }
    }
}

impl Readiness {
    fn record(&self, result: &Result<(), NotReady>) {
        let ready = result.is_ok();
        if self.ready.swap(ready, Ordering::Relaxed) == ready {
            return;
        }
        match result {
            Ok(()) => tracing::info!("ready again: the readiness check passed"),
            Err(failure) => tracing::warn!(reason = failure.reason, error = %failure.error, "not ready: the readiness check failed"),
        }
    }
}
