//! WebSocket client connections of the load generator and the message
//! dialect of each server under test.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::setup::SESSION_COOKIE;
use crate::workload;

pub type Ws = WebSocketStream<TcpStream>;

/// Loopback source addresses the generator spreads its connections over
/// (127.0.0.2 and up), so closed connections in TIME_WAIT never exhaust the
/// ephemeral ports of one address.
const SOURCE_ADDRESSES: usize = 200;

/// The server under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// visite: whole visits with check-in, admit and hang-up.
    Visite,
    /// Two visite servers that share PostgreSQL and Redis: the same visits,
    /// providers on one server and patients on the other.
    #[value(name = "visite-bus")]
    #[serde(rename = "visite-bus")]
    VisiteBus,
    /// The PeerJS server (npm `peer`): signaling only.
    Peerjs,
    /// The minimal relay of this crate: signaling only.
    Relay,
}

impl Target {
    /// Returns whether this target runs whole visits, as visite does.
    pub fn is_visite(self) -> bool {
        matches!(self, Self::Visite | Self::VisiteBus)
    }
}

/// A server address as `http://HOST:PORT`, with the `Origin` header to send.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub address: SocketAddr,
    pub origin: String,
}

impl Endpoint {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let authority = url
            .strip_prefix("http://")
            .with_context(|| format!("server URL {url:?} must start with http://"))?
            .trim_end_matches('/');
        let address: SocketAddr = authority
            .parse()
            .with_context(|| format!("server URL {url:?} must name an IP address and port, such as http://127.0.0.1:8080"))?;
        Ok(Self { address, origin: format!("http://{authority}") })
    }
}

/// Opens a WebSocket to `path` on `endpoint`, with the provider's session
/// cookie when `session` is given.
pub async fn connect(endpoint: &Endpoint, path: &str, session: Option<&str>) -> anyhow::Result<Ws> {
    static NEXT_SOURCE: AtomicUsize = AtomicUsize::new(0);
    let socket = TcpSocket::new_v4()?;
    if endpoint.address.ip().is_loopback() && endpoint.address.is_ipv4() {
        let index = NEXT_SOURCE.fetch_add(1, Ordering::Relaxed) % SOURCE_ADDRESSES;
        let source = Ipv4Addr::new(127, 0, 0, 2 + index as u8);
        socket.bind(SocketAddr::new(IpAddr::V4(source), 0))?;
    }
    let stream = socket
        .connect(endpoint.address)
        .await
        .with_context(|| format!("cannot connect to {}", endpoint.address))?;
    stream.set_nodelay(true)?;

    let mut request = format!("ws://{}{path}", endpoint.address).into_client_request()?;
    request.headers_mut().insert("origin", endpoint.origin.parse()?);
    if let Some(token) = session {
        request.headers_mut().insert("cookie", format!("{SESSION_COOKIE}={token}").parse()?);
    }
    let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
    let (socket, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(config))
        .await
        .with_context(|| format!("WebSocket handshake on {path} failed"))?;
    Ok(socket)
}

/// Returns whether `text` is a JSON object whose `type` field, written
/// first, is `kind`. visite and PeerJS both write `type` first.
pub fn has_type(text: &str, kind: &str) -> bool {
    text.strip_prefix("{\"type\":\"")
        .and_then(|rest| rest.strip_prefix(kind))
        .is_some_and(|rest| rest.starts_with('"'))
}

/// Reads text frames until one has type `kind` and returns it. Offers,
/// answers and candidates that pass by add their relay latency to `latencies`.
pub async fn receive(socket: &mut Ws, kind: &str, latencies: &mut Vec<u64>) -> anyhow::Result<String> {
    loop {
        let text = match socket.next().await {
            Some(Ok(Message::Text(text))) => text.to_string(),
            Some(Ok(Message::Close(frame))) => bail!("socket closed while waiting for {kind}: {frame:?}"),
            Some(Ok(_)) => continue,
            Some(Err(error)) => bail!("socket failed while waiting for {kind}: {error}"),
            None => bail!("socket ended while waiting for {kind}"),
        };
        if let Some(sent) = workload::sent_micros(&text) {
            latencies.push(workload::now_micros().saturating_sub(sent));
        }
        if has_type(&text, kind) {
            return Ok(text);
        }
        if has_type(&text, "error") || has_type(&text, "ERROR") {
            bail!("server error while waiting for {kind}: {text}");
        }
    }
}

/// Waits until the server ends the socket, answering its close frame.
pub async fn await_close(socket: &mut Ws) {
    while let Some(Ok(_)) = socket.next().await {}
}

pub async fn send(socket: &mut Ws, text: String) -> anyhow::Result<()> {
    socket.send(Message::text(text)).await.context("cannot send")
}

/// How one target names and wraps the signaling messages.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub target: Target,
}

impl Dialect {
    pub fn offer(self, destination: &str) -> String {
        self.wrap("OFFER", destination, workload::description_json("offer", workload::OFFER_BYTES))
    }

    pub fn answer(self, destination: &str) -> String {
        self.wrap("ANSWER", destination, workload::description_json("answer", workload::ANSWER_BYTES))
    }

    pub fn candidate(self, destination: &str, index: usize) -> String {
        self.wrap("CANDIDATE", destination, workload::candidate_json(index))
    }

    /// The `type` of a received offer or answer.
    pub fn description_type(self, answer: bool) -> &'static str {
        match (self.target, answer) {
            (Target::Peerjs, false) => "OFFER",
            (Target::Peerjs, true) => "ANSWER",
            _ => "description",
        }
    }

    pub fn candidate_type(self) -> &'static str {
        if self.target == Target::Peerjs { "CANDIDATE" } else { "candidate" }
    }

    /// PeerJS carries the same visite message as the payload of its own
    /// envelope; visite and the relay get it as it is.
    fn wrap(self, kind: &str, destination: &str, message: String) -> String {
        match self.target {
            Target::Peerjs => format!(r#"{{"type":"{kind}","dst":"{destination}","payload":{message}}}"#),
            Target::Visite | Target::VisiteBus | Target::Relay => message,
        }
    }
}

/// Microseconds from `start` to `end`.
pub fn micros_between(start: Instant, end: Instant) -> u64 {
    end.saturating_duration_since(start).as_micros() as u64
}
