//! The admin listener: `/metrics` without a token, `/healthz` and `/readyz`
//! on an address of their own, for the operator's monitoring network. It
//! bypasses the connection caps of the main listener, so that load there
//! does not turn probes away.
//!
//! NOTE: `axum::serve` sets no header read timeout or connection cap, so
//! this listener must only be reachable from trusted networks.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::http::{App, admin_router};

/// How long a scrape in flight gets to finish after a shutdown signal.
const STOP_GRACE: Duration = Duration::from_secs(5);

pub async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on admin_listen {address}: is another server running there?"))
}

/// The running admin listener.
pub struct AdminListener {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl AdminListener {
    pub fn spawn(listener: TcpListener, app: App) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, admin_router(app))
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "admin listener failed");
            }
        });
        Self { stop, task }
    }

    /// Stops accepting and waits a few seconds for requests in flight.
    pub async fn stop(mut self) {
        let _ = self.stop.send(());
        if tokio::time::timeout(STOP_GRACE, &mut self.task).await.is_err() {
            tracing::warn!("admin listener did not stop in time, closing its connections");
            self.task.abort();
        }
    }
}
