//! The address of the client behind a request. Behind a reverse proxy the
//! TCP peer is the proxy, so `X-Forwarded-For` is read. It is read only when
//! the peer is one of the configured trusted proxies, because otherwise
//! anyone could claim any address and escape the per-client limits.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};

use super::App;

/// An IP network in CIDR notation, such as `10.0.0.0/8` or `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    address: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address.trim().parse().map_err(|_| format!("{text:?} is not an IP address or CIDR network"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix.trim().parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{text:?} has an invalid prefix length"))?,
            None => max,
        };
        Ok(Self { address, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, canonical(ip)) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(network) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(network) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4-mapped IPv6 address as plain IPv4; everything else unchanged.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        IpAddr::V4(_) => ip,
    }
}

/// The key for per-client limits: an IPv4 address, or the /64 network of an
/// IPv6 address, because one IPv6 client usually has a whole /64.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(Ipv6Addr::from(network))
        }
        v4 => v4,
    }
}

/// The client's address, resolved through trusted proxies.
pub fn resolve(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNetwork]) -> IpAddr {
    if !trusted.iter().any(|network| network.contains(peer)) {
        return canonical(peer);
    }
    // Walk from the right: the nearest entry that is not a trusted proxy is
    // the client; entries further left were written by the client itself.
    let Some(header) = forwarded_for else {
        return canonical(peer);
    };
    for entry in header.rsplit(',') {
        let Ok(ip) = entry.trim().parse::<IpAddr>() else {
            return canonical(peer);
        };
        if !trusted.iter().any(|network| network.contains(ip)) {
            return canonical(ip);
        }
    }
    canonical(peer)
}

/// The client's address as an extractor; use [`client_key`] for limits.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    pub fn key(self) -> IpAddr {
        client_key(self.0)
    }
}

impl FromRequestParts<App> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Ok(Self(client_ip(&parts.extensions, &parts.headers, &app.settings.trusted_proxies)))
    }
}

/// Resolves the client's address from the TCP peer and, behind a trusted
/// proxy, the `X-Forwarded-For` lines of a request.
pub fn client_ip(extensions: &Extensions, headers: &HeaderMap, trusted: &[IpNetwork]) -> IpAddr {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip())
        .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    // A proxy may append its own header line instead of extending the
    // client's, so all lines count, in order.
    let lines: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok()).collect();
    let forwarded = (!lines.is_empty()).then(|| lines.join(","));
    resolve(peer, forwarded.as_deref(), trusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_contain_addresses() {
        let private = IpNetwork::parse("10.0.0.0/8").unwrap();
        assert!(private.contains(ip("10.1.2.3")));
        assert!(!private.contains(ip("11.0.0.1")));
        assert!(IpNetwork::parse("::1").unwrap().contains(ip("::1")));
        assert!(IpNetwork::parse("127.0.0.1").unwrap().contains(ip("::ffff:127.0.0.1")));
        assert!(IpNetwork::parse("0.0.0.0/0").unwrap().contains(ip("192.0.2.1")));
        assert!(IpNetwork::parse("10.0.0.0/33").is_err());
        assert!(IpNetwork::parse("proxy.local").is_err());
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let trusted = [IpNetwork::parse("127.0.0.1").unwrap()];
        assert_eq!(resolve(ip("127.0.0.1"), Some("192.0.2.7"), &trusted), ip("192.0.2.7"));
        assert_eq!(resolve(ip("198.51.100.1"), Some("192.0.2.7"), &trusted), ip("198.51.100.1"), "an untrusted peer set the address");
        assert_eq!(resolve(ip("127.0.0.1"), Some("6.6.6.6, 192.0.2.7"), &trusted), ip("192.0.2.7"), "a client-written entry won");
        assert_eq!(resolve(ip("127.0.0.1"), Some("garbage"), &trusted), ip("127.0.0.1"));
        assert_eq!(resolve(ip("127.0.0.1"), None, &trusted), ip("127.0.0.1"));
    }

    #[test]
    fn ipv6_clients_are_keyed_by_network() {
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa::1")), client_key(ip("2001:db8:1:2:bbbb::2")));
        assert_ne!(client_key(ip("2001:db8:1:2::1")), client_key(ip("2001:db8:1:3::1")));
        assert_eq!(client_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }
}
