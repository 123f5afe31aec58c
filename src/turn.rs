//! TURN relay support: short-lived credentials for coturn's shared-secret
//! scheme (`use-auth-secret`, also called the TURN REST API) and the coturn
//! configuration that matches visite's settings.
//!
//! In that scheme the username is `<unix expiry>:<random id>` and the password
//! is base64(HMAC-SHA1(secret, username)). coturn recomputes the password from
//! the username and rejects the request once the expiry has passed, so visite
//! and coturn share only the secret and no list of users.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use serde::Deserialize;
use sha1::Sha1;

use crate::core::protocol::IceServer;

/// Default lifetime of minted credentials: 4 hours. coturn 4.6.1 checks the
/// expiry whenever a browser allocates a relay, at the call's start and again
/// at every ICE restart, so the credentials must outlast the longest call.
/// A double therapy session of 100 minutes fits with a wide margin, while a
/// leaked credential stops working the same day.
pub const DEFAULT_CREDENTIAL_TTL_SECONDS: u64 = 4 * 60 * 60;

/// Port of `turn:` URLs without one, as RFC 7065 defines it.
const DEFAULT_TURN_PORT: u16 = 3478;
/// Port of the generated TLS listener when no `turns:` URL names one. Port 443
/// passes firewalls that allow only HTTPS.
const DEFAULT_TURNS_PORT: u16 = 443;

/// The shared secret of coturn's `static-auth-secret`. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub struct Secret(String);

impl Secret {
    pub fn new(text: &str) -> Self {
        Self(text.trim().to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Generates a random secret of 32 bytes, URL-safe base64 encoded so that
    /// it needs no quoting in coturn's configuration file.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self::new(&text)
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(text))
    }
}

/// Participants whose browsers must send all media through the TURN server.
/// A relayed browser offers the other side only the relay's address, so the
/// other side never learns its IP address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForceRelay {
    /// Browsers connect directly where they can.
    #[default]
    Off,
    /// Patients' browsers use only the relay, so the provider's browser never receives a patient's address.
    Patients,
    /// Both browsers use only the relay.
    Everyone,
}

/// The `[turn]` settings. With no `urls`, visite hands out no TURN server.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnSettings {
    /// `turn:` and `turns:` URLs handed to browsers.
    pub urls: Vec<String>,
    /// `None` when no secret is configured. The server then does not start
    /// unless `urls` is empty.
    pub secret: Option<Secret>,
    pub credential_ttl_seconds: u64,
    /// coturn's realm. Unset means the host of the first URL.
    pub realm: Option<String>,
    pub force_relay: ForceRelay,
}

impl Default for TurnSettings {
    fn default() -> Self {
        Self {
            urls: Vec::new(),
            secret: None,
            credential_ttl_seconds: DEFAULT_CREDENTIAL_TTL_SECONDS,
            realm: None,
            force_relay: ForceRelay::Off,
        }
    }
}

impl TurnSettings {
    /// Fails when browsers would get TURN URLs but visite has no secret to
    /// mint their credentials.
    pub fn require_secret(&self) -> anyhow::Result<()> {
        if self.is_enabled() && self.secret.is_none() {
            anyhow::bail!(
                "[turn] urls are set, but no secret: set [turn] secret_file (or VISITE_TURN_SECRET) to coturn's \
                 static-auth-secret; `visite turn-config` generates one"
            );
        }
        Ok(())
    }

    pub fn is_enabled(&self) -> bool {
        !self.urls.is_empty()
    }

    /// Returns the realm for coturn: the configured one, else the host of the
    /// first URL, else "visite".
    pub fn realm(&self) -> String {
        if let Some(realm) = &self.realm {
            return realm.clone();
        }
        self.urls
            .first()
            .and_then(|url| parse_url(url).ok())
            .map(|url| url.host)
            .unwrap_or_else(|| "visite".to_owned())
    }

    /// Whether a participant's browser must use only the relay.
    pub fn relay_only(&self, patient: bool) -> bool {
        match self.force_relay {
            ForceRelay::Off => false,
            ForceRelay::Patients => patient,
            ForceRelay::Everyone => true,
        }
    }
}

/// The parts of a `turn:` or `turns:` URL (RFC 7065) that the coturn
/// configuration needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnUrl {
    pub secure: bool,
    pub host: String,
    pub port: u16,
}

/// Parses `turn:host[:port][?transport=udp|tcp]` or the same with `turns:`.
pub fn parse_url(url: &str) -> Result<TurnUrl, String> {
    let (secure, rest) = if let Some(rest) = url.strip_prefix("turns:") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("turn:") {
        (false, rest)
    } else {
        return Err(format!("{url:?} is not a turn: or turns: URL"));
    };
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !matches!(query, "" | "transport=udp" | "transport=tcp") {
        return Err(format!("{url:?} has an unknown query; only ?transport=udp or ?transport=tcp is allowed"));
    }
    let (host, port) = split_host_port(authority).ok_or_else(|| format!("{url:?} has no valid host and port"))?;
    let port = match port {
        Some(port) => port,
        None if secure => 5349,
        None => DEFAULT_TURN_PORT,
    };
    Ok(TurnUrl { secure, host, port })
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (host, port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() || host.contains(['/', '@', ' ']) {
        return None;
    }
    let port = match port {
        Some(text) => Some(text.parse::<u16>().ok().filter(|port| *port != 0)?),
        None => None,
    };
    Some((host.to_owned(), port))
}

/// A username and password for coturn's shared-secret scheme.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

/// Computes the credentials that coturn accepts until `expires_at` (Unix
/// seconds) for `id`.
pub fn credentials(secret: &Secret, expires_at: u64, id: &str) -> Credentials {
    let username = format!("{expires_at}:{id}");
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes keys of any length");
    mac.update(username.as_bytes());
    let password = STANDARD.encode(mac.finalize().into_bytes());
    Credentials { username, password }
}

/// Mints fresh credentials with a random id, valid `ttl_seconds` from `now` (Unix seconds).
/// The id carries no patient data: coturn logs usernames.
pub fn mint(secret: &Secret, now: u64, ttl_seconds: u64) -> Credentials {
    let mut bytes = [0u8; 9];
    rand::rng().fill_bytes(&mut bytes);
    credentials(secret, now.saturating_add(ttl_seconds), &URL_SAFE_NO_PAD.encode(bytes))
}

/// Returns the ICE server entry with fresh credentials for one participant.
pub fn ice_server(turn: &TurnSettings, secret: &Secret, now: u64) -> IceServer {
    let credentials = mint(secret, now, turn.credential_ttl_seconds);
    IceServer { urls: turn.urls.clone(), username: Some(credentials.username), credential: Some(credentials.password) }
}

/// Peer addresses that the relay must never reach, in coturn's `ip-ip` range
/// syntax. Without these, anybody holding credentials could use the relay to
/// reach the TURN server's own host, its local network or a cloud metadata
/// service. The list follows the IANA special-purpose registries (RFC 6890
/// and its updates).
///
/// The unspecified address `::` is missing on purpose: coturn 4.6.1 matches
/// the single-address entry `denied-peer-ip=::` against every IPv4 peer, so it
/// would deny all peers. coturn refuses the unspecified addresses by itself.
pub const DENIED_PEER_RANGES: &[(&str, &str)] = &[
    ("0.0.0.0-0.255.255.255", "\"this\" network, including 0.0.0.0"),
    ("10.0.0.0-10.255.255.255", "private network (RFC 1918)"),
    ("100.64.0.0-100.127.255.255", "carrier-grade NAT (RFC 6598)"),
    ("127.0.0.0-127.255.255.255", "loopback"),
    ("169.254.0.0-169.254.255.255", "link-local, including the metadata service 169.254.169.254"),
    ("172.16.0.0-172.31.255.255", "private network (RFC 1918)"),
    ("192.0.0.0-192.0.0.255", "IETF protocol assignments"),
    ("192.0.2.0-192.0.2.255", "documentation (TEST-NET-1)"),
    ("192.88.99.0-192.88.99.255", "6to4 relay anycast"),
    ("192.168.0.0-192.168.255.255", "private network (RFC 1918)"),
    ("198.18.0.0-198.19.255.255", "benchmarking"),
    ("198.51.100.0-198.51.100.255", "documentation (TEST-NET-2)"),
    ("203.0.113.0-203.0.113.255", "documentation (TEST-NET-3)"),
    ("224.0.0.0-239.255.255.255", "multicast"),
    ("240.0.0.0-255.255.255.255", "reserved, including the broadcast address 255.255.255.255"),
    ("::1", "IPv6 loopback"),
    ("::ffff:0.0.0.0-::ffff:255.255.255.255", "IPv4-mapped IPv6, which would reach every IPv4 range above"),
    ("64:ff9b::-64:ff9b::ffff:ffff", "NAT64, which also maps IPv4 addresses"),
    ("64:ff9b:1::-64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "local-use NAT64"),
    ("100::-100::ffff:ffff:ffff:ffff", "discard-only"),
    ("2001::-2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "IETF protocol assignments, including Teredo"),
    ("2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation"),
    ("2002::-2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "6to4, which embeds IPv4 addresses"),
    ("fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique local addresses"),
    ("fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local"),
    ("fec0::-feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "site-local (deprecated)"),
    ("ff00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast"),
];

/// Writes a coturn configuration that accepts the credentials visite mints.
pub fn coturn_config(turn: &TurnSettings, secret: &Secret) -> String {
    let urls: Vec<TurnUrl> = turn.urls.iter().filter_map(|url| parse_url(url).ok()).collect();
    let plain_port = urls.iter().find(|url| !url.secure).map_or(DEFAULT_TURN_PORT, |url| url.port);
    let tls_port = urls.iter().find(|url| url.secure).map_or(DEFAULT_TURNS_PORT, |url| url.port);
    let host = urls.first().map_or_else(|| "turn.praxis.example".to_owned(), |url| url.host.clone());
    let realm = turn.realm();
    let secret = secret.expose();

    let mut out = format!(
        "\
# coturn configuration for visite, written by `visite turn-config`.
# Install it as /etc/turnserver.conf (readable by coturn only: it contains the
# secret) and restart coturn. Written for coturn 4.6; run a current upstream
# release, because older ones have known security flaws.

# Listeners: UDP and TCP on {plain_port}, TLS on {tls_port}.
listening-port={plain_port}
tls-listening-port={tls_port}
# Behind NAT, name the public address (and the private one after a slash):
# external-ip=203.0.113.10/10.0.0.10
# Relayed media use UDP ports from this range; open it in the firewall.
min-port=49152
max-port=65535

# Credentials: visite mints them from this secret (use-auth-secret). Keep the
# same secret in visite's [turn] secret_file.
use-auth-secret
static-auth-secret={secret}
realm={realm}
fingerprint

# TLS for turns: URLs. Replace these placeholder paths with a certificate for
# {host}, for example from Let's Encrypt; coturn must be able to read both files.
cert=/etc/letsencrypt/live/{host}/fullchain.pem
pkey=/etc/letsencrypt/live/{host}/privkey.pem
no-tlsv1
no-tlsv1_1
# Browsers do not use DTLS or TCP relaying for WebRTC.
no-dtls
no-tcp-relay

# Hardening: no telnet admin interface, no version in responses, no NAT
# discovery or old STUN. Nonces expire after 10 minutes.
no-cli
no-software-attribute
no-rfc5780
no-stun-backward-compatibility
response-origin-only-with-rfc5780
stale-nonce=600

# Quotas: concurrent allocations per username (visite mints one username per
# participant and call; a browser allocates one relay per URL and ICE restart),
# in total, and bytes per second per allocation (about 8 Mbit/s).
user-quota=12
total-quota=1200
max-bps=1000000

# Log to standard output, which systemd's journal collects. coturn logs client
# IP addresses; keep the journal's retention short.
log-file=stdout
simple-log

# Peers the relay must never reach. coturn refuses loopback peers unless
# allow-loopback-peers is set; never set it in production. Also deny your own
# server's public address and any network only the server can reach.
no-multicast-peers
"
    );
    for (range, reason) in DENIED_PEER_RANGES {
        out.push_str(&format!("# {reason}\ndenied-peer-ip={range}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_match_known_vector() {
        // Computed independently:
        // printf '%s' '1767225600:visite-test' | openssl dgst -sha1 -hmac 'north-wind-7' -binary | base64
        let credentials = credentials(&Secret::new("north-wind-7"), 1_767_225_600, "visite-test");
        assert_eq!(credentials.username, "1767225600:visite-test");
        assert_eq!(credentials.password, "y4MnZ/Kuo2wYTZ4z7GS1fiZg9ng=");
    }

    #[test]
    fn mint_uses_expiry_and_fresh_ids() {
        let secret = Secret::new("north-wind-7");
        let first = mint(&secret, 1_000, 600);
        let second = mint(&secret, 1_000, 600);
        assert!(first.username.starts_with("1600:"), "{}", first.username);
        assert_ne!(first.username, second.username);
        let id = first.username.split_once(':').unwrap().1;
        assert_eq!(first, credentials(&secret, 1_600, id));
    }

    #[test]
    fn secret_and_password_stay_out_of_debug() {
        let secret = Secret::new("north-wind-7");
        let credentials = credentials(&secret, 1, "x");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert!(!format!("{credentials:?}").contains(&credentials.password));
    }

    #[test]
    fn parse_url_reads_host_and_port() {
        let plain = parse_url("turn:turn.praxis.example:3478?transport=udp").unwrap();
        assert_eq!(plain, TurnUrl { secure: false, host: "turn.praxis.example".into(), port: 3478 });
        let tls = parse_url("turns:turn.praxis.example:443?transport=tcp").unwrap();
        assert_eq!(tls, TurnUrl { secure: true, host: "turn.praxis.example".into(), port: 443 });
        assert_eq!(parse_url("turn:[::1]:5000").unwrap().host, "::1");
        assert_eq!(parse_url("turn:relay.example").unwrap().port, 3478);
    }

    #[test]
    fn parse_url_rejects_malformed() {
        for bad in ["stun:x.example", "turn:", "turn:x.example:0", "turn:x.example:port",
            "turn:x.example?transport=sctp", "turn:user@x.example", "turn:[::1"] {
            assert!(parse_url(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn relay_only_follows_force_relay() {
        let mut turn = TurnSettings::default();
        assert!(!turn.relay_only(true));
        turn.force_relay = ForceRelay::Patients;
        assert!(turn.relay_only(true));
        assert!(!turn.relay_only(false));
        turn.force_relay = ForceRelay::Everyone;
        assert!(turn.relay_only(false));
    }

    #[test]
    fn coturn_config_matches_settings() {
        let turn = TurnSettings {
            urls: vec!["turn:turn.praxis.example:3479?transport=udp".into(), "turns:turn.praxis.example:443?transport=tcp".into()],
            ..TurnSettings::default()
        };
        let config = coturn_config(&turn, &Secret::new("north-wind-7"));
        let lines: Vec<&str> = config.lines().collect();
        for expected in ["listening-port=3479", "tls-listening-port=443", "use-auth-secret",
            "static-auth-secret=north-wind-7", "realm=turn.praxis.example", "no-cli", "no-multicast-peers",
            "denied-peer-ip=127.0.0.0-127.255.255.255", "denied-peer-ip=::ffff:0.0.0.0-::ffff:255.255.255.255",
            "denied-peer-ip=169.254.0.0-169.254.255.255", "denied-peer-ip=::1"] {
            assert!(lines.contains(&expected), "missing {expected:?} in\n{config}");
        }
        assert!(!lines.contains(&"allow-loopback-peers"), "{config}");
    }
}
