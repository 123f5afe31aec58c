//! Several hubs on the Redis of this machine, in one process: each hub is a
//! server with its own bus connection, and they share one database, as
//! servers behind a load balancer do. The two-process tests with PostgreSQL
//! are in `servers.rs`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc::Receiver;
use visite::bus::Bus;
use visite::core::protocol::{self, ClientMessage};
use visite::core::room::Limits;
use visite::hub::{Connection, Hub, Outbound, Role};
use visite::store::{NewProvider, ProviderId, Store};
use visite::tickets::TicketKey;
use visite::turn::TurnSettings;

const REDIS: &str = "redis://127.0.0.1:6379";
const WAIT: Duration = Duration::from_secs(10);

/// One installation: a database, a ticket key and a bus namespace that all
/// its servers share.
struct Installation {
    _dir: tempfile::TempDir,
    store: Store,
    namespace: String,
    key: Vec<u8>,
    room: ProviderId,
}

impl Installation {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let room = store
            .create_provider(NewProvider {
                email: "erika@praxis.example",
                name: "Dr. Erika Muster",
                practice_name: "Praxis Muster",
                slug: "praxis-muster",
                password_hash: "$argon2id$stub",
                locale: "de",
            })
            .await
            .unwrap();
        let namespace = format!("test-{:016x}", rand::random::<u64>());
        Self { _dir: dir, store, namespace, key: vec![7; 32], room }
    }

    /// Starts one more server of this installation.
    async fn server(&self) -> Arc<Hub> {
        self.server_on(REDIS).await
    }

    /// Starts one more server of this installation on the Redis at `url`.
    async fn server_on(&self, url: &str) -> Arc<Hub> {
        let (bus, subscription) = Bus::connect(url, None, &self.namespace).await.expect("the Redis on 127.0.0.1:6379 must run");
        let limits = Limits { max_waiting: 10, max_waiting_per_client: 10, rejoin_grace_ms: 120_000 };
        let hub = Hub::new(limits, Vec::new(), TurnSettings::default(), self.store.clone(), TicketKey::new(self.key.clone()), Some(bus));
        hub.listen(subscription);
        hub
    }
}

/// One browser's socket: what it sends in, and what arrives for it.
struct Socket {
    connection: Option<Connection>,
    inbox: Receiver<Outbound>,
}

impl Socket {
    async fn open(hub: &Arc<Hub>, room: ProviderId, role: Role) -> Self {
        let (connection, inbox) = hub.connect(room, role, 1).await.expect("the bus answers");
        Self { connection: Some(connection), inbox }
    }

    async fn send(&self, message: Value) {
        let message: ClientMessage = protocol::decode(&message.to_string()).unwrap();
        let connection = self.connection.as_ref().unwrap();
        match message {
            ClientMessage::Resume { .. } | ClientMessage::ResumeCall { .. } => connection.resume(message).await,
            message => connection.handle(message),
        };
    }

    /// Returns the next message, or `{"close": code}` when the server closes the socket.
    async fn next(&mut self) -> Value {
        match tokio::time::timeout(WAIT, self.inbox.recv()).await {
            Ok(Some(Outbound::Text(text))) => serde_json::from_str(&text).unwrap(),
            Ok(Some(Outbound::Close(code))) => json!({ "close": code }),
            Ok(None) => json!({ "close": "dropped" }),
            Err(_) => panic!("no message within {WAIT:?}"),
        }
    }

    /// Skips messages until one of type `kind` arrives, and returns it.
    async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let message = self.next().await;
            if message["type"] == kind {
                return message;
            }
            assert!(message.get("close").is_none(), "closed while waiting for {kind}: {message}");
        }
    }

    async fn closed_with(&mut self) -> Value {
        loop {
            let message = self.next().await;
            if let Some(code) = message.get("close") {
                return code.clone();
            }
        }
    }

    /// Hangs up the socket, as a browser that goes away does.
    fn drop_connection(&mut self) {
        self.connection.take();
    }

    /// Messages already queued, without waiting.
    fn drain(&mut self) -> Vec<Value> {
        let mut messages = Vec::new();
        while let Ok(outbound) = self.inbox.try_recv() {
            messages.push(match outbound {
                Outbound::Text(text) => serde_json::from_str(&text).unwrap(),
                Outbound::Close(code) => json!({ "close": code }),
            });
        }
        messages
    }
}

fn offer(kind: &str) -> Value {
    json!({ "type": "description", "description": { "type": kind, "sdp": format!("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns={kind}\r\n") } })
}

#[tokio::test]
async fn visit_across_two_hubs() {
    let installation = Installation::new().await;
    let a = installation.server().await;
    let b = installation.server().await;

    let mut provider = Socket::open(&a, installation.room, Role::Provider).await;
    assert_eq!(provider.next_of("queue").await["patients"], json!([]));
    let mut patient = Socket::open(&b, installation.room, Role::Patient).await;
    assert_eq!(a.room_ids(), vec![installation.room], "the first connection made its server the room's home");
    assert!(b.room_ids().is_empty(), "the other server holds only a proxy");
    patient.send(json!({ "type": "check_in", "name": "Erika Beispiel" })).await;

    let queue = provider.next_of("queue").await;
    assert_eq!(queue["patients"][0]["name"], "Erika Beispiel", "{queue}");
    assert_eq!(patient.next_of("status").await["state"], "waiting");
    let id = queue["patients"][0]["id"].clone();

    provider.send(json!({ "type": "note_patient", "patient": id, "text": "Noch fünf Minuten" })).await;
    assert_eq!(patient.next_of("status").await["note"], "Noch fünf Minuten");

    provider.send(json!({ "type": "admit", "patient": id })).await;
    assert_eq!(provider.next_of("call_started").await["polite"], false);
    assert_eq!(patient.next_of("call_started").await["polite"], true);

    patient.send(offer("offer")).await;
    assert_eq!(provider.next_of("description").await["description"]["type"], "offer");
    provider.send(offer("answer")).await;
    assert_eq!(patient.next_of("description").await["description"]["type"], "answer");
    for index in 0..10 {
        let candidate = json!({ "type": "candidate", "candidate": { "candidate": format!("candidate:{index} 1 udp 1 192.0.2.1 {} typ host", 50_000 + index), "sdpMid": "0", "sdpMLineIndex": 0 } });
        patient.send(candidate.clone()).await;
        provider.send(candidate).await;
        assert_eq!(provider.next_of("candidate").await["candidate"]["candidate"].as_str().unwrap().split(' ').next(), Some(format!("candidate:{index}").as_str()));
        assert_eq!(patient.next_of("candidate").await["candidate"]["candidate"].as_str().unwrap().split(' ').next(), Some(format!("candidate:{index}").as_str()));
    }

    provider.send(json!({ "type": "hang_up" })).await;
    assert_eq!(provider.next_of("call_ended").await["reason"], "hung_up");
    assert_eq!(patient.next_of("call_ended").await["reason"], "hung_up");

    let deadline = tokio::time::Instant::now() + WAIT;
    while installation.store.recent_calls(installation.room, 10).await.unwrap().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "the call was not recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(installation.store.recent_calls(installation.room, 10).await.unwrap().len(), 1);

    // Redis contains the room's home and the servers' heartbeats, nothing else.
    let mut redis = redis::Client::open(REDIS).unwrap().get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("visite:{}:*", installation.namespace)).query_async(&mut redis).await.unwrap();
    assert_eq!(keys.len(), 3, "{keys:?}");
    for key in keys {
        let value: String = redis::cmd("GET").arg(&key).query_async(&mut redis).await.unwrap();
        let ttl: i64 = redis::cmd("PTTL").arg(&key).query_async(&mut redis).await.unwrap();
        assert!(ttl > 0, "{key} never expires");
        assert!(!format!("{key}{value}").contains("Erika"), "{key} = {value} holds the name");
        assert!(value == "1" || value.len() == 16, "{key} = {value} holds more than a server id");
    }
}

#[tokio::test]
async fn remote_patient_sees_only_own_status() {
    let installation = Installation::new().await;
    let a = installation.server().await;
    let b = installation.server().await;

    let mut provider = Socket::open(&a, installation.room, Role::Provider).await;
    let mut first = Socket::open(&b, installation.room, Role::Patient).await;
    first.send(json!({ "type": "check_in", "name": "Erika Beispiel" })).await;
    first.next_of("status").await;
    let mut second = Socket::open(&a, installation.room, Role::Patient).await;
    second.send(json!({ "type": "check_in", "name": "Max Mustermann" })).await;
    second.next_of("status").await;

    let queue = loop {
        let queue = provider.next_of("queue").await;
        if queue["patients"].as_array().unwrap().len() == 2 {
            break queue;
        }
    };
    let max = queue["patients"].as_array().unwrap().iter().find(|entry| entry["name"] == "Max Mustermann").unwrap()["id"].clone();
    provider.send(json!({ "type": "remove", "patient": max })).await;
    assert_eq!(second.next_of("call_ended").await["reason"], "removed");
    // Give a stray message for the first patient time to cross the bus.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let seen = first.drain();
    for message in &seen {
        assert!(["ticket", "status"].contains(&message["type"].as_str().unwrap_or("")), "a waiting patient got {message}");
        assert!(!message.to_string().contains("Max"), "a waiting patient learnt of another: {message}");
    }
}

#[tokio::test]
async fn home_counts_remote_strikes() {
    let installation = Installation::new().await;
    let a = installation.server().await;
    let b = installation.server().await;

    let _provider = Socket::open(&a, installation.room, Role::Provider).await;
    let mut patient = Socket::open(&b, installation.room, Role::Patient).await;
    // A patient may not admit anyone: each try is a strike, and five end the connection.
    for _ in 0..5 {
        patient.send(json!({ "type": "admit", "patient": 1 })).await;
    }
    assert_eq!(patient.next_of("error").await["code"], "not_allowed");
    assert_eq!(patient.closed_with().await, json!(1008));
}

#[tokio::test]
async fn stopping_home_hands_room_over() {
    let installation = Installation::new().await;
    let a = installation.server().await;
    let b = installation.server().await;

    let mut provider = Socket::open(&a, installation.room, Role::Provider).await;
    let mut patient = Socket::open(&b, installation.room, Role::Patient).await;
    patient.send(json!({ "type": "check_in", "name": "Erika Beispiel" })).await;
    let ticket = patient.next_of("ticket").await["token"].clone();
    let waiting = provider.next_of("queue").await;
    let waiting = if waiting["patients"].as_array().unwrap().is_empty() { provider.next_of("queue").await } else { waiting };
    let since = waiting["patients"][0]["waiting_since"].clone();

    a.shut_down();
    a.leave_bus().await;
    assert_eq!(provider.closed_with().await, json!(1012));
    assert_eq!(patient.closed_with().await, json!(1012), "the patient's server was told to reconnect them");
    provider.drop_connection();
    patient.drop_connection();

    // Both come back at the server that is left.
    let mut patient = Socket::open(&b, installation.room, Role::Patient).await;
    patient.send(json!({ "type": "resume", "token": ticket, "name": "Erika Beispiel" })).await;
    assert_eq!(patient.next_of("status").await["state"], "waiting");
    let mut provider = Socket::open(&b, installation.room, Role::Provider).await;
    let queue = provider.next_of("queue").await;
    assert_eq!(queue["patients"][0]["name"], "Erika Beispiel", "{queue}");
    assert_eq!(queue["patients"][0]["waiting_since"], since, "the patient kept the place");
}

/// A Redis server of the test's own on a free loopback port, without
/// persistence, so that the test can restart it.
struct OwnRedis {
    port: u16,
    child: std::process::Child,
}

impl OwnRedis {
    fn start(port: u16) -> Self {
        Self::start_with(port, &["--port", &port.to_string()])
    }

    /// Starts a Redis that speaks only TLS on `port`, with the certificate
    /// and key from `certificates`.
    fn start_tls(port: u16, certificates: &TestAuthority) -> Self {
        let [cert, key, ca] = [&certificates.server_cert, &certificates.server_key, &certificates.ca_cert].map(|path| path.to_str().unwrap());
        let args = ["--port", "0", "--tls-port", &port.to_string(), "--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no"];
        Self::start_with(port, &args)
    }

    fn start_with(port: u16, args: &[&str]) -> Self {
        let child = std::process::Command::new("redis-server")
            .args(args)
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let redis = Self { port, child };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return redis;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not listen on port {port}");
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn redis_restart_keeps_room_home() {
    let installation = Installation::new().await;
    let port = free_port();
    let mut redis = OwnRedis::start(port);
    let a = installation.server_on(&redis.url()).await;
    let b = installation.server_on(&redis.url()).await;
    let mut provider = Socket::open(&a, installation.room, Role::Provider).await;
    provider.next_of("queue").await;

    // A Redis without persistence loses the room's home key when it restarts.
    redis.stop();
    let redis = OwnRedis::start(port);
    tokio::time::sleep(Duration::from_secs(13)).await;

    assert_eq!(a.room_ids(), vec![installation.room], "the home server gave the room up");
    assert!(provider.drain().iter().all(|message| message.get("close").is_none()), "the provider at home was sent away");
    let patient = Socket::open(&b, installation.room, Role::Patient).await;
    assert!(b.room_ids().is_empty(), "another server claimed the room after the restart");
    patient.send(json!({ "type": "check_in", "name": "Erika Beispiel" })).await;
    assert_eq!(provider.next_of("queue").await["patients"][0]["name"], "Erika Beispiel");
    drop(redis);
}

/// A certificate authority of the test's own and a server certificate for
/// 127.0.0.1 that it signed, made with the openssl command.
struct TestAuthority {
    _dir: tempfile::TempDir,
    ca_cert: std::path::PathBuf,
    server_cert: std::path::PathBuf,
    server_key: std::path::PathBuf,
}

impl TestAuthority {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        let openssl = |args: &[&str]| {
            let status = std::process::Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .stderr(std::process::Stdio::null())
                .status()
                .expect("the openssl command runs");
            assert!(status.success(), "openssl {args:?} failed");
        };
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
        openssl(&[&["req", "-x509"], &key[..], &["-days", "1", "-subj", "/CN=visite test authority", "-keyout", "ca.key", "-out", "ca.pem"]].concat());
        openssl(&[&["req"], &key[..], &["-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"]].concat());
        std::fs::write(path("server.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n").unwrap();
        openssl(&["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", "server.ext", "-out", "server.pem"]);
        Self { ca_cert: path("ca.pem"), server_cert: path("server.pem"), server_key: path("server.key"), _dir: dir }
    }

    fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(&self.ca_cert).unwrap()
    }
}

/// Servers reach each other over a Redis that speaks only TLS, checked
/// against the authority given to them. A server that trusts another
/// authority gets no connection, and neither does a plain redis:// URL.
#[tokio::test]
async fn visit_across_hubs_over_tls() {
    let installation = Installation::new().await;
    let authority = TestAuthority::new();
    let port = free_port();
    let _redis = OwnRedis::start_tls(port, &authority);
    let url = format!("rediss://127.0.0.1:{port}");

    let connect = |ca: Option<Vec<u8>>| {
        let (url, namespace) = (url.clone(), installation.namespace.clone());
        async move { Bus::connect(&url, ca.as_deref(), &namespace).await }
    };
    let (a, a_subscription) = connect(Some(authority.ca_pem())).await.expect("a TLS bus with the test authority");
    let (b, b_subscription) = connect(Some(authority.ca_pem())).await.expect("a TLS bus with the test authority");
    let hubs = [(a, a_subscription), (b, b_subscription)].map(|(bus, subscription)| {
        let limits = Limits { max_waiting: 10, max_waiting_per_client: 10, rejoin_grace_ms: 120_000 };
        let key = TicketKey::new(installation.key.clone());
        let hub = Hub::new(limits, Vec::new(), TurnSettings::default(), installation.store.clone(), key, Some(bus));
        hub.listen(subscription);
        hub
    });

    let mut provider = Socket::open(&hubs[0], installation.room, Role::Provider).await;
    provider.next_of("queue").await;
    let mut patient = Socket::open(&hubs[1], installation.room, Role::Patient).await;
    patient.send(json!({ "type": "check_in", "name": "Erika Beispiel" })).await;
    assert_eq!(provider.next_of("queue").await["patients"][0]["name"], "Erika Beispiel");
    assert_eq!(patient.next_of("status").await["state"], "waiting");

    let other = TestAuthority::new();
    let error = connect(Some(other.ca_pem())).await.err().expect("a certificate from another authority was accepted");
    assert!(format!("{error:#}").contains("cannot connect to the message bus"), "{error:#}");
    let plain = Bus::connect(&format!("redis://127.0.0.1:{port}"), None, &installation.namespace).await;
    assert!(plain.is_err(), "a plain connection to the TLS port worked");
}
