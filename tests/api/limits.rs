//! Connection limits: header read timeout, header size cap, and caps on open
//! connections in total and per client address, driven over raw TCP sockets.
//! Separate clients bind their sockets to other loopback addresses.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::MaybeTlsStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::helpers::*;

/// A client address other than 127.0.0.1, which the helpers' clients use.
pub(crate) const FLOODER: &str = "127.0.0.2";
const BYSTANDER: &str = "127.0.0.3";

/// Open a TCP connection to the app from the loopback address `source`.
pub(crate) async fn connect_from(app: &TestApp, source: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    let source: IpAddr = source.parse().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    socket.connect(app.address).await.unwrap()
}

/// Read until the server closes the connection and return how long that
/// took, or `None` if it stays open for `limit`.
pub(crate) async fn time_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buffer = [0u8; 4096];
    let closed = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    });
    closed.await.ok().map(|()| start.elapsed())
}

/// Send one request with `Connection: close` and return the whole response,
/// or an empty string when the server closed the connection without one.
async fn request_on(stream: &mut TcpStream, path: &str, extra_headers: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra_headers}Connection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return String::new();
    }
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response)).await;
    assert!(read.is_ok(), "no response to GET {path} within five seconds");
    String::from_utf8_lossy(&response).into_owned()
}

/// Send `GET path` on a new connection from the loopback address `source` and return the status line.
async fn status_line_from(app: &TestApp, source: &str, path: &str) -> String {
    let mut stream = connect_from(app, source).await;
    let response = request_on(&mut stream, path, "").await;
    response.lines().next().unwrap_or("").to_owned()
}

/// Retry `GET /healthz` from `source` until it succeeds, because the server
/// frees a slot only once it has seen the old connection close.
async fn healthz_eventually_from(app: &TestApp, source: &str) {
    for _ in 0..50 {
        if status_line_from(app, source, "/healthz").await == "HTTP/1.1 200 OK" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("GET /healthz from {source} kept failing for five seconds");
}

/// Open a patient WebSocket for `slug` from the loopback address `source`.
pub(crate) async fn patient_from(app: &TestApp, source: &str, slug: &str) -> Socket {
    let stream = connect_from(app, source).await;
    let mut request = format!("ws://127.0.0.1:{}/r/{slug}/ws", app.address.port()).into_client_request().unwrap();
    request.headers_mut().insert("origin", HeaderValue::from_str(&app.origin).unwrap());
    let (socket, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)).await.expect("patient socket opens");
    Socket(socket)
}

/// Log lines that contain `message`.
fn log_lines_with(message: &str) -> Vec<String> {
    captured_logs().lines().filter(|line| line.contains(message)).map(str::to_owned).collect()
}

#[tokio::test]
async fn half_sent_header_is_closed() {
    let app = spawn_app_with(|settings| settings.header_read_timeout_seconds = 1).await;
    let mut stream = connect_from(&app, FLOODER).await;
    stream.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slo").await.unwrap();

    let elapsed = time_until_closed(&mut stream, Duration::from_secs(5)).await;
    let elapsed = elapsed.expect("a half-sent header kept the connection open for five seconds");
    assert!(elapsed >= Duration::from_millis(500), "closed after {elapsed:?}, before the timeout");
    assert!(elapsed < Duration::from_secs(3), "closed after {elapsed:?}, long after the one-second timeout");
}

#[tokio::test]
async fn silent_connection_is_closed() {
    let app = spawn_app_with(|settings| settings.header_read_timeout_seconds = 1).await;
    let mut stream = connect_from(&app, FLOODER).await;

    let elapsed = time_until_closed(&mut stream, Duration::from_secs(5)).await;
    let elapsed = elapsed.expect("a connection that sent nothing stayed open for five seconds");
    assert!(elapsed < Duration::from_secs(3), "closed after {elapsed:?}, long after the one-second timeout");
}

#[tokio::test]
async fn idle_keep_alive_connection_is_closed() {
    let app = spawn_app_with(|settings| settings.header_read_timeout_seconds = 1).await;
    let mut stream = connect_from(&app, FLOODER).await;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    while !response.ends_with(b"\r\n\r\nok") {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer)).await;
        let read = read.expect("no response within five seconds").unwrap();
        assert!(read > 0, "the server closed a keep-alive connection right after the response");
        response.extend_from_slice(&buffer[..read]);
    }
    assert!(response.starts_with(b"HTTP/1.1 200 OK"), "{}", String::from_utf8_lossy(&response));

    let elapsed = time_until_closed(&mut stream, Duration::from_secs(5)).await;
    let elapsed = elapsed.expect("an idle keep-alive connection stayed open for five seconds");
    assert!(elapsed < Duration::from_secs(3), "closed after {elapsed:?}, long after the one-second timeout");
}

#[tokio::test]
async fn oversized_headers_are_rejected() {
    let app = spawn_app().await;
    let header = |n: usize| format!("x-padding-{n}: {}\r\n", "a".repeat(1000));

    // About 16 KB of headers fit under the 32 KiB cap.
    let mut stream = connect_from(&app, FLOODER).await;
    let fitting: String = (0..16).map(header).collect();
    let response = request_on(&mut stream, "/healthz", &fitting).await;
    assert!(response.starts_with("HTTP/1.1 200"), "16 KB of headers were rejected: {response:.80}");

    // About 40 KB do not: a 431 response or a closed connection, both quickly.
    let mut stream = connect_from(&app, FLOODER).await;
    let oversized: String = (0..40).map(header).collect();
    let start = Instant::now();
    let response = request_on(&mut stream, "/healthz", &oversized).await;
    assert!(
        response.is_empty() || response.starts_with("HTTP/1.1 431"),
        "40 KB of headers were not rejected: {response:.80}"
    );
    assert!(start.elapsed() < Duration::from_secs(2), "rejecting the headers took {:?}", start.elapsed());

    assert_eq!(status_line_from(&app, FLOODER, "/healthz").await, "HTTP/1.1 200 OK", "the server stopped serving");
}

#[tokio::test]
async fn per_client_cap_spares_other_clients() {
    let app = spawn_app_with(|settings| settings.max_connections_per_client = 4).await;
    app.provider("praxis-muster").await;

    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(connect_from(&app, FLOODER).await);
    }
    for attempt in 0..3 {
        let mut extra = connect_from(&app, FLOODER).await;
        let closed = time_until_closed(&mut extra, Duration::from_secs(2)).await;
        assert!(closed.is_some(), "connection {} over the cap stayed open", attempt + 1);
    }

    // The connections under the cap still work.
    let response = request_on(&mut idle[0], "/healthz", "").await;
    assert!(response.starts_with("HTTP/1.1 200"), "a connection under the cap failed: {response:.80}");

    // Another client address gets pages and can check in.
    let client = app.client();
    assert_eq!(client.get("/").await.status(), StatusCode::OK);
    assert_eq!(client.get("/r/praxis-muster").await.status(), StatusCode::OK);
    let mut patient = Socket::patient(&app, "praxis-muster").await;
    patient.check_in("Ada").await;
    assert_eq!(status_line_from(&app, BYSTANDER, "/healthz").await, "HTTP/1.1 200 OK");

    // Closing a connection frees its slot.
    idle.clear();
    healthz_eventually_from(&app, FLOODER).await;

    let warnings = log_lines_with("per-client connection cap reached");
    assert!(!warnings.is_empty(), "the rejections were not logged");
    for line in &warnings {
        assert!(!line.contains(FLOODER), "the warning names the client's address: {line}");
    }
}

#[tokio::test]
async fn websockets_count_toward_client_cap() {
    let app = spawn_app_with(|settings| settings.max_connections_per_client = 2).await;
    app.provider("praxis-muster").await;

    let mut first = patient_from(&app, FLOODER, "praxis-muster").await;
    let mut second = patient_from(&app, FLOODER, "praxis-muster").await;
    first.check_in("Ada").await;
    second.check_in("Grace").await;
    let mut extra = connect_from(&app, FLOODER).await;
    let closed = time_until_closed(&mut extra, Duration::from_secs(2)).await;
    assert!(closed.is_some(), "a third connection next to two WebSockets stayed open");

    // Closing one WebSocket frees its slot for a new connection.
    first.0.close(None).await.unwrap();
    drop(first);
    healthz_eventually_from(&app, FLOODER).await;
    let mut third = patient_from(&app, FLOODER, "praxis-muster").await;
    third.check_in("Linus").await;
}

#[tokio::test]
async fn total_cap_closes_new_connections() {
    let app = spawn_app_with(|settings| {
        settings.max_connections = 3;
        settings.max_connections_per_client = 3;
    })
    .await;

    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(connect_from(&app, FLOODER).await);
    }
    let mut extra = connect_from(&app, BYSTANDER).await;
    let closed = time_until_closed(&mut extra, Duration::from_secs(2)).await;
    assert!(closed.is_some(), "a connection over the total cap stayed open");
    assert!(!log_lines_with("connection cap reached, closing new connections").is_empty(), "the rejection was not logged");

    idle.pop();
    healthz_eventually_from(&app, BYSTANDER).await;
}

#[tokio::test]
async fn shutdown_closes_idle_connections_and_websockets() {
    let mut app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mut idle = connect_from(&app, FLOODER).await;
    let mut patient = patient_from(&app, FLOODER, "praxis-muster").await;
    patient.check_in("Ada").await;

    let start = Instant::now();
    app.stop().await;
    assert!(start.elapsed() < Duration::from_secs(5), "shutdown took {:?}", start.elapsed());
    assert!(time_until_closed(&mut idle, Duration::from_secs(2)).await.is_some(), "an idle connection outlived the server");
    // `closed` panics unless the socket closes within five seconds.
    patient.closed().await;
}
