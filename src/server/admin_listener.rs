//! The admin listener: `/metrics` without a token, `/healthz` and `/readyz`
//! on an address of their own, for the operator's monitoring network. It has
//! connection caps of its own, so that load on the main listener does not
//! turn probes away, and the main listener's header read timeout, so that a
//! silent client cannot hold its few slots.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::limits::ConnectionLimits;
use super::listener::{Acceptor, Phase};
use crate::http::{App, admin_router};

/// How long a scrape in flight gets to finish after a shutdown signal.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// Open connections the admin listener accepts in all. Monitoring needs a
/// handful; the cap bounds what a client on that network can hold.
const MAX_CONNECTIONS: usize = 32;
/// Open connections per client network, so one client cannot take them all.
const MAX_CONNECTIONS_PER_CLIENT: usize = 8;

pub async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on admin_listen {address}: is another server running there?"))
}

/// The running admin listener.
pub struct AdminListener {
    stop: oneshot::Sender<()>,
    accepting: JoinHandle<()>,
    phase: watch::Sender<Phase>,
    limits: Arc<ConnectionLimits>,
}

impl AdminListener {
    pub fn spawn(listener: TcpListener, app: App) -> Self {
        let limits = ConnectionLimits::with_caps(MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT, Vec::new());
        let (phase, phase_rx) = watch::channel(Phase::Serving);
        let acceptor = Acceptor {
            listener,
            header_read_timeout: Duration::from_secs(app.settings.header_read_timeout_seconds),
            limits: limits.clone(),
            phase: phase_rx,
            router: admin_router(app),
            tls: None,
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let accepting = tokio::spawn(acceptor.run(async {
            let _ = stopped.await;
        }));
        Self { stop, accepting, phase, limits }
    }

    /// Stops accepting and waits a few seconds for requests in flight.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.accepting.await;
        let _ = self.phase.send(Phase::Draining);
        if tokio::time::timeout(STOP_GRACE, self.limits.all_closed()).await.is_err() {
            tracing::warn!(open = self.limits.open(), "admin listener did not stop in time, closing its connections");
            let _ = self.phase.send(Phase::Closing);
        }
    }
}
