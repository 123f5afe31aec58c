//! The span around each request, so that every log line written while a
//! request or its WebSocket runs carries the request id, and, when the
//! operator turns it on, a keyed hash of the client's IP address.

use std::net::IpAddr;

use axum::http::Request;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tracing::Span;

use super::App;

/// Bytes of the HMAC kept in the log: 8 bytes (16 hex digits) make a
/// collision between two clients unlikely while keeping lines short.
const HASH_BYTES: usize = 8;

/// Keyed hash of client IP addresses for log lines. The key is a server key
/// in the database, so the same address gets the same hash across restarts.
/// Without that key, an address cannot be tested against a hash. With it,
/// the IPv4 space is small enough to search, so the key is as secret as the
/// database.
#[derive(Clone)]
pub struct ClientIpHasher {
    key: Vec<u8>,
}

impl ClientIpHasher {
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    /// Returns the first bytes of HMAC-SHA256 over the address text, in hex.
    pub fn hash(&self, ip: IpAddr) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(ip.to_string().as_bytes());
        let digest = mac.finalize().into_bytes();
        digest[..HASH_BYTES].iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// Builds the span of one request: its id from `x-request-id`, the method, the
/// path without its query, and the client hash if enabled. Room slugs in paths
/// are provider data, not patient data.
pub fn request_span<B>(app: &App, request: &Request<B>) -> Span {
    let id = request.headers().get("x-request-id").and_then(|value| value.to_str().ok()).unwrap_or("-");
    let span = tracing::info_span!(
        "request",
        id,
        method = %request.method(),
        path = %request.uri().path(),
        client = tracing::field::Empty,
    );
    if let Some(hasher) = &app.client_ip_hasher {
        let ip = super::client::client_ip(request.extensions(), request.headers(), &app.settings.trusted_proxies);
        span.record("client", tracing::field::display(hasher.hash(ip)));
    }
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_keyed_and_short() {
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let first = ClientIpHasher::new(vec![1; 32]);
        let second = ClientIpHasher::new(vec![2; 32]);
        assert_eq!(first.hash(ip), first.hash(ip));
        assert_ne!(first.hash(ip), second.hash(ip), "the key does not change the hash");
        assert_ne!(first.hash(ip), first.hash("192.0.2.8".parse().unwrap()));
        assert_eq!(first.hash(ip).len(), 2 * HASH_BYTES);
        assert!(!first.hash(ip).contains("192"), "{}", first.hash(ip));
    }
}
