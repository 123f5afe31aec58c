//! Caps on open TCP connections, in total and per client network.
//!
//! A connection takes a [`Slot`] at accept and gives it back when its socket
//! closes. The slot is stored inside the socket, so an upgraded WebSocket
//! keeps it too.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;

use crate::config::Settings;
use crate::http::{IpNetwork, client_key};

/// Shortest time between two warnings about the same client, or about the total cap.
const WARNING_INTERVAL: Duration = Duration::from_secs(60);

pub struct ConnectionLimits {
    max_total: usize,
    max_per_client: usize,
    /// Peers exempt from the per-client cap, because every connection through
    /// a reverse proxy comes from the proxy's address.
    exempt: Vec<IpNetwork>,
    state: Mutex<State>,
    /// The number of open connections, watched during shutdown.
    open: watch::Sender<usize>,
}

#[derive(Default)]
struct State {
    /// Open connections per client key, without entries for zero.
    per_client: HashMap<IpAddr, usize>,
    warnings: HashMap<WarningKey, Warning>,
}

/// The cap that a rejected connection hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    Total,
    PerClient,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum WarningKey {
    Total,
    Client(IpAddr),
}

/// Rejections counted since the last warning line for one key.
struct Warning {
    logged_at: Instant,
    rejected: u64,
    cap: usize,
}

impl ConnectionLimits {
    /// The caps of the main listener, from the settings.
    pub fn new(settings: &Settings) -> Arc<Self> {
        Self::with_caps(settings.max_connections, settings.max_connections_per_client, settings.trusted_proxies.clone())
    }

    /// Caps of a listener's own, such as the admin listener's.
    pub fn with_caps(max_total: usize, max_per_client: usize, exempt: Vec<IpNetwork>) -> Arc<Self> {
        Arc::new(Self {
            max_total,
            max_per_client,
            exempt,
            state: Mutex::new(State::default()),
            open: watch::Sender::new(0),
        })
    }

    /// Take a slot for a new connection from `peer`, or log (rate-limited)
    /// and return which cap is reached.
    pub fn try_acquire(self: &Arc<Self>, peer: IpAddr) -> Result<Slot, Rejection> {
        let mut state = self.lock();
        if *self.open.borrow() >= self.max_total {
            state.warn(WarningKey::Total, self.max_total);
            return Err(Rejection::Total);
        }
        let client = (!self.exempt.iter().any(|network| network.contains(peer))).then(|| client_key(peer));
        if let Some(client) = client {
            let open = state.per_client.entry(client).or_insert(0);
            if *open >= self.max_per_client {
                state.warn(WarningKey::Client(client), self.max_per_client);
                return Err(Rejection::PerClient);
            }
            *open += 1;
        }
        self.open.send_modify(|open| *open += 1);
        Ok(Slot { limits: self.clone(), client })
    }

    /// Returns the number of open connections.
    pub fn open(&self) -> usize {
        *self.open.borrow()
    }

    /// Resolves once every connection, WebSockets included, has closed.
    pub async fn all_closed(&self) {
        let mut open = self.open.subscribe();
        let _ = open.wait_for(|open| *open == 0).await;
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock, but if one did, a count that is
        // off by one is better than a server that rejects every connection.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn release(&self, client: Option<IpAddr>) {
        let mut state = self.lock();
        if let Some(client) = client
            && let Some(open) = state.per_client.get_mut(&client)
        {
            *open -= 1;
            if *open == 0 {
                state.per_client.remove(&client);
            }
        }
        self.open.send_modify(|open| *open -= 1);
    }
}

impl State {
    /// Log at most one warning per key and [`WARNING_INTERVAL`], each with the
    /// number of connections rejected since the previous line. The client's
    /// address is not logged, because it identifies a patient.
    fn warn(&mut self, key: WarningKey, cap: usize) {
        self.warn_at(key, cap, Instant::now());
    }

    /// Count one rejection at `now` and return the count logged for `key`, if a line was due.
    fn warn_at(&mut self, key: WarningKey, cap: usize, now: Instant) -> Option<u64> {
        let logged = match self.warnings.get_mut(&key) {
            Some(warning) if now.duration_since(warning.logged_at) < WARNING_INTERVAL => {
                warning.rejected += 1;
                None
            }
            Some(warning) => {
                let rejected = warning.rejected + 1;
                *warning = Warning { logged_at: now, rejected: 0, cap };
                Some(rejected)
            }
            None => {
                self.warnings.insert(key, Warning { logged_at: now, rejected: 0, cap });
                Some(1)
            }
        };
        if let Some(rejected) = logged {
            log_rejections(key, cap, rejected);
        }
        // Forget the other keys whose interval has passed, logging what they still count.
        self.warnings.retain(|other, warning| {
            if now.duration_since(warning.logged_at) < WARNING_INTERVAL {
                return true;
            }
            if warning.rejected > 0 {
                log_rejections(*other, warning.cap, warning.rejected);
            }
            false
        });
        logged
    }
}

fn log_rejections(key: WarningKey, cap: usize, rejected: u64) {
    match key {
        WarningKey::Total => tracing::warn!(cap, rejected, "connection cap reached, closing new connections"),
        WarningKey::Client(_) => {
            tracing::warn!(cap, rejected, "per-client connection cap reached, closing the client's new connections")
        }
    }
}

/// Warn when the soft limit on open files is below `max_connections`, because
/// accept then fails before the cap applies. Reads `/proc/self/limits`, so it
/// checks nothing outside Linux.
pub fn check_open_file_limit(max_connections: usize) {
    let Ok(limits) = std::fs::read_to_string("/proc/self/limits") else {
        return;
    };
    // The line reads "Max open files  SOFT  HARD  files"; "unlimited" does not parse and passes.
    let soft_limit = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|value| value.parse::<usize>().ok());
    // NOTE: the room left for the database, log and listener files is an estimate.
    if let Some(soft_limit) = soft_limit
        && soft_limit < max_connections + 64
    {
        tracing::warn!(
            open_file_limit = soft_limit,
            max_connections,
            "the open file limit is too low for max_connections: raise it (ulimit -n, or LimitNOFILE= in a systemd unit) \
             to at least max_connections + 64, or lower max_connections"
        );
    }
}

/// One open connection's place under the caps, given back on drop.
pub struct Slot {
    limits: Arc<ConnectionLimits>,
    client: Option<IpAddr>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.limits.release(self.client);
    }
}

/// A socket that gives back its connection's [`Slot`] when dropped.
pub struct Counted<S> {
    inner: S,
    _slot: Slot,
}

impl<S> Counted<S> {
    pub fn new(inner: S, slot: Slot) -> Self {
        Self { inner, _slot: slot }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: usize, per_client: usize, trusted: &[&str]) -> Arc<ConnectionLimits> {
        let settings = Settings {
            max_connections: total,
            max_connections_per_client: per_client,
            trusted_proxies: trusted.iter().map(|text| IpNetwork::parse(text).unwrap()).collect(),
            ..Settings::default()
        };
        ConnectionLimits::new(&settings)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn per_client_cap_counts_each_client() {
        let limits = limits(10, 2, &[]);
        let first = limits.try_acquire(ip("192.0.2.1")).unwrap();
        let _second = limits.try_acquire(ip("192.0.2.1")).unwrap();
        assert_eq!(limits.try_acquire(ip("192.0.2.1")).err(), Some(Rejection::PerClient));
        let _other = limits.try_acquire(ip("192.0.2.2")).unwrap();
        assert_eq!(limits.open(), 3);

        drop(first);
        assert_eq!(limits.open(), 2);
        let _again = limits.try_acquire(ip("192.0.2.1")).unwrap();
    }

    #[test]
    fn ipv6_clients_share_their_64_network() {
        let limits = limits(10, 2, &[]);
        let _first = limits.try_acquire(ip("2001:db8:1:2::1")).unwrap();
        let _second = limits.try_acquire(ip("2001:db8:1:2:ffff::9")).unwrap();
        assert_eq!(limits.try_acquire(ip("2001:db8:1:2::3")).err(), Some(Rejection::PerClient));
        let _other_network = limits.try_acquire(ip("2001:db8:1:3::1")).unwrap();
    }

    #[test]
    fn ipv4_mapped_peer_counts_as_ipv4() {
        let limits = limits(10, 1, &[]);
        let _plain = limits.try_acquire(ip("192.0.2.1")).unwrap();
        assert_eq!(limits.try_acquire(ip("::ffff:192.0.2.1")).err(), Some(Rejection::PerClient));
    }

    #[test]
    fn total_cap_applies_to_everyone() {
        let limits = limits(2, 2, &["192.0.2.100"]);
        let _first = limits.try_acquire(ip("192.0.2.1")).unwrap();
        let _proxy = limits.try_acquire(ip("192.0.2.100")).unwrap();
        assert_eq!(limits.try_acquire(ip("192.0.2.2")).err(), Some(Rejection::Total));
        assert_eq!(limits.try_acquire(ip("192.0.2.100")).err(), Some(Rejection::Total));
    }

    #[test]
    fn trusted_proxy_is_exempt_from_per_client_cap() {
        let limits = limits(10, 1, &["10.0.0.0/8"]);
        let slots: Vec<Slot> = (0..5).map(|_| limits.try_acquire(ip("10.1.2.3")).unwrap()).collect();
        assert_eq!(limits.open(), 5);
        drop(slots);
        assert_eq!(limits.open(), 0);
    }

    #[test]
    fn warnings_are_rate_limited_per_key() {
        let mut state = State::default();
        let client = WarningKey::Client(ip("192.0.2.1"));
        let start = Instant::now();
        assert_eq!(state.warn_at(client, 64, start), Some(1));
        assert_eq!(state.warn_at(client, 64, start + Duration::from_secs(1)), None);
        assert_eq!(state.warn_at(client, 64, start + Duration::from_secs(2)), None);
        assert_eq!(state.warn_at(WarningKey::Total, 4096, start + Duration::from_secs(3)), Some(1), "each key has its own interval");

        assert_eq!(state.warn_at(client, 64, start + WARNING_INTERVAL), Some(3), "the suppressed rejections were not counted");
        assert_eq!(state.warn_at(client, 64, start + WARNING_INTERVAL + Duration::from_secs(1)), None);
    }

    #[test]
    fn old_warning_keys_are_forgotten() {
        let mut state = State::default();
        let start = Instant::now();
        for n in 1..=10u8 {
            state.warn_at(WarningKey::Client(IpAddr::from([192, 0, 2, n])), 64, start);
        }
        state.warn_at(WarningKey::Total, 4096, start + WARNING_INTERVAL);
        assert_eq!(state.warnings.len(), 1);
    }

    #[tokio::test]
    async fn all_closed_waits_for_the_last_slot() {
        let limits = limits(10, 10, &[]);
        let slot = limits.try_acquire(ip("192.0.2.1")).unwrap();
        let waiter = tokio::spawn({
            let limits = limits.clone();
            async move { limits.all_closed().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "all_closed returned with a slot still taken");
        drop(slot);
        tokio::time::timeout(Duration::from_secs(1), waiter).await.unwrap().unwrap();
    }
}
