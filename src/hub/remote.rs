//! The hub's side of the message bus: finding a room's home server,
//! serving connections from other servers in rooms at home here, and
//! noticing servers that stopped.
//!
//! Failures end in a close with code 1012, the signal for browsers to
//! reconnect and resume with their tickets. The room's state is then rebuilt
//! from those tickets wherever the room lands.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use redis::aio::PubSubStream;

use super::{BusUnavailable, Hub, MAX_STRIKES, Outbox, Outbound, Role, close, close_code, lock, now_millis};
use crate::bus::{self, Bus, Envelope, ServerId};
use crate::core::protocol::ClientMessage;
use crate::core::room::{ClientKey, ConnId};
use crate::store::ProviderId;

/// Heartbeats between lease renewals of the rooms at home here.
const RENEW_EVERY: u32 = 5;

impl Hub {
    /// This server's id on the bus; zero without a bus.
    pub(super) fn me(&self) -> ServerId {
        self.bus.as_ref().map_or(ServerId(0), |bus| bus.me())
    }

    /// Returns the room's home server, or `None` when that is this server.
    /// Claims the room when no live server has it.
    pub(super) async fn home_of(&self, provider: ProviderId) -> Result<Option<ServerId>, BusUnavailable> {
        let Some(bus) = &self.bus else {
            return Ok(None);
        };
        if lock(&self.rooms).contains_key(&provider) {
            return Ok(None);
        }
        match bus.claim(provider.0).await {
            Ok(home) if home == bus.me() => Ok(None),
            Ok(home) => Ok(Some(home)),
            Err(error) => {
                tracing::error!(room = provider.0, %error, "cannot find the room's home server");
                Err(BusUnavailable)
            }
        }
    }

    pub(super) fn to_home(&self, home: ServerId, envelope: &Envelope) {
        if let Some(bus) = &self.bus {
            bus.publish(home, envelope);
        }
    }

    /// Returns whether the bus works, for the readiness check.
    pub async fn bus_ready(&self) -> bool {
        match &self.bus {
            Some(bus) => bus.ping().await,
            None => true,
        }
    }

    /// After a shutdown closed every connection: send what is still queued
    /// and sign off, so that other servers take over the rooms at once.
    pub async fn leave_bus(&self) {
        if let Some(bus) = &self.bus {
            bus.leave().await;
        }
    }

    /// Starts reading this server's bus channel and checking its peers.
    pub fn listen(self: &Arc<Self>, stream: PubSubStream) {
        let Some(bus) = self.bus.clone() else {
            return;
        };
        tokio::spawn(receive_loop(self.clone(), bus.clone(), stream));
        tokio::spawn(watch_loop(self.clone(), bus));
    }

    async fn receive(&self, envelope: Envelope) {
        match envelope {
            Envelope::Open { room, conn, origin, role, client } => self.open_remote(ProviderId(room), ConnId(conn), origin, role, client).await,
            Envelope::Message { room, conn, origin, message } => {
                self.remote_message(ProviderId(room), ConnId(conn), origin, message).await;
            }
            Envelope::Gone { room, conn } => self.remote_gone(ProviderId(room), ConnId(conn)),
            Envelope::Deliver { conn, outbound } => self.deliver(ConnId(conn), outbound),
            Envelope::Strikes { conn, count } => self.add_remote_strikes(ConnId(conn), count),
        }
    }

    /// Adds a connection at `origin` to a room at home here. A room that went
    /// idle here is taken up again while no other live server has it, and
    /// otherwise the connection is sent to reconnect.
    async fn open_remote(&self, room: ProviderId, conn: ConnId, origin: ServerId, role: Role, client: ClientKey) {
        let Some(bus) = self.bus.clone() else {
            return;
        };
        let at_home = !self.stopping.load(Ordering::SeqCst) && matches!(self.home_of(room).await, Ok(None));
        if !at_home {
            tracing::info!(room = room.0, conn = conn.0, "connection from another server sent to reconnect: room not at home here");
            bus.publish(origin, &Envelope::Deliver { conn: conn.0, outbound: Outbound::Close(close_code::SERVICE_RESTART) });
            return;
        }
        self.enter(room, conn, Outbox::Remote { origin, bus }, role, client);
        tracing::info!(room = room.0, conn = conn.0, ?role, origin = %origin, "connection from another server opened");
    }

    async fn remote_message(&self, room: ProviderId, conn: ConnId, origin: ServerId, message: ClientMessage) {
        let Some(shell) = lock(&self.rooms).get(&room).cloned() else {
            // The room left this server, for example after a lost lease.
            if let Some(bus) = &self.bus {
                bus.publish(origin, &Envelope::Deliver { conn: conn.0, outbound: Outbound::Close(close_code::SERVICE_RESTART) });
            }
            return;
        };
        if !lock(&shell).outboxes.contains_key(&conn) {
            // Closed here already; its own server closes the socket.
            return;
        }
        match message {
            ClientMessage::Resume { .. } | ClientMessage::ResumeCall { .. } => {
                self.resume(room, &shell, conn, message).await;
            }
            message => {
                let mut shell = lock(&shell);
                let effects = shell.room.handle(conn, message, now_millis());
                self.apply(room, &mut shell, effects);
            }
        }
    }

    fn remote_gone(&self, room: ProviderId, conn: ConnId) {
        let Some(shell) = lock(&self.rooms).get(&room).cloned() else {
            return;
        };
        let mut shell = lock(&shell);
        shell.outboxes.remove(&conn);
        let effects = shell.room.disconnected(conn, now_millis());
        self.apply(room, &mut shell, effects);
    }

    /// Writes what a room on another server sent to a connection here.
    fn deliver(&self, conn: ConnId, outbound: Outbound) {
        let proxies = lock(&self.proxies);
        let Some(proxy) = proxies.get(&conn) else {
            return;
        };
        if proxy.sender.try_send(outbound).is_err() {
            tracing::warn!(conn = conn.0, "connection too slow, closing it");
            proxy.kill.notify_one();
        }
    }

    /// Adds the strikes that the room's home server counted to those of a
    /// connection here, and closes it at [`MAX_STRIKES`] in all.
    fn add_remote_strikes(&self, conn: ConnId, count: u32) {
        let proxies = lock(&self.proxies);
        let Some(proxy) = proxies.get(&conn) else {
            return;
        };
        let total = proxy.strikes.fetch_add(count, Ordering::SeqCst) + count;
        if total >= MAX_STRIKES && total - count < MAX_STRIKES {
            tracing::warn!(conn = conn.0, strikes = total, "too many invalid messages, closing connection");
            proxy.close(close_code::POLICY_VIOLATION);
        }
    }

    /// Closes every connection here whose room's home server stopped or
    /// gave the room up, so that the browsers reconnect and find its new home.
    async fn check_homes(&self, bus: &Bus) -> redis::RedisResult<()> {
        let homes: HashSet<(ProviderId, ServerId)> = lock(&self.proxies).values().map(|proxy| (proxy.room, proxy.home)).collect();
        for (room, home) in homes {
            if bus.still_home(room.0, home).await? {
                continue;
            }
            tracing::warn!(room = room.0, home = %home, "the room's home server is gone, reconnecting its connections here");
            for proxy in lock(&self.proxies).values().filter(|proxy| proxy.room == room && proxy.home == home) {
                proxy.close(close_code::SERVICE_RESTART);
            }
        }
        Ok(())
    }

    /// Treats the connections from a server that stopped as disconnected, so
    /// that their grace period starts as for a dropped socket.
    async fn check_origins(&self, bus: &Bus) -> redis::RedisResult<()> {
        let rooms: Vec<_> = lock(&self.rooms).iter().map(|(id, room)| (*id, room.clone())).collect();
        let mut origins: HashMap<ServerId, bool> = HashMap::new();
        for (_, shell) in &rooms {
            for outbox in lock(shell).outboxes.values() {
                if let Outbox::Remote { origin, .. } = outbox {
                    origins.insert(*origin, true);
                }
            }
        }
        for (origin, alive) in origins.iter_mut() {
            *alive = bus.alive(*origin).await?;
        }
        for (room, shell) in rooms {
            let mut shell = lock(&shell);
            let gone: Vec<ConnId> = shell
                .outboxes
                .iter()
                .filter_map(|(conn, outbox)| match outbox {
                    Outbox::Remote { origin, .. } if origins.get(origin) == Some(&false) => Some(*conn),
                    _ => None,
                })
                .collect();
            for conn in gone {
                tracing::warn!(room = room.0, conn = conn.0, "the connection's server is gone");
                shell.outboxes.remove(&conn);
                        let effects = shell.room.disconnected(conn, now_millis());
                self.apply(room, &mut shell, effects);
            }
        }
        Ok(())
    }

    /// Extends the leases of the rooms at home here. A room whose lease
    /// another server took, after this one missed its heartbeats, is closed
    /// here with 1012 so that its browsers move to the new home.
    async fn renew_leases(&self, bus: &Bus) -> redis::RedisResult<()> {
        let rooms: Vec<ProviderId> = lock(&self.rooms).keys().copied().collect();
        for room in rooms {
            if bus.renew(room.0).await? {
                continue;
            }
            tracing::warn!(room = room.0, "another server took over this room");
            let Some(shell) = lock(&self.rooms).remove(&room) else {
                continue;
            };
            let mut shell = lock(&shell);
            let conns: Vec<ConnId> = shell.outboxes.keys().copied().collect();
            for conn in conns {
                close(&mut shell, conn, close_code::SERVICE_RESTART);
            }
        }
        Ok(())
    }

    /// Closes every connection that crosses the bus, after messages may have
    /// been lost; the browsers reconnect and resume.
    fn reset_remote(&self) {
        for proxy in lock(&self.proxies).values() {
            proxy.close(close_code::SERVICE_RESTART);
        }
        let rooms: Vec<_> = lock(&self.rooms).iter().map(|(id, room)| (*id, room.clone())).collect();
        for (room, shell) in rooms {
            let mut shell = lock(&shell);
            let remote: Vec<ConnId> =
                shell.outboxes.iter().filter(|(_, outbox)| matches!(outbox, Outbox::Remote { .. })).map(|(conn, _)| *conn).collect();
            for conn in remote {
                shell.outboxes.remove(&conn);
                        let effects = shell.room.disconnected(conn, now_millis());
                self.apply(room, &mut shell, effects);
            }
        }
    }
}

/// Handles the messages for this server in arrival order; subscribes again
/// when the subscription breaks.
async fn receive_loop(hub: Arc<Hub>, bus: Arc<Bus>, mut stream: PubSubStream) {
    loop {
        while let Some(envelope) = bus::next_envelope(&mut stream).await {
            hub.receive(envelope).await;
        }
        tracing::error!("the message bus subscription ended; reconnecting");
        bus.lost_subscription();
        hub.reset_remote();
        let mut wait = Duration::from_millis(200);
        let mut attempts = 0u32;
        stream = loop {
            tokio::time::sleep(wait).await;
            attempts += 1;
            match bus.subscribe().await {
                Ok(stream) => break stream,
                // The first failure and then every tenth, so an outage does not flood the log.
                Err(error) if attempts % 10 == 1 => tracing::warn!(%error, attempts, "cannot subscribe on the message bus yet"),
                Err(_) => {}
            }
            wait = (wait * 2).min(Duration::from_secs(5));
        };
        tracing::info!(attempts, "subscribed on the message bus again");
        // A restarted Redis forgot which rooms live here: renew their keys before another server claims them.
        if let Err(error) = bus.heartbeat().await.and(hub.renew_leases(&bus).await) {
            tracing::warn!(%error, "cannot renew the rooms' leases after reconnecting");
        }
    }
}

async fn watch_loop(hub: Arc<Hub>, bus: Arc<Bus>) {
    let mut interval = tokio::time::interval(bus::HEARTBEAT);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut round = 0u32;
    let mut failing = false;
    loop {
        interval.tick().await;
        if hub.stopping.load(Ordering::SeqCst) {
            return;
        }
        round = round.wrapping_add(1);
        let result = async {
            bus.heartbeat().await?;
            if round % RENEW_EVERY == 0 {
                hub.renew_leases(&bus).await?;
            }
            hub.check_homes(&bus).await?;
            hub.check_origins(&bus).await
        }
        .await;
        // Only changes are logged, so an outage does not flood the log.
        match (result, failing) {
            (Err(error), false) => {
                tracing::warn!(%error, "cannot reach the message bus");
                failing = true;
            }
            (Ok(()), true) => {
                tracing::info!("the message bus is reachable again");
                failing = false;
            }
            _ => {}
        }
    }
}
