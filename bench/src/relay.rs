//! A minimal WebSocket relay, the benchmark's ceiling: it forwards text
//! frames between the two sockets of a pair and does nothing else. A host
//! connects to `/{pair}/host` and stays; a guest connects to `/{pair}/guest`
//! and gets the text `paired` once the relay forwards its messages. No
//! authentication, validation, rate limits or logging.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Frames queued for one socket before the relay drops further ones.
const QUEUE_CAPACITY: usize = 64;

#[derive(Default)]
struct Pair {
    host: Option<mpsc::Sender<Message>>,
    guest: Option<mpsc::Sender<Message>>,
}

type Pairs = Arc<Mutex<HashMap<String, Pair>>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Host,
    Guest,
}

/// Serves the relay on `listen` until the process ends.
pub async fn serve(listen: SocketAddr) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    eprintln!("relay listening on {}", listener.local_addr()?);
    let pairs = Pairs::default();
    loop {
        let (stream, _) = listener.accept().await?;
        let pairs = pairs.clone();
        tokio::spawn(async move {
            if let Err(error) = relay_socket(stream, pairs).await {
                eprintln!("relay socket failed: {error}");
            }
        });
    }
}

async fn relay_socket(stream: TcpStream, pairs: Pairs) -> anyhow::Result<()> {
    stream.set_nodelay(true)?;
    let mut path = String::new();
    let copy_path = |request: &Request, response: Response| {
        path = request.uri().path().to_owned();
        Ok(response)
    };
    // The same read buffer as visite's sockets, so both start equal.
    let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
    let mut socket = tokio_tungstenite::accept_hdr_async_with_config(stream, copy_path, Some(config)).await?;

    let (key, side) = match path.trim_start_matches('/').split_once('/') {
        Some((key, "host")) => (key.to_owned(), Side::Host),
        Some((key, "guest")) => (key.to_owned(), Side::Guest),
        _ => return Ok(()),
    };
    let (sender, mut queue) = mpsc::channel(QUEUE_CAPACITY);
    {
        let mut pairs = pairs.lock().unwrap();
        let pair = pairs.entry(key.clone()).or_default();
        match side {
            Side::Host => pair.host = Some(sender.clone()),
            Side::Guest => pair.guest = Some(sender.clone()),
        }
    }
    if side == Side::Guest {
        socket.send(Message::text("paired")).await?;
    }

    loop {
        tokio::select! {
            frame = socket.next() => {
                let Some(Ok(frame)) = frame else { break };
                if !frame.is_text() {
                    continue;
                }
                let peer = {
                    let pairs = pairs.lock().unwrap();
                    pairs.get(&key).and_then(|pair| match side {
                        Side::Host => pair.guest.clone(),
                        Side::Guest => pair.host.clone(),
                    })
                };
                if let Some(peer) = peer {
                    let _ = peer.try_send(frame);
                }
            }
            outgoing = queue.recv() => {
                let Some(outgoing) = outgoing else { break };
                socket.send(outgoing).await?;
            }
        }
    }

    let mut pairs = pairs.lock().unwrap();
    if let Some(pair) = pairs.get_mut(&key) {
        // A newer socket may have taken this side already: leave it in place.
        let slot = match side {
            Side::Host => &mut pair.host,
            Side::Guest => &mut pair.guest,
        };
        if slot.as_ref().is_some_and(|current| current.same_channel(&sender)) {
            *slot = None;
        }
        if pair.host.is_none() && pair.guest.is_none() {
            pairs.remove(&key);
        }
    }
    Ok(())
}
