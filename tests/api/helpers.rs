//! A real server on a free loopback port with a fresh data folder, and typed
//! clients for its pages and WebSockets.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use visite::config::Settings;
use visite::server::Server;

/// Everything every test server logged, for the privacy checks.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = LogWriter(buffer.clone());
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug,sqlx=info,hyper=info,tungstenite=info,tokio_tungstenite=info")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buffer
    })
}

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub struct TestApp {
    pub address: SocketAddr,
    pub origin: String,
    pub data_dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    log_buffer();
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.path().to_path_buf(),
        ..Settings::default()
    };
    customise(&mut settings);

    let server = Server::bind(settings).await.expect("server starts");
    let address = server.local_addr();
    let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stop.await;
    }));
    TestApp {
        address,
        origin: format!("http://127.0.0.1:{}", address.port()),
        data_dir,
        shutdown: Some(shutdown),
        task: Some(task),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// A browser-like client: no automatic redirects, our own cookie jar.
    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            origin: self.origin.clone(),
            cookie: None,
        }
    }

    /// Sign up a provider and return their logged-in client.
    pub async fn provider(&self, slug: &str) -> Client {
        let mut client = self.client();
        let response = client.signup(&Signup::new(slug)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "signup of {slug} failed");
        client
    }

    /// Stop the server and wait until it has closed its database.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(20), task).await.unwrap().unwrap().unwrap();
        }
    }

    /// Every file in the data folder, with its bytes.
    pub fn data_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        let mut pending = vec![self.data_dir.path().to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let bytes = std::fs::read(&path).unwrap();
                    files.push((path, bytes));
                }
            }
        }
        files
    }
}

pub struct Signup {
    pub name: String,
    pub practice_name: String,
    pub email: String,
    pub slug: String,
    pub password: String,
}

impl Signup {
    pub fn new(slug: &str) -> Self {
        Self {
            name: "Dr. Erika Muster".into(),
            practice_name: "Praxis Muster".into(),
            email: format!("{slug}@praxis.example"),
            slug: slug.into(),
            password: "correct horse battery staple".into(),
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    origin: String,
    pub cookie: Option<String>,
}

impl Client {
    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("origin", HeaderValue::from_str(&self.origin).unwrap());
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        if let Some(cookie) = &self.cookie {
            headers.insert("cookie", HeaderValue::from_str(cookie).unwrap());
        }
        headers
    }

    fn keep_session(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap();
            if let Some(rest) = value.strip_prefix("__Host-visite-session=") {
                let token = rest.split(';').next().unwrap();
                self.cookie = (!token.is_empty()).then(|| format!("__Host-visite-session={token}"));
            }
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.origin)).headers(self.headers()).send().await.unwrap()
    }

    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        (response.status(), response.text().await.unwrap())
    }

    pub async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let response = self
            .http
            .post(format!("{}{path}", self.origin))
            .headers(self.headers())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep_session(&response);
        response
    }

    pub async fn signup(&mut self, signup: &Signup) -> reqwest::Response {
        let form = [
            ("name", signup.name.as_str()),
            ("practice_name", signup.practice_name.as_str()),
            ("email", signup.email.as_str()),
            ("slug", signup.slug.as_str()),
            ("password", signup.password.as_str()),
        ];
        self.post_form("/signup", &form).await
    }

    pub async fn login(&mut self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("/login", &[("email", email), ("password", password)]).await
    }

    /// Open the provider's socket for a room and read the queue it starts with.
    pub async fn host_socket(&self, slug: &str) -> Socket {
        let (socket, _) = self.try_socket(&format!("/r/{slug}/host"), Some(&self.origin)).await.expect("provider socket opens");
        let mut socket = Socket(socket);
        let first = socket.recv().await;
        assert_eq!(first["type"], "queue", "the provider socket did not start with the queue");
        socket
    }

    pub async fn try_socket(
        &self,
        path: &str,
        origin: Option<&str>,
    ) -> Result<(WsStream, tungstenite::handshake::client::Response), tungstenite::Error> {
        let url = format!("{}{path}", self.origin.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        if let Some(origin) = origin {
            request.headers_mut().insert("origin", HeaderValue::from_str(origin).unwrap());
        }
        if let Some(cookie) = &self.cookie {
            request.headers_mut().insert("cookie", HeaderValue::from_str(cookie).unwrap());
        }
        tokio_tungstenite::connect_async(request).await
    }
}

pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The HTTP status of a rejected WebSocket handshake.
pub fn handshake_status(result: Result<(WsStream, tungstenite::handshake::client::Response), tungstenite::Error>) -> u16 {
    match result {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("handshake failed without an HTTP status: {other}"),
        Ok(_) => 101,
    }
}

/// A test patient or provider connection speaking JSON.
pub struct Socket(pub WsStream);

/// How long a test waits for a message that must not come.
pub const QUIET: Duration = Duration::from_millis(300);

impl Socket {
    pub async fn patient(app: &TestApp, slug: &str) -> Socket {
        let (socket, _) = app.client().try_socket(&format!("/r/{slug}/ws"), Some(&app.origin)).await.expect("patient socket opens");
        Socket(socket)
    }

    pub async fn send(&mut self, message: Value) {
        self.send_text(message.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.0.send(Message::text(text)).await.unwrap();
    }

    /// The next JSON message; panics after five seconds.
    pub async fn recv(&mut self) -> Value {
        match tokio::time::timeout(Duration::from_secs(5), self.next_json()).await {
            Ok(Some(value)) => value,
            Ok(None) => panic!("socket closed while a message was expected"),
            Err(_) => panic!("no message within five seconds"),
        }
    }

    /// The next message of the given type, skipping others.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let message = self.recv().await;
            if message["type"] == kind {
                return message;
            }
        }
    }

    /// The next queue with `waiting` patients in it, skipping other messages.
    pub async fn queue_of(&mut self, waiting: usize) -> Value {
        loop {
            let queue = self.recv_type("queue").await;
            if queue["patients"].as_array().map(Vec::len) == Some(waiting) {
                return queue;
            }
        }
    }

    /// The next message if one arrives within [`QUIET`].
    pub async fn try_recv(&mut self) -> Option<Value> {
        tokio::time::timeout(QUIET, self.next_json()).await.ok().flatten()
    }

    async fn next_json(&mut self) -> Option<Value> {
        loop {
            match self.0.next().await? {
                Ok(Message::Text(text)) => return Some(serde_json::from_str(&text).unwrap()),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// Wait for the server to close the socket and return the close code.
    pub async fn closed(&mut self) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let frame = tokio::time::timeout_at(deadline, self.0.next()).await.expect("socket not closed within five seconds");
            match frame {
                Some(Ok(Message::Close(frame))) => return frame.map(|f: CloseFrame| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn check_in(&mut self, name: &str) -> String {
        self.send(json!({"type": "check_in", "name": name})).await;
        let checked_in = self.recv().await;
        assert_eq!(checked_in["type"], "checked_in", "check-in failed: {checked_in}");
        assert_eq!(self.recv().await, json!({"type": "status", "state": "waiting"}));
        checked_in["token"].as_str().unwrap().to_owned()
    }
}

/// An offer of the size a browser makes (about 5.4 KB).
pub fn offer_sdp() -> String {
    sdp_of_size(5_400)
}

pub fn sdp_of_size(bytes: usize) -> String {
    let mut sdp = String::from("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
    while sdp.len() < bytes {
        sdp.push_str("a=candidate-like-padding:0123456789abcdef0123456789abcdef\r\n");
    }
    sdp
}

pub fn candidate(n: u32) -> Value {
    json!({
        "candidate": format!("candidate:{n} 1 udp 2122260223 192.0.2.{n} 5{n:04} typ host generation 0"),
        "sdpMid": "0",
        "sdpMLineIndex": 0,
        "usernameFragment": "abcd"
    })
}
