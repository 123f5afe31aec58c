//! Robustness: malformed and hostile input at the HTTP routes and the
//! WebSocket. After each attack the server must still respond to `/healthz`, and a
//! patient in another room must still check in within [`NORMAL_CHECK_IN`].
//! Attacks come from [`FLOODER`]; the bystander connects from 127.0.0.1.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

use crate::helpers::*;
use crate::limits::{FLOODER, connect_from, patient_from, time_until_closed};

const BYSTANDER_ROOM: &str = "andere-praxis";
const TARGET_ROOM: &str = "praxis-muster";
/// A generous bound for a check-in on an idle loopback server, which takes
/// a few milliseconds; an attack that starves other rooms exceeds it.
const NORMAL_CHECK_IN: Duration = Duration::from_millis(500);

/// Starts a server with an open bystander room and an open target room, and
/// returns it with the signed-in provider of the target room.
async fn app_with_rooms() -> (TestApp, Client) {
    let app = spawn_app().await;
    app.provider(BYSTANDER_ROOM).await;
    let provider = app.provider(TARGET_ROOM).await;
    (app, provider)
}

/// Checks a patient into the bystander room, leaves again, and returns how
/// long the check-in took from opening the socket to the waiting status.
async fn bystander_check_in(app: &TestApp) -> Duration {
    let start = Instant::now();
    let mut patient = Socket::patient(app, BYSTANDER_ROOM).await;
    patient.check_in("Grace Hopper").await;
    let elapsed = start.elapsed();

    // Leave, so that the per-network cap on waiting patients never fills.
    patient.send(json!({"type": "leave"})).await;
    assert_eq!(patient.recv_type("call_ended").await["reason"], "left");
    elapsed
}

/// Asserts that the server responds to `/healthz` and that a bystander check-in
/// takes a normal time.
async fn assert_still_serving(app: &TestApp, after: &str) {
    let (status, body) = app.client().get_text("/healthz").await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "ok"), "/healthz failed after {after}");
    let elapsed = bystander_check_in(app).await;
    assert!(elapsed < NORMAL_CHECK_IN, "a check-in in another room took {elapsed:?} after {after}");
}

/// Writes raw bytes on a new connection from [`FLOODER`] and returns what the
/// server sends until it closes the connection. A write error counts as the
/// server closing early, which is allowed; a server silent for five seconds is not.
async fn raw_exchange(app: &TestApp, request: &[u8]) -> Vec<u8> {
    let mut stream = connect_from(app, FLOODER).await;
    let _ = stream.write_all(request).await;
    read_until_closed(&mut stream).await
}

async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => panic!("the server neither responded nor closed the connection within five seconds"),
            Ok(Ok(0) | Err(_)) => return response,
            Ok(Ok(read)) => response.extend_from_slice(&buffer[..read]),
        }
    }
}

/// Returns the status code of a raw HTTP response, if it has one.
fn status_of(response: &[u8]) -> Option<u16> {
    let line = response.split(|&b| b == b'\r').next()?;
    let text = std::str::from_utf8(line).ok()?;
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

fn describe(response: &[u8]) -> String {
    String::from_utf8_lossy(&response[..response.len().min(120)]).into_owned()
}

#[tokio::test]
async fn invalid_utf8_in_requests_gets_client_errors() {
    let (app, _) = app_with_rooms().await;
    let origin = app.origin.clone();
    let form = |path: &str, body: &[u8]| {
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {origin}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        request
    };
    let get = |target: &[u8]| {
        let mut request = b"GET ".to_vec();
        request.extend_from_slice(target);
        request.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        request
    };

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("raw bytes in a form body", form("/login", b"email=\xff\xfe@example.org&password=\xc3\x28")),
        ("percent-encoded bytes in a form body", form("/login", b"email=%FF%FE&password=%C3%28")),
        ("bytes in a signup form", form("/signup", b"email=a%FF&slug=%C0%AF&password=\xed\xa0\x80")),
        ("raw bytes in a path", get(b"/r/\xff\xfe")),
        ("percent-encoded bytes in a path", get(b"/r/%FF%FE")),
        ("an overlong slash in a path", get(b"/static/%C0%AF%C0%AFetc/passwd")),
        ("raw bytes in a query", get(b"/login?lang=\xff")),
        ("percent-encoded bytes in a query", get(b"/?lang=%FF%FE")),
        ("bytes in a link token", get(b"/verify-email?token=%FF%00%FE")),
    ];
    for (case, request) in cases {
        let response = raw_exchange(&app, &request).await;
        let status = status_of(&response);
        assert!(
            matches!(status, Some(200..=499)),
            "{case}: expected a response below 500, got {:?}",
            describe(&response)
        );
    }

    assert_still_serving(&app, "requests with invalid UTF-8").await;
}

#[tokio::test]
async fn invalid_utf8_text_frame_closes_with_1007() {
    let (app, _) = app_with_rooms().await;
    let mut patient = patient_from(&app, FLOODER, TARGET_ROOM).await;

    let frame = Frame::message(vec![b'{', 0xff, 0xfe, b'}'], OpCode::Data(Data::Text), true);
    patient.0.send(Message::Frame(frame)).await.unwrap();

    let code = patient.closed().await;
    assert!(matches!(code, Some(1007) | None), "unexpected close code {code:?}");
    assert_still_serving(&app, "a text frame with invalid UTF-8").await;
}

#[tokio::test]
async fn deeply_nested_json_is_rejected() {
    let (app, _) = app_with_rooms().await;
    let mut patient = patient_from(&app, FLOODER, TARGET_ROOM).await;

    // Over the 64 KiB message limit, so it is never decoded.
    patient.send_text("[".repeat(100_000)).await;
    assert_eq!(patient.recv().await, json!({"type": "error", "code": "message_too_large"}));
    // Under the limit: serde_json stops at its recursion limit of 128.
    patient.send_text("[".repeat(60_000)).await;
    assert_eq!(patient.recv().await, json!({"type": "error", "code": "invalid_message"}));
    let inside = format!(r#"{{"type":"check_in","name":{}}}"#, "{\"a\":".repeat(10_000));
    patient.send_text(inside).await;
    assert_eq!(patient.recv().await, json!({"type": "error", "code": "invalid_message"}));

    // The same at the JSON endpoints, over and under the 16 KiB body limit.
    let client = reqwest::Client::new();
    for path in ["/password/check", "/login/passkey/start", "/login/passkey/discover/finish"] {
        for depth in [100_000, 15_000] {
            let response = client
                .post(app.url(path))
                .header("origin", &app.origin)
                .header("content-type", "application/json")
                .body("[".repeat(depth))
                .send()
                .await;
            let status = response.map(|response| response.status().as_u16());
            assert!(
                matches!(status, Ok(400..=499)),
                "POST {path} with {depth} nested arrays: expected a client error, got {status:?}"
            );
        }
    }

    assert_still_serving(&app, "deeply nested JSON").await;
}

#[tokio::test]
async fn one_megabyte_header_is_rejected_quickly() {
    let (app, _) = app_with_rooms().await;
    let mut request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ".to_vec();
    request.extend(std::iter::repeat_n(b'a', 1024 * 1024));
    request.extend_from_slice(b"\r\nConnection: close\r\n\r\n");

    let start = Instant::now();
    let response = raw_exchange(&app, &request).await;
    let elapsed = start.elapsed();

    // hyper responds with 431 once its 32 KiB read buffer is full, or resets the
    // connection while the rest of the header is still arriving.
    assert!(
        response.is_empty() || status_of(&response) == Some(431),
        "a 1 MB header was not rejected: {:?}",
        describe(&response)
    );
    assert!(elapsed < Duration::from_secs(2), "rejecting a 1 MB header took {elapsed:?}");
    assert_still_serving(&app, "a 1 MB header").await;
}

/// Opens a provider socket and a patient from [`FLOODER`] and starts a call
/// between them in [`TARGET_ROOM`].
async fn call_from_flooder(app: &TestApp, provider: &Client) -> (Socket, Socket) {
    let mut host = provider.host_socket(TARGET_ROOM).await;
    let mut patient = patient_from(app, FLOODER, TARGET_ROOM).await;
    patient.check_in("Ada Lovelace").await;
    let queue = host.queue_of(1).await;
    host.send(json!({"type": "admit", "patient": queue["patients"][0]["id"]})).await;
    patient.recv_type("call_started").await;
    host.recv_type("call_started").await;
    (host, patient)
}

#[tokio::test]
async fn browser_burst_of_candidates_passes() {
    let (app, provider) = app_with_rooms().await;
    let (mut host, mut patient) = call_from_flooder(&app, &provider).await;

    // A browser trickles 20 to 40 candidates at the start of a call, at once.
    for n in 0..40 {
        patient.send(json!({"type": "candidate", "candidate": candidate(n)})).await;
    }
    for n in 0..40 {
        let message = host.recv_type("candidate").await;
        assert_eq!(message["candidate"], candidate(n), "candidate {n} arrived out of order");
    }
    assert_eq!(patient.try_recv().await, None, "the patient was rate-limited for a browser's burst");
}

#[tokio::test]
async fn message_flood_is_rate_limited_then_closed() {
    let (app, provider) = app_with_rooms().await;
    let (host, patient) = call_from_flooder(&app, &provider).await;
    let (mut sink, mut stream) = patient.0.split();

    // 1,000 candidates a second for up to three seconds, in batches of 10 every 10 ms.
    let flood = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_millis(10));
        let mut sent = 0u32;
        for _ in 0..300 {
            ticks.tick().await;
            for _ in 0..10 {
                let message = json!({"type": "candidate", "candidate": candidate(sent % 200)});
                if sink.send(Message::text(message.to_string())).await.is_err() {
                    return sent;
                }
                sent += 1;
            }
        }
        sent
    });
    // The flooder's own replies, until the server closes the socket.
    let replies = tokio::spawn(async move {
        let mut codes = Vec::new();
        while let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_secs(5), stream.next()).await {
            match frame {
                Message::Text(text) => codes.push(serde_json::from_str::<Value>(&text).unwrap()["code"].clone()),
                Message::Close(frame) => return (codes, frame.map(|frame| u16::from(frame.code))),
                _ => {}
            }
        }
        (codes, None)
    });
    let relayed = tokio::spawn(count_candidates(host));

    let during = bystander_check_in(&app).await;
    let (codes, close_code) = replies.await.unwrap();
    let sent = flood.await.unwrap();
    let relayed = relayed.await.unwrap();

    assert!(codes.contains(&json!("rate_limited")), "the flood got no rate_limited error: {codes:?}");
    // The close frame can be lost when the flooder's writes meet the closed socket.
    assert!(matches!(close_code, Some(1008) | None), "unexpected close code {close_code:?}");
    let closing = "message rate stays over the limit, closing connection";
    assert!(captured_logs().contains(closing), "the server did not log closing the flooding socket");
    assert!(sent < 3_000, "the server never stopped the flood of {sent} messages");
    // The default burst is 100 frames; a few more trickle in at 20 a second.
    assert!((100..150).contains(&relayed), "the provider received {relayed} of {sent} candidates");
    assert!(during < NORMAL_CHECK_IN, "a check-in in another room took {during:?} during the flood");
    assert_still_serving(&app, "a message flood").await;
}

/// Counts the candidates a socket receives until it is quiet for [`QUIET`].
async fn count_candidates(mut socket: Socket) -> usize {
    let mut count = 0;
    while let Some(message) = socket.try_recv().await {
        if message["type"] == "candidate" {
            count += 1;
        }
    }
    count
}

#[tokio::test]
async fn reconnecting_flood_spares_other_rooms() {
    let (app, _) = app_with_rooms().await;
    let flood_app_port = app.address;
    let origin = app.origin.clone();

    // For three seconds, 1,000 messages a second from new patient sockets,
    // each of which the server closes after its strikes.
    let flood = tokio::spawn(async move {
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut sent = 0u32;
        let mut sockets = 0u32;
        let mut ticks = tokio::time::interval(Duration::from_millis(10));
        'connect: while Instant::now() < deadline {
            let Some(mut socket) = flood_socket(flood_app_port, &origin).await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            sockets += 1;
            while Instant::now() < deadline {
                ticks.tick().await;
                for _ in 0..10 {
                    let message = json!({"type": "media_state", "audio": true, "video": true});
                    if socket.send(Message::text(message.to_string())).await.is_err() {
                        continue 'connect;
                    }
                    sent += 1;
                }
            }
        }
        (sent, sockets)
    });

    let mut during = Vec::new();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        during.push(bystander_check_in(&app).await);
    }
    let (sent, sockets) = flood.await.unwrap();

    assert!(sent >= 1_000, "the flood sent only {sent} messages");
    assert!(sockets >= 2, "the server never closed a flooding socket");
    for elapsed in during {
        assert!(elapsed < NORMAL_CHECK_IN, "a check-in in another room took {elapsed:?} during the flood");
    }
    assert_still_serving(&app, "a reconnecting flood").await;
}

/// Opens a patient socket to [`TARGET_ROOM`] from [`FLOODER`], or returns
/// `None` when the server rejected it.
async fn flood_socket(
    address: std::net::SocketAddr,
    origin: &str,
) -> Option<tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::HeaderValue;

    let socket = tokio::net::TcpSocket::new_v4().ok()?;
    socket.bind(std::net::SocketAddr::new(FLOODER.parse().ok()?, 0)).ok()?;
    let stream = socket.connect(address).await.ok()?;
    let mut request = format!("ws://127.0.0.1:{}/r/{TARGET_ROOM}/ws", address.port()).into_client_request().ok()?;
    request.headers_mut().insert("origin", HeaderValue::from_str(origin).ok()?);
    let (socket, _) = tokio_tungstenite::client_async(request, tokio_tungstenite::MaybeTlsStream::Plain(stream)).await.ok()?;
    Some(socket)
}

#[tokio::test]
async fn half_closed_connections_are_dropped() {
    let app = spawn_app_with(|settings| settings.header_read_timeout_seconds = 1).await;
    app.provider(BYSTANDER_ROOM).await;

    // Clients that send part of a request and shut down their sending side,
    // and clients that connect and go quiet, as a peer that vanished would.
    let mut streams = Vec::new();
    for n in 0..40 {
        let mut stream = connect_from(&app, FLOODER).await;
        if n % 2 == 0 {
            stream.write_all(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nemail=").await.unwrap();
            stream.shutdown().await.unwrap();
        }
        streams.push(stream);
    }

    let elapsed = bystander_check_in(&app).await;
    assert!(elapsed < NORMAL_CHECK_IN, "a check-in took {elapsed:?} beside 40 half-open connections");

    for (n, stream) in streams.iter_mut().enumerate() {
        let closed = time_until_closed(stream, Duration::from_secs(5)).await;
        assert!(closed.is_some(), "half-open connection {n} stayed open for five seconds");
    }
    assert_still_serving(&app, "40 half-open connections").await;
}

/// Every route of the router, by the method it accepts.
const GET_ROUTES: &[&str] = &[
    "/", "/healthz", "/terms", "/privacy", "/dashboard", "/r/praxis-muster", "/static/js/call.js",
    "/signup", "/login", "/login/code", "/account/setup", "/account", "/account/confirm",
    "/account/password", "/account/email", "/account/email/confirm", "/account/recovery-codes",
    "/verify-email", "/password/forgot", "/password/reset", "/account/unlock", "/account/lockdown",
];
const POST_ROUTES: &[&str] = &[
    "/dashboard/room", "/signup", "/login", "/login/code", "/login/passkey/start", "/login/passkey/finish",
    "/login/passkey/discover/start", "/login/passkey/discover/finish", "/logout", "/account/setup",
    "/account/sessions/end", "/account/confirm", "/account/password", "/account/email",
    "/account/recovery-codes", "/account/passkeys/register/start", "/account/passkeys/register/finish",
    "/account/passkeys/remove", "/password/check", "/password/forgot", "/password/reset",
];

/// Routes that read a form body, and so must reject one over the limit.
const FORM_ROUTES: &[&str] = &["/signup", "/login", "/password/forgot"];

#[tokio::test]
async fn every_route_survives_garbage() {
    let (app, _) = app_with_rooms().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let garbage_query = "?token=%FF%00&lang=%E2%80%AE&slug=..%2F..&id=-1&code=99999999999999999999";
    let bodies: [(&str, Vec<u8>); 4] = [
        ("application/x-www-form-urlencoded", b"email=%FF&password=&password=&code=\xff&slug=%00".to_vec()),
        ("application/x-www-form-urlencoded", "a=".repeat(3_000).into_bytes()),
        ("application/json", br#"{"id":null,"response":{"x":[1e999,-0,"\ud800"]},"name":{}}"#.to_vec()),
        ("application/octet-stream", (0..4_096u32).map(|n| (n * 7919 % 256) as u8).collect()),
    ];

    for path in GET_ROUTES {
        let response = client.get(app.url(&format!("{path}{garbage_query}"))).send().await.unwrap();
        assert!(response.status().as_u16() < 500, "GET {path} with a garbage query: {}", response.status());
    }
    for path in POST_ROUTES {
        for (content_type, body) in &bodies {
            let response = client
                .post(app.url(path))
                .header("origin", &app.origin)
                .header("content-type", *content_type)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            assert!(status < 500, "POST {path} with a garbage {content_type} body: {status}");
        }
        // A body over the 16 KiB limit gets 413, or a reset while it is still
        // being sent. Routes that read no body ignore it.
        let oversized = client
            .post(app.url(path))
            .header("origin", &app.origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(vec![b'a'; 2 * 1024 * 1024])
            .send()
            .await;
        if let Ok(response) = oversized {
            let status = response.status().as_u16();
            assert!(status < 500, "POST {path} with a 2 MiB body: {status}");
            if FORM_ROUTES.contains(path) {
                assert_eq!(status, 413, "POST {path} with a 2 MiB form");
            }
        }
    }

    assert_still_serving(&app, "garbage at every route").await;
}
