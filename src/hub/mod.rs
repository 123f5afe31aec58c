//! The live rooms of this server process: the I/O shell around [`core::room`].
//!
//! Each connection gets a bounded outbox that its WebSocket task drains. The
//! hub feeds events into a room's state machine under that room's lock and
//! carries out the effects: queueing messages, closing connections, logging
//! refusals and recording finished calls.
//!
//! With a message bus (several servers), a room lives on one home server.
//! A connection that arrives elsewhere is a proxy whose traffic crosses the
//! bus (see `remote`). Without one, every room is at home here.

mod records;
mod remote;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::RngCore;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc};

use crate::bus::{Bus, Envelope, ServerId};
use crate::core::protocol::{ClientMessage, EndReason, ErrorCode, IceServer, ServerMessage};
use crate::core::room::{ClientKey, ConnId, Effect, Limits, Millis, Room};
use crate::store::{ProviderId, Store, VisitRecord};
use crate::tickets::TicketKey;
use crate::turn::TurnSettings;

/// Messages a connection may have queued before it counts as too slow and is closed.
const OUTBOX_CAPACITY: usize = 64;
/// Rule violations after which the server closes a connection.
pub const MAX_STRIKES: u32 = 5;

/// WebSocket close codes (RFC 6455, section 7.4.1).
pub mod close_code {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const PROTOCOL_ERROR: u16 = 1002;
    pub const INVALID_DATA: u16 = 1007;
    pub const POLICY_VIOLATION: u16 = 1008;
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The server restarts: reconnect in a moment.
    pub const SERVICE_RESTART: u16 = 1012;
}

/// What a WebSocket task writes to its socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outbound {
    Text(String),
    Close(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Provider,
    Patient,
}

impl Role {
    fn index(self) -> usize {
        match self {
            Self::Provider => 0,
            Self::Patient => 1,
        }
    }
}

/// The sending side of one connection in a room: its queue here, or the
/// server where its socket is.
enum Outbox {
    /// `kill` ends the connection at once when the queue cannot take more.
    Local { sender: mpsc::Sender<Outbound>, kill: Arc<Notify> },
    Remote { origin: ServerId, bus: Arc<Bus> },
}

impl Outbox {
    /// Queues `outbound`; false when the connection cannot take it.
    fn push(&self, conn: ConnId, outbound: Outbound) -> bool {
        match self {
            Self::Local { sender, .. } => sender.try_send(outbound).is_ok(),
            Self::Remote { origin, bus } => bus.publish(*origin, &Envelope::Deliver { conn: conn.0, outbound }),
        }
    }

    /// Ends a connection that fell behind.
    fn kill(&self) {
        if let Self::Local { kill, .. } = self {
            kill.notify_one();
        }
    }
}

struct RoomShell {
    room: Room,
    outboxes: HashMap<ConnId, Outbox>,
}

impl RoomShell {
    fn new(limits: Limits) -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self { room: Room::with_id_key(limits, key), outboxes: HashMap::new() }
    }
}

/// A connection here to a room whose home is another server.
struct Proxy {
    room: ProviderId,
    home: ServerId,
    sender: mpsc::Sender<Outbound>,
    kill: Arc<Notify>,
    /// The connection's strikes, shared with its [`Connection`].
    strikes: Arc<AtomicU32>,
}

impl Proxy {
    /// Asks the socket to close with `code` after what is queued, or ends it
    /// at once when its queue is full.
    fn close(&self, code: u16) {
        if self.sender.try_send(Outbound::Close(code)).is_err() {
            self.kill.notify_one();
        }
    }
}

/// The server that runs a connection's room: this one, or another.
enum Place {
    Home(Arc<Mutex<RoomShell>>),
    Away(ServerId),
}

/// Error for a configured message bus that does not respond, so the
/// connection cannot learn where its room lives.
#[derive(Debug)]
pub struct BusUnavailable;

pub struct Hub {
    /// Rooms whose home is this server.
    rooms: Mutex<HashMap<ProviderId, Arc<Mutex<RoomShell>>>>,
    /// Connections here to rooms on other servers.
    proxies: Mutex<HashMap<ConnId, Proxy>>,
    bus: Option<Arc<Bus>>,
    /// Set by a shutdown: rooms from other servers are no longer taken in.
    stopping: std::sync::atomic::AtomicBool,
    /// Open sockets at this server, provider's and patients', wherever their rooms live.
    sockets: [AtomicUsize; 2],
    next_conn: AtomicU64,
    limits: Limits,
    /// Static STUN servers; `validate` keeps TURN servers out of this list.
    ice_servers: Vec<IceServer>,
    turn: TurnSettings,
    store: Store,
    tickets: TicketKey,
    /// Writes call records and ended visits in the background.
    records: records::Recorder,
}

/// One open connection in one room. Dropping it counts as a disconnect.
pub struct Connection {
    hub: Arc<Hub>,
    place: Place,
    provider: ProviderId,
    conn: ConnId,
    role: Role,
    outbox: mpsc::Sender<Outbound>,
    kill: Arc<Notify>,
    /// Rule violations so far, counted here and, for a room on another
    /// server, also there.
    strikes: Arc<AtomicU32>,
}

impl Hub {
    /// Creates the hub of one server, or of one of several when `bus`
    /// connects them. [`Hub::listen`] then starts reading the bus. It starts
    /// the task that writes call records, so it must run inside a tokio runtime.
    pub fn new(
        limits: Limits,
        ice_servers: Vec<IceServer>,
        turn: TurnSettings,
        store: Store,
        tickets: TicketKey,
        bus: Option<Arc<Bus>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            rooms: Mutex::new(HashMap::new()),
            proxies: Mutex::new(HashMap::new()),
            bus,
            stopping: std::sync::atomic::AtomicBool::new(false),
            sockets: [AtomicUsize::new(0), AtomicUsize::new(0)],
            // Connection numbers start at random below 2^52, so that two servers
            // sharing a room give the same number only by a rare chance.
            next_conn: AtomicU64::new(rand::rng().next_u64() >> 12 | 1),
            limits,
            ice_servers,
            turn,
            tickets,
            records: records::Recorder::spawn(store.clone()),
            store,
        })
    }

    /// Returns the static STUN servers plus a TURN server entry with freshly
    /// minted credentials, for one participant of a call or the signed-in provider's
    /// device check. Without a `[turn]` secret there is no TURN entry.
    pub fn ice_servers_for_call(&self) -> Vec<IceServer> {
        let mut servers = self.ice_servers.clone();
        if let (true, Some(secret)) = (self.turn.is_enabled(), &self.turn.secret) {
            servers.push(crate::turn::ice_server(&self.turn, secret, now_millis() / 1000));
        }
        servers
    }

    /// Open a connection to a provider's room, as that provider or as a patient.
    /// `client` identifies the patient's network for the per-network cap.
    pub async fn connect(
        self: &Arc<Self>,
        provider: ProviderId,
        role: Role,
        client: ClientKey,
    ) -> Result<(Connection, mpsc::Receiver<Outbound>), BusUnavailable> {
        let conn = ConnId(self.next_conn.fetch_add(1, Ordering::Relaxed));
        let (outbox, inbox) = mpsc::channel(OUTBOX_CAPACITY);
        let kill = Arc::new(Notify::new());
        let strikes = Arc::new(AtomicU32::new(0));
        let place = match self.home_of(provider).await? {
            None => {
                let local = Outbox::Local { sender: outbox.clone(), kill: kill.clone() };
                Place::Home(self.enter(provider, conn, local, role, client))
            }
            Some(home) => {
                let proxy = Proxy { room: provider, home, sender: outbox.clone(), kill: kill.clone(), strikes: strikes.clone() };
                lock(&self.proxies).insert(conn, proxy);
                self.to_home(home, &Envelope::Open { room: provider.0, conn: conn.0, origin: self.me(), role, client });
                Place::Away(home)
            }
        };
        tracing::info!(room = provider.0, conn = conn.0, ?role, away = matches!(place, Place::Away(_)), "connection opened");
        self.sockets[role.index()].fetch_add(1, Ordering::Relaxed);
        Ok((Connection { hub: self.clone(), place, provider, conn, role, outbox, kill, strikes }, inbox))
    }

    /// Put a connection into a room at home here, creating the room if needed.
    fn enter(&self, provider: ProviderId, conn: ConnId, outbox: Outbox, role: Role, client: ClientKey) -> Arc<Mutex<RoomShell>> {
        // The registry stays locked until the connection is in the room, so the
        // ticker cannot drop the room as idle in between.
        let mut rooms = lock(&self.rooms);
        let room = rooms.entry(provider).or_insert_with(|| Arc::new(Mutex::new(RoomShell::new(self.limits)))).clone();
        {
            let mut shell = lock(&room);
            shell.outboxes.insert(conn, outbox);
            let effects = match role {
                Role::Provider => shell.room.provider_connected(conn),
                Role::Patient => shell.room.patient_connected(conn, client),
            };
            self.apply(provider, &mut shell, effects);
        }
        drop(rooms);
        room
    }

    /// Expire waiting patients who did not come back, and forget idle rooms.
    pub fn tick(&self) {
        let now = now_millis();
        let rooms: Vec<_> = lock(&self.rooms).iter().map(|(id, room)| (*id, room.clone())).collect();
        for (provider, room) in rooms {
            let mut shell = lock(&room);
            let effects = shell.room.tick(now);
            self.apply(provider, &mut shell, effects);
        }
        lock(&self.rooms).retain(|_, room| !lock(room).room.is_idle());
    }

    /// Returns the providers whose rooms this server holds.
    pub fn room_ids(&self) -> Vec<ProviderId> {
        lock(&self.rooms).keys().copied().collect()
    }

    /// Closes a room whose provider may no longer receive anyone: every
    /// connection, the provider's and the patients', gets `call_ended` with
    /// reason `room_closed` and is then closed with code 1000. The connections
    /// leave the room as their sockets end, and a running call is recorded
    /// when the room ends it. Returns how many connections were closed.
    pub fn close_room(&self, provider: ProviderId) -> usize {
        let Some(room) = lock(&self.rooms).get(&provider).cloned() else {
            return 0;
        };
        let mut shell = lock(&room);
        let conns: Vec<ConnId> = shell.outboxes.keys().copied().collect();
        let message = ServerMessage::CallEnded { reason: EndReason::RoomClosed };
        for conn in &conns {
            // A connection too slow to take the message is ended at once by `send`.
            if send(&mut shell, *conn, &message) {
                close(&mut shell, *conn, close_code::NORMAL);
            }
        }
        conns.len()
    }

    /// Records how long running calls have lasted, for a shutdown, and closes
    /// every connection with code 1012, the signal for browsers to reconnect.
    /// The calls go on between the browsers, which resume them on the next server.
    pub fn shut_down(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        for proxy in lock(&self.proxies).values() {
            proxy.close(close_code::SERVICE_RESTART);
        }
        let now = now_millis();
        let rooms: Vec<_> = lock(&self.rooms).iter().map(|(id, room)| (*id, room.clone())).collect();
        for (provider, room) in rooms {
            let mut shell = lock(&room);
            for effect in shell.room.shut_down(now) {
                match effect {
                    Effect::Close { conn } => close(&mut shell, conn, close_code::SERVICE_RESTART),
                    other => {
                        self.apply(provider, &mut shell, vec![other]);
                    }
                }
            }
        }
    }

    /// Returns the number of refusals that count as abuse by their sender.
    /// A connection that falls too far behind is ended at once and leaves the
    /// room, so the others see it go instead of talking to a silent peer.
    /// The strikes of connections on other servers go back to their server,
    /// which adds them to the strikes it counted itself.
    fn apply(&self, provider: ProviderId, shell: &mut RoomShell, effects: Vec<Effect>) -> HashMap<ConnId, u32> {
        let mut strikes = HashMap::new();
        let mut pending = effects;
        while !pending.is_empty() {
            let mut dropped = Vec::new();
            self.apply_once(provider, shell, std::mem::take(&mut pending), &mut strikes, &mut dropped);
            for conn in dropped {
                pending.extend(shell.room.disconnected(conn, now_millis()));
            }
        }
        for (conn, count) in &strikes {
            if let Some(Outbox::Remote { origin, bus }) = shell.outboxes.get(conn) {
                bus.publish(*origin, &Envelope::Strikes { conn: conn.0, count: *count });
            }
        }
        strikes
    }

    fn apply_once(
        &self,
        provider: ProviderId,
        shell: &mut RoomShell,
        effects: Vec<Effect>,
        strikes: &mut HashMap<ConnId, u32>,
        dropped: &mut Vec<ConnId>,
    ) {
        for effect in effects {
            match effect {
                Effect::Send { to, mut message } => {
                    // Only admitted participants receive call_started, so a waiting
                    // patient never gets TURN credentials. The patient is the polite side.
                    if let ServerMessage::CallStarted { ice_servers, relay_only, polite, .. } = &mut message {
                        *ice_servers = self.ice_servers_for_call();
                        *relay_only = self.turn.relay_only(*polite);
                    }
                    if !send(shell, to, &message) {
                        dropped.push(to);
                    }
                }
                Effect::Ticket { to, ticket } => {
                    let message = ServerMessage::Ticket { token: self.tickets.sign(provider, ticket) };
                    if !send(shell, to, &message) {
                        dropped.push(to);
                    }
                }
                Effect::Close { conn } => close(shell, conn, close_code::NORMAL),
                Effect::Refused { conn, refusal } => {
                    tracing::warn!(room = provider.0, conn = conn.0, ?refusal, "message refused");
                    crate::metrics::count_rejected(refusal);
                    if refusal.is_abuse() {
                        *strikes.entry(conn).or_default() += 1;
                    }
                }
                Effect::CallStarted { call, .. } => {
                    tracing::info!(room = provider.0, call = call.0, "call started");
                    crate::metrics::count_call_setup();
                }
                Effect::CallResumed { call } => {
                    tracing::info!(room = provider.0, call = call.0, "call side resumed");
                    crate::metrics::count_call_resumption();
                }
                Effect::CallRecord { call, started_at, until, ended } => {
                    self.record_call(provider, call.0, started_at, until, ended);
                }
                Effect::VisitEnded { patient, call, until } => {
                    let (patient, call) = (patient.0 as i64, call.map(|call| call.0 as i64));
                    self.records.write(VisitRecord::Ended { provider, patient, call, expires_at: until as i64 });
                }
            }
        }
    }

    fn record_call(&self, provider: ProviderId, call: u64, started_at: Millis, until: Millis, ended: Option<EndReason>) {
        let started = (started_at / 1000) as i64;
        let duration = (until.saturating_sub(started_at) / 1000) as i64;
        match ended {
            Some(reason) => tracing::info!(room = provider.0, call, duration_seconds = duration, ?reason, "call ended"),
            None => tracing::info!(room = provider.0, call, duration_seconds = duration, "call continues without this server"),
        }
        self.records.write(VisitRecord::Call { provider, started_at: started, duration_seconds: duration });
    }

    /// Waits until the call records and ended visits so far are written.
    pub async fn writes_finished(&self) {
        self.records.finished().await;
    }

    /// Counts the rooms, connections, waiting patients and calls of this
    /// server at this moment, for the metrics endpoint.
    pub fn stats(&self) -> HubStats {
        let rooms: Vec<_> = lock(&self.rooms).values().cloned().collect();
        let mut stats = HubStats {
            rooms: rooms.len(),
            provider_connections: self.sockets[0].load(Ordering::Relaxed),
            patient_connections: self.sockets[1].load(Ordering::Relaxed),
            ..HubStats::default()
        };
        for room in rooms {
            let shell = lock(&room);
            stats.waiting_patients += shell.room.waiting_count();
            stats.active_calls += usize::from(shell.room.has_call());
        }
        stats
    }

    /// True once a shutdown began.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

/// Counts taken at one moment: the sockets open at this server, and the
/// waiting patients and calls of the rooms whose home is this server, so
/// that sums over several servers count each room once.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HubStats {
    pub rooms: usize,
    pub provider_connections: usize,
    pub patient_connections: usize,
    pub waiting_patients: usize,
    pub active_calls: usize,
}

impl Connection {
    pub fn id(&self) -> ConnId {
        self.conn
    }

    /// Feed a decoded message into the room. Returns how many abuse strikes
    /// the message earned its sender; the home server counts them for a
    /// connection whose room is elsewhere.
    pub fn handle(&self, message: ClientMessage) -> u32 {
        match &self.place {
            Place::Home(room) => {
                let mut shell = lock(room);
                let effects = shell.room.handle(self.conn, message, now_millis());
                let strikes = self.hub.apply(self.provider, &mut shell, effects);
                strikes.get(&self.conn).copied().unwrap_or(0)
            }
            Place::Away(home) => {
                let envelope = Envelope::Message { room: self.provider.0, conn: self.conn.0, origin: self.hub.me(), message };
                self.hub.to_home(*home, &envelope);
                0
            }
        }
    }

    /// Take back a queue place or a call side with a ticket from a `resume`
    /// or `resume_call` message; see [`Hub::resume`].
    pub async fn resume(&self, message: ClientMessage) -> u32 {
        match &self.place {
            Place::Home(room) => self.hub.resume(self.provider, room, self.conn, message).await,
            Place::Away(_) => self.handle(message),
        }
    }

    /// Adds rule violations and returns the total so far, which includes those
    /// the home server of the room reported.
    pub fn add_strikes(&self, count: u32) -> u32 {
        self.strikes.fetch_add(count, Ordering::SeqCst) + count
    }

    /// Send a message straight to this connection, bypassing the room.
    pub fn reply_error(&self, code: ErrorCode) {
        let text = serde_json::to_string(&ServerMessage::Error { code }).unwrap_or_default();
        let _ = self.outbox.try_send(Outbound::Text(text));
    }

    pub fn close(&self, code: u16) {
        if self.outbox.try_send(Outbound::Close(code)).is_err() {
            self.kill.notify_one();
        }
    }

    /// Resolves when the hub ends this connection because it fell behind.
    pub async fn killed(&self) {
        self.kill.notified().await;
    }
}

impl Hub {
    /// Take back a queue place or a call side for `conn` with a ticket from a
    /// `resume` or `resume_call` message. The ticket must carry the servers'
    /// signature for this room, be unexpired, and name no visit that ended,
    /// which the database remembers across restarts and servers. Returns the
    /// abuse strikes the message earned.
    async fn resume(&self, provider: ProviderId, room: &Mutex<RoomShell>, conn: ConnId, message: ClientMessage) -> u32 {
        let now = now_millis();
        let (ClientMessage::Resume { token, .. } | ClientMessage::ResumeCall { token }) = &message else {
            let mut shell = lock(room);
            let effects = shell.room.handle(conn, message, now);
            return self.apply(provider, &mut shell, effects).get(&conn).copied().unwrap_or(0);
        };
        let mut ticket = self.tickets.verify(provider, token, now);
        if let Some(claims) = ticket {
            let call = claims.call.map(|claim| claim.id.0 as i64);
            match self.store.visit_ended(provider, claims.patient.0 as i64, call, now as i64).await {
                Ok(false) => {}
                Ok(true) => ticket = None,
                Err(error) => {
                    tracing::error!(room = provider.0, conn = conn.0, %error, "cannot check a ticket");
                    ticket = None;
                }
            }
        }

        let mut shell = lock(room);
        // A ticket that fails a check gets the same reply as any resumption the room cannot honour.
        let effects = match (message, ticket) {
            (ClientMessage::Resume { name, .. }, Some(ticket)) => shell.room.resume(conn, ticket, &name, now),
            (ClientMessage::ResumeCall { .. }, Some(ticket)) => shell.room.resume_call(conn, ticket, now),
            (message, _) => shell.room.handle(conn, message, now),
        };
        let strikes = self.apply(provider, &mut shell, effects);
        strikes.get(&conn).copied().unwrap_or(0)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        match &self.place {
            Place::Home(room) => {
                let mut shell = lock(room);
                shell.outboxes.remove(&self.conn);
                let effects = shell.room.disconnected(self.conn, now_millis());
                self.hub.apply(self.provider, &mut shell, effects);
            }
            Place::Away(home) => {
                lock(&self.hub.proxies).remove(&self.conn);
                self.hub.to_home(*home, &Envelope::Gone { room: self.provider.0, conn: self.conn.0 });
            }
        }
        self.hub.sockets[self.role.index()].fetch_sub(1, Ordering::Relaxed);
        tracing::info!(room = self.provider.0, conn = self.conn.0, "connection closed");
    }
}

/// Queue a message. Returns false when the connection's queue was full: the
/// connection is then too slow, is signalled to close, and must leave the room.
fn send(shell: &mut RoomShell, to: ConnId, message: &ServerMessage) -> bool {
    let Some(outbox) = shell.outboxes.get(&to) else {
        return true;
    };
    let text = match serde_json::to_string(message) {
        Ok(text) => text,
        Err(error) => {
            tracing::error!(conn = to.0, %error, "cannot encode message");
            return true;
        }
    };
    if outbox.push(to, Outbound::Text(text)) {
        return true;
    }
    tracing::warn!(conn = to.0, "connection too slow, closing it");
    crate::metrics::count_slow_connection_dropped();
    if let Some(outbox) = shell.outboxes.remove(&to) {
        outbox.kill();
    }
    false
}

/// Ask a connection to close with `code` after what is queued for it, or end
/// it at once when its queue is full.
fn close(shell: &mut RoomShell, conn: ConnId, code: u16) {
    if let Some(outbox) = shell.outboxes.remove(&conn)
        && !outbox.push(conn, Outbound::Close(code))
    {
        outbox.kill();
    }
}

pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as Millis)
        .unwrap_or(0)
}

/// Lock a mutex, recovering the data if a panicking thread poisoned it: room
/// state stays consistent because every mutation finishes before effects run.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Run [`Hub::tick`] every `period` until the process ends.
pub fn spawn_ticker(hub: Arc<Hub>, period: Duration) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            hub.tick();
        }
    });
}
