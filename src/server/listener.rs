//! The accept loop: HTTP/1.1 with upgrades on every accepted TCP connection,
//! inside TLS when it is configured, under the connection caps of
//! [`super::limits`] and a header read timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio::sync::watch;
use tower::ServiceExt;

use super::limits::{ConnectionLimits, Counted};

/// Largest request head (request line and headers), in bytes. A larger one
/// gets status 431 and the connection closes.
const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Read buffer cap per connection, in bytes. hyper 1.13 reads into the
/// buffer's whole spare capacity, so a buffer can grow somewhat past this
/// before the cap applies. `MAX_HEADER_BYTES` is the exact limit on headers.
const MAX_READ_BUFFER_BYTES: usize = 32 * 1024;
/// Pause after a failed accept, such as when the process is out of file
/// descriptors, so that the loop does not spin.
const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(100);
/// Shortest time between two log lines about accept failing.
const ACCEPT_ERROR_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// The shutdown stage that open connections follow, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Serving,
    /// Finish the request in flight, then close.
    Draining,
    /// Close now.
    Closing,
}

/// The listening socket and what each accepted connection needs.
pub struct Acceptor {
    pub listener: TcpListener,
    pub router: Router,
    pub limits: Arc<ConnectionLimits>,
    pub header_read_timeout: Duration,
    pub phase: watch::Receiver<Phase>,
    /// `None` serves plain HTTP.
    pub tls: Option<TlsAcceptor>,
}

impl Acceptor {
    /// Accepts and serves connections until `stop` resolves, then returns
    /// while the open connections keep running, following `phase`.
    pub async fn run(self, stop: impl Future<Output = ()>) {
        let mut http = hyper::server::conn::http1::Builder::new();
        // Without a timer hyper enforces no header read timeout.
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .max_header_size(MAX_HEADER_BYTES)
            .max_buf_size(MAX_READ_BUFFER_BYTES);

        let mut failures = AcceptFailures::default();
        let mut stop = std::pin::pin!(stop);
        loop {
            let accepted = tokio::select! {
                () = &mut stop => return,
                accepted = self.listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => {
                    failures.recovered();
                    accepted
                }
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    failures.failed(&error);
                    tokio::time::sleep(ACCEPT_RETRY_DELAY).await;
                    continue;
                }
            };
            // Over a cap, dropping the stream closes the connection before any request is read.
            let Ok(slot) = self.limits.try_acquire(peer.ip()) else {
                continue;
            };
            // Signaling messages are small writes. Without TCP_NODELAY, Nagle's algorithm
            // delays one until the peer's delayed ACK, up to 40 ms on Linux.
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "cannot set TCP_NODELAY");
            }
            let stream = Counted::new(stream, slot);
            let (http, router, phase) = (http.clone(), self.router.clone(), self.phase.clone());
            match &self.tls {
                None => {
                    tokio::spawn(serve_connection(http, stream, peer, router, phase));
                }
                Some(tls) => {
                    let handshake = tls.accept(stream);
                    // The handshake gets the same time as a request head, so a
                    // silent client cannot hold a connection slot for longer.
                    let timeout = self.header_read_timeout;
                    tokio::spawn(async move {
                        match tokio::time::timeout(timeout, handshake).await {
                            Ok(Ok(stream)) => serve_connection(http, stream, peer, router, phase).await,
                            Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                            Err(_) => tracing::debug!("TLS handshake timed out"),
                        }
                    });
                }
            }
        }
    }
}

async fn serve_connection<S>(
    http: hyper::server::conn::http1::Builder,
    stream: S,
    peer: SocketAddr,
    router: Router,
    mut phase: watch::Receiver<Phase>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(stream);
    let service = router.map_request(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    });
    let connection = http.serve_connection(io, TowerToHyperService::new(service)).with_upgrades();
    let mut connection = std::pin::pin!(connection);

    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = reached(&mut phase, Phase::Draining) => {
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                result = connection.as_mut() => result,
                () = reached(&mut phase, Phase::Closing) => return,
            }
        }
    };
    // Header timeouts, malformed requests and resets are the client's doing
    // and common on the open internet, so they are not worth a warning.
    if let Err(error) = result {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// Resolves once the server is in `target` or a later phase, or has stopped.
async fn reached(phase: &mut watch::Receiver<Phase>, target: Phase) {
    let _ = phase.wait_for(|phase| *phase >= target).await;
}

/// Errors that concern one connection that failed before accept returned it.
fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset)
}

/// Accept failures in a row, logged once when they start, once a minute while
/// they last and once when accept works again.
#[derive(Default)]
struct AcceptFailures {
    count: u64,
    logged_at: Option<Instant>,
}

impl AcceptFailures {
    fn failed(&mut self, error: &std::io::Error) {
        self.count += 1;
        let due = self.logged_at.is_none_or(|logged_at| logged_at.elapsed() >= ACCEPT_ERROR_LOG_INTERVAL);
        if due {
            let retry_ms = ACCEPT_RETRY_DELAY.as_millis();
            tracing::error!(%error, failures = self.count, retry_ms, "accept failed, retrying until it works");
            self.logged_at = Some(Instant::now());
        }
    }

    fn recovered(&mut self) {
        if self.count > 0 {
            tracing::warn!(failures = self.count, "accepting connections again");
        }
        *self = Self::default();
    }
}
