//! Two `visite serve` processes on loopback that share PostgreSQL and
//! Redis, as servers behind a load balancer do: a visit across them, and
//! one of them killed while a patient waits and while a call runs.

use std::ffi::OsStr;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Connection;
use visite::store::scratch::ScratchDatabase;

use crate::helpers::*;
use crate::process::ServerProcess;

const SLUG: &str = "praxis-muster";
const REDIS: &str = "redis://127.0.0.1:6379";
/// A browser learns that the home server of its room died within the
/// server's alive period plus a heartbeat, 12 seconds; allow for load.
const FAILOVER: Duration = Duration::from_secs(30);

/// A PostgreSQL database of its own for one test, dropped at the end.
struct TestDatabase {
    scratch: ScratchDatabase,
}

impl TestDatabase {
    async fn create() -> Self {
        Self { scratch: ScratchDatabase::create().await.expect("the PostgreSQL on this machine must run") }
    }

    fn url(&self) -> String {
        self.scratch.url().expose().to_owned()
    }

    async fn count(&self, sql: &str) -> i64 {
        let mut connection = sqlx::postgres::PgConnection::connect(self.scratch.url().expose()).await.unwrap();
        let count = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&mut connection).await.unwrap();
        connection.close().await.unwrap();
        count
    }
}

/// One server of the pair: the process and its own data folder.
struct Node {
    process: ServerProcess,
    data_dir: tempfile::TempDir,
}

impl Node {
    fn start(database: &TestDatabase) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let url = database.url();
        let flags: [&OsStr; 4] = ["--database-url".as_ref(), url.as_ref(), "--bus-url".as_ref(), REDIS.as_ref()];
        let process = ServerProcess::start(data_dir.path(), &flags);
        Self { process, data_dir }
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.process.port)
    }

    /// Opens a patient's socket at this server.
    async fn patient(&self) -> Socket {
        let origin = self.origin();
        let (socket, _) = Client::new(&origin).try_socket(&format!("/r/{SLUG}/ws"), Some(&origin)).await.expect("patient socket opens");
        Socket(socket)
    }

    /// Opens the provider's socket at this server, with the session from `provider`.
    async fn host(&self, provider: &Client) -> Socket {
        let mut client = Client::new(&self.origin());
        client.cookie = provider.cookie.clone();
        client.host_socket(SLUG).await
    }
}

/// Waits until the server closes `socket`, longer than [`Socket::closed`]
/// does, and returns the close code.
async fn closed_within(socket: &mut Socket, limit: Duration) -> Option<u16> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.0.next()).await.expect("socket not closed in time");
        match frame {
            Some(Ok(Message::Close(frame))) => return frame.map(|frame| u16::from(frame.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

/// Starts two servers on a new database and signs a provider up at the first.
async fn two_servers() -> (TestDatabase, Node, Node, Client) {
    let database = TestDatabase::create().await;
    let a = Node::start(&database);
    let b = Node::start(&database);
    let provider = sign_up_provider(Client::new(&a.origin()), a.data_dir.path(), Signup::new(SLUG)).await;
    (database, a, b, provider)
}

fn token_of(message: Value) -> String {
    message["token"].as_str().expect("a ticket carries a token").to_owned()
}

#[tokio::test]
async fn visit_across_two_processes() {
    let (database, a, b, provider) = two_servers().await;

    let mut host = a.host(&provider).await;
    let mut patient = b.patient().await;
    patient.check_in("Ada").await;
    let queue = host.queue_of(1).await;
    assert_eq!(queue["patients"][0]["name"], "Ada");

    host.send(json!({"type": "admit", "patient": queue["patients"][0]["id"]})).await;
    assert_eq!(host.recv_type("call_started").await["polite"], false);
    assert_eq!(patient.recv_type("call_started").await["polite"], true);
    let offer = json!({"type": "description", "description": {"type": "offer", "sdp": offer_sdp()}});
    patient.send(offer.clone()).await;
    assert_eq!(host.recv_type("description").await, offer);
    let answer = json!({"type": "description", "description": {"type": "answer", "sdp": sdp_of_size(4_700)}});
    host.send(answer.clone()).await;
    assert_eq!(patient.recv_type("description").await, answer);
    for n in 1..=10 {
        patient.send(json!({"type": "candidate", "candidate": candidate(n)})).await;
        host.send(json!({"type": "candidate", "candidate": candidate(n + 10)})).await;
        assert_eq!(host.recv_type("candidate").await["candidate"], candidate(n));
        assert_eq!(patient.recv_type("candidate").await["candidate"], candidate(n + 10));
    }
    patient.send(json!({"type": "hang_up"})).await;
    assert_eq!(host.recv_type("call_ended").await["reason"], "hung_up");
    assert_eq!(patient.recv_type("call_ended").await["reason"], "hung_up");

    // The call is recorded once, in the shared database.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while database.count("SELECT COUNT(*) FROM calls").await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the call was not recorded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(database.count("SELECT COUNT(*) FROM calls").await, 1);
    for node in [&a, &b] {
        assert!(!node.process.stderr().contains("Ada"), "a server logged the patient's name");
    }
}

#[tokio::test]
async fn waiting_place_survives_home_server_kill() {
    let (_database, mut a, b, provider) = two_servers().await;

    // The provider's connection makes server A the room's home; the patient is at B.
    let mut host = a.host(&provider).await;
    let mut patient = b.patient().await;
    let ticket = patient.check_in("Ada").await;
    let since = host.queue_of(1).await["patients"][0]["waiting_since"].clone();

    a.process.kill();
    // B notices that the room's home is gone and sends the patient to reconnect.
    assert_eq!(closed_within(&mut patient, FAILOVER).await, Some(1012));

    let mut host = b.host(&provider).await;
    let mut patient = b.patient().await;
    patient.send(json!({"type": "resume", "token": ticket, "name": "Ada"})).await;
    assert_eq!(patient.recv_type("status").await["state"], "waiting");
    let queue = host.queue_of(1).await;
    assert_eq!(queue["patients"][0]["name"], "Ada");
    assert_eq!(queue["patients"][0]["waiting_since"], since, "the patient lost the place");
    assert_eq!(queue["patients"][0]["connected"], true);
}

#[tokio::test]
async fn call_survives_home_server_kill() {
    let (database, mut a, b, provider) = two_servers().await;

    let mut host = a.host(&provider).await;
    let mut patient = b.patient().await;
    patient.check_in("Ada").await;
    let queue = host.queue_of(1).await;
    host.send(json!({"type": "admit", "patient": queue["patients"][0]["id"]})).await;
    let patient_ticket = token_of(patient.recv_type("ticket").await);
    patient.recv_type("call_started").await;
    let host_ticket = token_of(host.recv_type("ticket").await);
    host.recv_type("call_started").await;
    let started_at = host.recv_type("queue").await["call"]["started_at"].clone();

    a.process.kill();
    assert_eq!(closed_within(&mut patient, FAILOVER).await, Some(1012));

    // Both sides come back at B with their tickets: the same call, no new one.
    let mut host = b.host(&provider).await;
    host.send(json!({"type": "resume_call", "token": host_ticket})).await;
    host.recv_type("call_resumed").await;
    let mut patient = b.patient().await;
    patient.send(json!({"type": "resume", "token": patient_ticket, "name": "Ada"})).await;
    assert_eq!(patient.recv_type("call_resumed").await, json!({"type": "call_resumed"}));
    let queue = host.recv_type("queue").await;
    assert_eq!(queue["call"]["started_at"], started_at, "the call started anew");

    // Signaling flows again, for an ICE restart.
    let offer = json!({"type": "description", "description": {"type": "offer", "sdp": offer_sdp()}});
    host.send(offer.clone()).await;
    assert_eq!(patient.recv_type("description").await, offer);

    host.send(json!({"type": "hang_up"})).await;
    assert_eq!(patient.recv_type("call_ended").await["reason"], "hung_up");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while database.count("SELECT COUNT(*) FROM calls").await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the call was not recorded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(database.count("SELECT COUNT(*) FROM calls").await, 1, "the call was recorded twice");
}

/// Five rule violations close a connection also when two servers count
/// them: invalid JSON at the patient's server, provider commands from a
/// patient at the room's home.
#[tokio::test]
async fn strikes_add_up_across_servers() {
    let (_database, a, b, provider) = two_servers().await;

    let _host = a.host(&provider).await;
    let mut patient = b.patient().await;
    for _ in 0..3 {
        patient.send_text("{".to_owned()).await;
    }
    for _ in 0..2 {
        patient.send(json!({"type": "admit", "patient": 1})).await;
    }
    assert_eq!(closed_within(&mut patient, Duration::from_secs(5)).await, Some(1008), "five violations left the socket open");
}

#[tokio::test]
async fn clean_stop_logs_no_bus_error() {
    let database = TestDatabase::create().await;
    let a = Node::start(&database);

    a.process.signal("TERM");
    a.process.wait_for_stderr("visite::server: stopped").await;
    let log = a.process.stderr();
    assert!(!log.contains("cannot publish on the message bus"), "a clean stop logged a bus error:\n{log}");
}
