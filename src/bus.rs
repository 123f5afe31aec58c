//! The message bus between visite servers: Redis pub/sub plus a few
//! short-lived keys, for running several identical servers.
//!
//! Each live room has one home server, which runs its state machine. A
//! connection that arrives at another server stays there as a proxy: its
//! messages travel to the home server, and what the room sends back travels
//! to the proxy's server, each on that server's own channel. Redis holds
//! only which server is home to which room and which servers are alive,
//! both with an expiry. Names and signaling pass through pub/sub and are
//! never stored.
//!
//! Keys and channels carry the installation's namespace, a random name kept
//! in the shared database, so that two installations, or two test runs, can
//! share one Redis without meeting.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::StreamExt;
use redis::aio::{ConnectionManager, PubSubStream};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use crate::core::protocol::ClientMessage;
use crate::hub::{Outbound, Role};

/// How long a room stays with its home server without renewal.
pub const HOME_LEASE: Duration = Duration::from_secs(60);
/// How long a server counts as alive after its last heartbeat. Another
/// server takes over the rooms of a server that stopped beating this long.
pub const ALIVE_FOR: Duration = Duration::from_secs(10);
/// How often a server renews its heartbeat and checks its peers.
pub const HEARTBEAT: Duration = Duration::from_secs(2);
/// How long a stopping server waits for its last messages to reach Redis.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(5);
/// Messages waiting to be published before new ones are refused.
const QUEUE_CAPACITY: usize = 65_536;
/// Messages sent to Redis in one round trip at most.
const BATCH: usize = 256;


/// Makes this server the home of a room unless a live server already is.
/// Returns the home server. KEYS[1]: the room's home key; ARGV: this
/// server, the lease in milliseconds, the prefix of the alive keys.
const CLAIM: &str = r"
local home = redis.call('GET', KEYS[1])
if home and home ~= ARGV[1] and redis.call('EXISTS', ARGV[3] .. home) == 1 then
  return home
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
";

/// Extends the lease when this server still has it, or takes it again
/// when the key is gone, as after a restart of a Redis without persistence.
/// Returns 0 when another server has the room.
const RENEW: &str = r"
local home = redis.call('GET', KEYS[1])
if home == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if not home then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
";

/// Returns 1 when ARGV[1] is still the room's home and still alive.
const STILL_HOME: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('EXISTS', ARGV[2] .. ARGV[1]) == 1 then
  return 1
end
return 0
";

/// One visite server process, random per start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServerId(pub u64);

impl std::fmt::Display for ServerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl ServerId {
    fn parse(text: &str) -> Option<Self> {
        u64::from_str_radix(text, 16).ok().map(Self)
    }
}

/// A message between servers. Rooms and connections appear as numbers, and
/// the only personal data is inside `message` and `outbound`, in memory only.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Envelope {
    /// To the home server: a connection opened at `origin`.
    Open { room: i64, conn: u64, origin: ServerId, role: Role, client: u64 },
    /// To the home server: a decoded message from that connection.
    Message { room: i64, conn: u64, origin: ServerId, message: ClientMessage },
    /// To the home server: that connection closed.
    Gone { room: i64, conn: u64 },
    /// To the origin server: write this to the connection.
    Deliver { conn: u64, outbound: Outbound },
    /// To the origin server: the connection's messages broke the room's rules this often.
    Strikes { conn: u64, count: u32 },
}

enum Outgoing {
    Publish { channel: String, payload: String },
    Flush(oneshot::Sender<()>),
}

/// The connection of this server to Redis.
pub struct Bus {
    me: ServerId,
    /// False from a broken subscription until a new one is established.
    subscribed: std::sync::atomic::AtomicBool,
    /// `visite:<namespace>:`, the start of every key and channel.
    prefix: String,
    client: redis::Client,
    commands: ConnectionManager,
    queue: mpsc::Sender<Outgoing>,
    claim: redis::Script,
    renew: redis::Script,
    still_home: redis::Script,
}

impl Bus {
    /// Connects to the Redis at `url`, subscribes to this server's channel
    /// and announces the server as alive. Returns the stream of messages
    /// for this server. A `rediss://` URL connects with TLS and checks the
    /// server's certificate against `ca` (PEM), or without it against the
    /// system's trusted authorities.
    pub async fn connect(url: &str, ca: Option<&[u8]>, namespace: &str) -> anyhow::Result<(Arc<Self>, PubSubStream)> {
        check_url(url)?;
        let client = match ca {
            Some(pem) => {
                let roots = redis::TlsCertificates { client_tls: None, root_cert: Some(pem.to_vec()) };
                redis::Client::build_with_tls(url, roots)
            }
            None => redis::Client::open(url),
        };
        let client = client.with_context(|| format!("the bus URL {} is not valid", redact_url(url)))?;

        let commands = ConnectionManager::new(client.clone())
            .await
            .with_context(|| format!("cannot connect to the message bus at {}", redact_url(url)))?;
        let me = ServerId(rand::random::<u64>());
        let (queue, outgoing) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(publish_loop(commands.clone(), outgoing));

        let bus = Arc::new(Self {
            me,
            subscribed: std::sync::atomic::AtomicBool::new(false),
            prefix: format!("visite:{namespace}:"),
            client,
            commands,
            queue,
            claim: redis::Script::new(CLAIM),
            renew: redis::Script::new(RENEW),
            still_home: redis::Script::new(STILL_HOME),
        });

        let stream = bus.subscribe().await.with_context(|| format!("cannot subscribe on the message bus at {}", redact_url(url)))?;
        bus.heartbeat().await.context("cannot announce this server on the message bus")?;
        bus.warn_about_persistence().await;
        tracing::info!(server = %me, "connected to the message bus");
        Ok((bus, stream))
    }

    pub fn me(&self) -> ServerId {
        self.me
    }

    fn channel(&self, server: ServerId) -> String {
        format!("{}server:{server}", self.prefix)
    }

    fn home_key(&self, room: i64) -> String {
        format!("{}home:{room}", self.prefix)
    }

    /// Returns the alive key of `server`, or with an empty name the prefix of all of them.
    fn alive_key(&self, server: &str) -> String {
        format!("{}alive:{server}", self.prefix)
    }

    /// Opens a new subscription to this server's channel, for the start and
    /// after the previous one broke.
    pub async fn subscribe(&self) -> redis::RedisResult<PubSubStream> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(self.channel(self.me)).await?;
        self.subscribed.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(pubsub.into_on_message())
    }

    /// Records that the subscription broke, so that the server is not ready
    /// until [`Bus::subscribe`] succeeds again.
    pub fn lost_subscription(&self) {
        self.subscribed.store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Queues `envelope` for server `to`. Messages to one server arrive in
    /// the order they were queued. Returns false when the queue is full.
    pub fn publish(&self, to: ServerId, envelope: &Envelope) -> bool {
        let payload = match serde_json::to_string(envelope) {
            Ok(payload) => payload,
            Err(error) => {
                tracing::error!(%error, "cannot encode a bus message");
                return false;
            }
        };
        let sent = self.queue.try_send(Outgoing::Publish { channel: self.channel(to), payload });
        if sent.is_err() {
            tracing::warn!(to = %to, "bus queue full, message dropped");
        }
        sent.is_ok()
    }

    /// Waits until every message queued so far went to Redis.
    pub async fn flush(&self) {
        let (done, flushed) = oneshot::channel();
        if self.queue.send(Outgoing::Flush(done)).await.is_ok() {
            let _ = flushed.await;
        }
    }

    /// Makes this server the room's home unless a live server is; returns the home.
    pub async fn claim(&self, room: i64) -> redis::RedisResult<ServerId> {
        let home: String = self
            .claim
            .key(self.home_key(room))
            .arg(self.me.to_string())
            .arg(HOME_LEASE.as_millis() as u64)
            .arg(self.alive_key(""))
            .invoke_async(&mut self.commands.clone())
            .await?;
        ServerId::parse(&home).ok_or_else(|| redis::RedisError::from((redis::ErrorKind::UnexpectedReturnType, "home server id is not hex")))
    }

    /// Extends this server's lease on a room; false when another server took it.
    pub async fn renew(&self, room: i64) -> redis::RedisResult<bool> {
        let renewed: i64 = self
            .renew
            .key(self.home_key(room))
            .arg(self.me.to_string())
            .arg(HOME_LEASE.as_millis() as u64)
            .invoke_async(&mut self.commands.clone())
            .await?;
        Ok(renewed == 1)
    }

    /// Returns whether `home` is still the live home of the room.
    pub async fn still_home(&self, room: i64, home: ServerId) -> redis::RedisResult<bool> {
        let still: i64 = self
            .still_home
            .key(self.home_key(room))
            .arg(home.to_string())
            .arg(self.alive_key(""))
            .invoke_async(&mut self.commands.clone())
            .await?;
        Ok(still == 1)
    }

    /// Returns whether a server sent its heartbeat within [`ALIVE_FOR`].
    pub async fn alive(&self, server: ServerId) -> redis::RedisResult<bool> {
        redis::cmd("EXISTS").arg(self.alive_key(&server.to_string())).query_async(&mut self.commands.clone()).await
    }

    /// Marks this server alive for [`ALIVE_FOR`].
    pub async fn heartbeat(&self) -> redis::RedisResult<()> {
        redis::cmd("SET")
            .arg(self.alive_key(&self.me.to_string()))
            .arg(1)
            .arg("PX")
            .arg(ALIVE_FOR.as_millis() as u64)
            .query_async(&mut self.commands.clone())
            .await
    }

    /// Logs a warning when Redis writes its data to disk. visite keeps only
    /// room and server numbers in keys, and messages in pub/sub are never
    /// written, but the documented setup keeps Redis in memory only. Managed
    /// Redis services often reject `CONFIG`, and then nothing is logged.
    async fn warn_about_persistence(&self) {
        let mut commands = self.commands.clone();
        let save: redis::RedisResult<Vec<String>> = redis::cmd("CONFIG").arg("GET").arg("save").query_async(&mut commands).await;
        let append: redis::RedisResult<Vec<String>> = redis::cmd("CONFIG").arg("GET").arg("appendonly").query_async(&mut commands).await;
        let snapshots = save.ok().and_then(|pair| pair.get(1).cloned()).is_some_and(|rules| !rules.is_empty());
        let append_only = append.ok().and_then(|pair| pair.get(1).cloned()).is_some_and(|value| value == "yes");
        if snapshots || append_only {
            tracing::warn!(snapshots, append_only, "the Redis of the message bus writes to disk: run it with save \"\" and appendonly no");
        }
    }

    /// Returns whether this server is subscribed and Redis responds to PING,
    /// for the readiness check.
    pub async fn ping(&self) -> bool {
        if !self.subscribed.load(std::sync::atomic::Ordering::SeqCst) {
            return false;
        }
        let pong: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut self.commands.clone()).await;
        pong.is_ok()
    }

    /// Sends what is queued and marks this server as gone, so other servers
    /// take over its rooms at once instead of after [`ALIVE_FOR`].
    pub async fn leave(&self) {
        if tokio::time::timeout(LEAVE_TIMEOUT, self.flush()).await.is_err() {
            tracing::warn!("the message bus did not take the last messages in time");
        }
        let removed: redis::RedisResult<i64> =
            redis::cmd("DEL").arg(self.alive_key(&self.me.to_string())).query_async(&mut self.commands.clone()).await;
        if let Err(error) = removed {
            tracing::warn!(%error, "cannot sign off from the message bus");
        }
    }
}

/// Sends queued messages in order, many per round trip.
async fn publish_loop(mut commands: ConnectionManager, mut outgoing: mpsc::Receiver<Outgoing>) {
    let mut batch = Vec::with_capacity(BATCH);
    while outgoing.recv_many(&mut batch, BATCH).await > 0 {
        let mut pipe = redis::pipe();
        let mut published = 0usize;
        let mut flushed = Vec::new();
        for item in batch.drain(..) {
            match item {
                Outgoing::Publish { channel, payload } => {
                    pipe.cmd("PUBLISH").arg(channel).arg(payload).ignore();
                    published += 1;
                }
                Outgoing::Flush(done) => flushed.push(done),
            }
        }
        // A batch of only flushes has nothing to publish, and Redis rejects an empty pipeline.
        if published > 0 {
            let sent: redis::RedisResult<()> = pipe.query_async(&mut commands).await;
            if let Err(error) = sent {
                tracing::error!(%error, messages = published, "cannot publish on the message bus");
            }
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
}

/// Reads the next envelope from a subscription; `None` when the
/// subscription ended. Undecodable messages are logged and skipped.
pub async fn next_envelope(stream: &mut PubSubStream) -> Option<Envelope> {
    loop {
        let message = stream.next().await?;
        match serde_json::from_slice(message.get_payload_bytes()) {
            Ok(envelope) => return Some(envelope),
            Err(error) => tracing::warn!(%error, "undecodable bus message skipped"),
        }
    }
}

/// Accepts only `redis://` URLs, so that a typo stops the start instead of
/// silently running as separate servers.
pub fn check_url(url: &str) -> anyhow::Result<()> {
    if !url.starts_with("redis://") && !url.starts_with("rediss://") {
        bail!(
            "the bus URL {} is not supported: leave it empty for one server, or give redis://[:password@]host[:port][/db], \
             or rediss:// for TLS",
            redact_url(url)
        );
    }
    if url.contains('#') {
        // The redis crate reads `#insecure` as "skip certificate checks".
        bail!("the bus URL {} has a fragment (#...), which visite does not accept", redact_url(url));
    }
    Ok(())
}

/// Returns the URL with its password masked, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(unparsable URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_redis_urls_are_accepted() {
        assert!(check_url("redis://127.0.0.1:6379").is_ok());
        assert!(check_url("redis://:secret@127.0.0.1:6379/2").is_ok());
        assert!(check_url("rediss://:secret@redis.internal:6380").is_ok());
        let error = check_url("rediss://redis.internal:6380/#insecure").unwrap_err().to_string();
        assert!(error.contains("fragment"), "{error}");
        for wrong in ["", "redi://127.0.0.1", "postgres://localhost/visite", "127.0.0.1:6379", "nats://127.0.0.1:4222"] {
            let error = check_url(wrong).unwrap_err().to_string();
            assert!(error.contains("redis://"), "{wrong:?}: {error}");
        }
    }

    #[test]
    fn passwords_never_reach_messages() {
        for wrong in ["nats://visite:hunter2hunter2@cache.example", "rediss://:hunter2hunter2@cache.example/#insecure"] {
            let error = check_url(wrong).unwrap_err().to_string();
            assert!(!error.contains("hunter2"), "{error}");
        }
        assert_eq!(redact_url("redis://:hunter2@127.0.0.1/"), "redis://:***@127.0.0.1/");
    }

    #[test]
    fn server_ids_round_trip_through_their_key_form() {
        let id = ServerId(0x00ab_cdef_0123_4567);
        assert_eq!(ServerId::parse(&id.to_string()), Some(id));
        assert_eq!(id.to_string().len(), 16);
    }
}
