//! WebSocket endpoints: `/r/{slug}/ws` for patients, `/r/{slug}/host` for the
//! room's provider. Each connection runs a reader loop that decodes messages
//! and hands them to the hub, and a writer task that drains its outbox.

use std::net::IpAddr;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tracing::Instrument;
use tokio::time::Instant;

use super::{App, ClientIp};
use super::error::AppError;
use super::security::origin_allowed;
use super::session::CurrentProvider;
use crate::core::protocol::{self, ClientMessage, ErrorCode};
use crate::core::validate::Slug;
use crate::hub::{Connection, MAX_STRIKES, Outbound, Role, close_code};
use crate::metrics::CloseReason;
use crate::store::{Provider, ProviderId};

/// Largest message the protocol accepts. A browser's offer is about 5.4 KB.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Largest message the WebSocket layer reads at all. A larger one closes the
/// connection with code 1009 instead of getting an error message.
const MAX_FRAME_BYTES: usize = 2 * MAX_MESSAGE_BYTES;
const PING_INTERVAL: Duration = Duration::from_secs(20);
/// A connection that sends nothing, not even a pong, for this long is dropped.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

pub async fn patient_socket(
    State(app): State<App>,
    Path(slug): Path<String>,
    client: ClientIp,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, AppError> {
    if !origin_allowed(&app, &headers) {
        tracing::warn!("patient socket rejected: origin not allowed");
        return Err(AppError::CrossOrigin);
    }
    let now = std::time::Instant::now();
    let room = match app.open_rooms.get(&slug, now) {
        Some(room) => room,
        None => {
            let room = room_provider(&app, &slug).await?.id;
            app.open_rooms.insert(&slug, room, now);
            room
        }
    };
    Ok(upgrade_socket(app, upgrade, room, Role::Patient, client.key()))
}

pub async fn provider_socket(
    State(app): State<App>,
    Path(slug): Path<String>,
    client: ClientIp,
    headers: HeaderMap,
    signed_in: Result<CurrentProvider, AppError>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, AppError> {
    if !origin_allowed(&app, &headers) {
        tracing::warn!("provider socket rejected: origin not allowed");
        return Err(AppError::CrossOrigin);
    }
    let CurrentProvider(provider) = signed_in?;
    let room = room_provider(&app, &slug).await?;
    if room.id != provider.id {
        tracing::warn!(provider = provider.id.0, room = room.id.0, "provider socket rejected: not the room's provider");
        return Err(AppError::Forbidden);
    }
    Ok(upgrade_socket(app, upgrade, provider.id, Role::Provider, client.key()))
}

async fn room_provider(app: &App, slug: &str) -> Result<Provider, AppError> {
    let slug = Slug::parse(slug).map_err(|_| AppError::NotFound)?;
    let provider = app.store.provider_by_slug(slug.as_str()).await?.ok_or(AppError::NotFound)?;
    if !super::pages::room_is_open(app, &provider).await? {
        return Err(AppError::NotFound);
    }
    Ok(provider)
}

fn upgrade_socket(app: App, upgrade: WebSocketUpgrade, room: ProviderId, role: Role, ip: IpAddr) -> Response {
    // axum runs the socket in a task of its own, where no span is current:
    // take the request's span along, so the connection's lines carry its id.
    let span = tracing::Span::current();
    upgrade
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| run(app, socket, room, role, ip).instrument(span))
}

/// Rule violations after which the server closes the connection (a frame
/// over the message rate counts as one) are [`MAX_STRIKES`].
async fn run(app: App, mut socket: WebSocket, room: ProviderId, role: Role, ip: IpAddr) {
    let Ok((connection, outbox)) = app.hub.connect(room, role, client_key(ip)).await else {
        // The bus cannot tell where the room lives: ask the browser to reconnect.
        let frame = CloseFrame { code: close_code::SERVICE_RESTART, reason: Default::default() };
        let _ = socket.send(Message::Close(Some(frame))).await;
        return;
    };
    let (sink, mut stream) = socket.split();
    let mut writer = tokio::spawn(write_loop(sink, outbox).in_current_span());
    let mut writer_done = false;
    let mut rate = MessageRate::new(app.settings.ws_messages_per_second, app.settings.ws_message_burst, Instant::now());

    let reason = loop {
        let frame = tokio::select! {
            frame = tokio::time::timeout(IDLE_TIMEOUT, stream.next()) => frame,
            _ = &mut writer => {
                writer_done = true;
                break CloseReason::Server;
            }
            () = connection.killed() => break CloseReason::TooSlow,
        };
        let message = match frame {
            Err(_) => {
                tracing::info!(conn = connection.id().0, "connection idle, closing it");
                break CloseReason::Idle;
            }
            Ok(None) => break CloseReason::Client,
            Ok(Some(Err(error))) => {
                tracing::info!(conn = connection.id().0, %error, "connection failed");
                connection.close(close_code_for(&error));
                break CloseReason::Error;
            }
            Ok(Some(Ok(message))) => message,
        };
        if matches!(message, Message::Close(_)) {
            break CloseReason::Client;
        }
        if !rate.allow(Instant::now()) {
            tracing::warn!(conn = connection.id().0, "message rate limit reached, frame dropped");
            connection.reply_error(ErrorCode::RateLimited);
            let strikes = connection.add_strikes(1);
            if strikes >= MAX_STRIKES {
                tracing::warn!(conn = connection.id().0, strikes, "message rate stays over the limit, closing connection");
                connection.close(close_code::POLICY_VIOLATION);
                break CloseReason::RateLimited;
            }
            continue;
        }

        let earned = match message {
            Message::Text(text) => receive(&app, &connection, text.as_str(), role, ip).await,
            Message::Binary(_) => {
                connection.reply_error(ErrorCode::InvalidMessage);
                1
            }
            Message::Close(_) => break CloseReason::Client,
            Message::Ping(_) | Message::Pong(_) => 0,
        };
        // The total includes the strikes that the home server of a room on
        // another server reported, which then also closes the connection.
        let strikes = connection.add_strikes(earned);
        if strikes >= MAX_STRIKES {
            tracing::warn!(conn = connection.id().0, strikes, "too many invalid messages, closing connection");
            connection.close(close_code::POLICY_VIOLATION);
            break CloseReason::Invalid;
        }
    };
    crate::metrics::count_websocket_closed(reason);

    // Leave the room before the writer finishes, so the peer learns of it at once.
    drop(connection);
    // A peer that stopped reading would block the writer for ever: give it
    // a few seconds to flush, then end it, which closes the socket.
    if !writer_done && tokio::time::timeout(Duration::from_secs(5), &mut writer).await.is_err() {
        writer.abort();
    }
}

/// A token bucket over the frames of one connection: it holds up to `burst`
/// tokens, refills `per_second` tokens a second, and each frame takes one.
#[derive(Debug)]
struct MessageRate {
    per_second: f64,
    burst: f64,
    tokens: f64,
    updated: Instant,
}

impl MessageRate {
    fn new(per_second: u32, burst: u32, now: Instant) -> Self {
        let burst = f64::from(burst);
        Self { per_second: f64::from(per_second), burst, tokens: burst, updated: now }
    }

    /// Takes a token for one frame; returns false when none is left.
    fn allow(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.updated = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

/// A key for the client's network that the room can compare, derived from
/// the address in memory only.
fn client_key(ip: IpAddr) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    ip.hash(&mut hasher);
    hasher.finish()
}

/// The close code for a broken frame. axum wraps tungstenite's error, so the
/// kind is read from its message (tungstenite 0.28 wording).
fn close_code_for(error: &axum::Error) -> u16 {
    let text = error.to_string();
    if text.contains("Space limit exceeded") || text.contains("too long") || text.contains("too big") {
        close_code::MESSAGE_TOO_BIG
    } else if text.contains("UTF-8") || text.contains("utf-8") {
        close_code::INVALID_DATA
    } else {
        close_code::PROTOCOL_ERROR
    }
}

/// Decode and hand over one text message; returns the strikes it earned.
async fn receive(app: &App, connection: &Connection, text: &str, role: Role, ip: IpAddr) -> u32 {
    if text.len() > MAX_MESSAGE_BYTES {
        tracing::warn!(conn = connection.id().0, bytes = text.len(), "message too large");
        connection.reply_error(ErrorCode::MessageTooLarge);
        return 1;
    }
    let message = match protocol::decode(text) {
        Ok(message) => message,
        Err(error) => {
            // The serde error names the problem (line, column, field) but not the values.
            tracing::warn!(conn = connection.id().0, error = %error_category(&error), "invalid message");
            connection.reply_error(ErrorCode::InvalidMessage);
            return 1;
        }
    };
    if role == Role::Patient && matches!(message, ClientMessage::CheckIn { .. }) && app.check_ins.check_key(&ip).is_err() {
        tracing::warn!(conn = connection.id().0, "check-in rate limit reached");
        connection.reply_error(ErrorCode::RateLimited);
        return 0;
    }
    match message {
        ClientMessage::Resume { .. } | ClientMessage::ResumeCall { .. } => connection.resume(message).await,
        message => connection.handle(message),
    }
}

/// Describe a decoding error without quoting the input.
fn error_category(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let category = match error.classify() {
        Category::Io => "io",
        Category::Syntax => "syntax",
        Category::Data => "data",
        Category::Eof => "eof",
    };
    format!("{category} error at line {} column {}", error.line(), error.column())
}

async fn write_loop(mut sink: futures_util::stream::SplitSink<WebSocket, Message>, mut outbox: mpsc::Receiver<Outbound>) {
    let mut ping = tokio::time::interval(PING_INTERVAL);
    ping.tick().await;
    loop {
        let outbound = tokio::select! {
            outbound = outbox.recv() => outbound,
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
                continue;
            }
        };
        match outbound {
            Some(Outbound::Text(text)) => {
                // The hub often queues several messages at once, such as a ticket
                // and call_started: write them all, then flush once, so they
                // leave in one TCP send instead of one each.
                if sink.feed(Message::Text(text.into())).await.is_err() {
                    return;
                }
                let mut close_code = None;
                while let Ok(next) = outbox.try_recv() {
                    match next {
                        Outbound::Text(text) => {
                            if sink.feed(Message::Text(text.into())).await.is_err() {
                                return;
                            }
                        }
                        Outbound::Close(code) => {
                            close_code = Some(code);
                            break;
                        }
                    }
                }
                if sink.flush().await.is_err() {
                    return;
                }
                if let Some(code) = close_code {
                    send_close(&mut sink, code).await;
                    return;
                }
            }
            Some(Outbound::Close(code)) => {
                send_close(&mut sink, code).await;
                return;
            }
            None => {
                let _ = sink.close().await;
                return;
            }
        }
    }
}

async fn send_close(sink: &mut futures_util::stream::SplitSink<WebSocket, Message>, code: u16) {
    let frame = CloseFrame { code, reason: Default::default() };
    let _ = sink.send(Message::Close(Some(frame))).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_rate_allows_a_burst_then_the_sustained_rate() {
        let start = Instant::now();
        let mut rate = MessageRate::new(10, 40, start);

        let burst = (0..100).filter(|_| rate.allow(start)).count();
        assert_eq!(burst, 40, "a full bucket lets exactly the burst through");

        let later = start + Duration::from_millis(500);
        let refilled = (0..100).filter(|_| rate.allow(later)).count();
        assert_eq!(refilled, 5, "half a second at 10 per second refills 5 tokens");
    }

    #[test]
    fn message_rate_refills_only_up_to_the_burst() {
        let start = Instant::now();
        let mut rate = MessageRate::new(10, 40, start);
        assert!(rate.allow(start));

        let much_later = start + Duration::from_secs(3_600);
        let allowed = (0..100).filter(|_| rate.allow(much_later)).count();
        assert_eq!(allowed, 40, "an idle hour refilled more than the burst");
    }
}
