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
    if app.hub.is_stopping() {
        // A load balancer stops sending new browsers here while the sockets close.
        return Err(NotReady { reason: "shutting down", error: "the server is shutting down".to_owned() });
    }
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

/// Checks the message bus that carries signaling between servers, when
/// one is configured.
async fn check_bus(app: &App) -> Result<(), NotReady> {
    match tokio::time::timeout(CHECK_TIMEOUT, app.hub.bus_ready()).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(NotReady { reason: "message bus unavailable", error: "Redis did not answer PING".to_owned() }),
        Err(_) => {
            let error = format!("no answer within {} seconds", CHECK_TIMEOUT.as_secs());
            Err(NotReady { reason: "message bus timed out", error })
        }
    }
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
