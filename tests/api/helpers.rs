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
use visite::store::Store;
use visite::store::scratch::ScratchDatabase;

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
            .with_env_filter("debug,sqlx=info,hyper=info,hyper_util=info,reqwest=info,tungstenite=info,tokio_tungstenite=info")
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

/// Runs `$body` with `$pool` connected to the app's database, a `PgPool` or
/// a `SqlitePool`, and closes the pool afterwards.
macro_rules! with_database {
    ($app:expr, |$pool:ident| $body:expr) => {
        match $app.postgres.as_ref() {
            Some(database) => {
                let $pool = sqlx::PgPool::connect(database.url().expose()).await.unwrap();
                let result = $body;
                $pool.close().await;
                result
            }
            None => {
                let path = $app.data_dir.path().join(visite::store::DATABASE_FILE);
                let $pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
                let result = $body;
                $pool.close().await;
                result
            }
        }
    };
}

pub struct TestApp {
    pub address: SocketAddr,
    /// The admin listener's address, when the settings set `admin_listen`.
    pub admin_address: Option<SocketAddr>,
    pub origin: String,
    pub data_dir: tempfile::TempDir,
    settings: Settings,
    /// The running server's database handle.
    store: visite::store::Store,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// The app's own PostgreSQL database, dropped with the app; `None` on SQLite.
    postgres: Option<ScratchDatabase>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(None, customise).await
}

/// Starts a server on a fresh PostgreSQL database of its own. It fails
/// when PostgreSQL is unreachable, so that no run passes without it.
pub async fn spawn_app_on_postgres() -> TestApp {
    spawn_app_on_postgres_with(|_| {}).await
}

pub async fn spawn_app_on_postgres_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    let database = ScratchDatabase::create().await.expect("PostgreSQL for the integration tests");
    spawn_app_on(Some(database), customise).await
}

async fn spawn_app_on(postgres: Option<ScratchDatabase>, customise: impl FnOnce(&mut Settings)) -> TestApp {
    log_buffer();
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.path().to_path_buf(),
        database_url: postgres.as_ref().map(|database| database.url().clone()),
        ..Settings::default()
    };
    customise(&mut settings);

    let started = start_server(settings.clone()).await;
    settings.listen = started.address;
    settings.admin_listen = started.admin_address;
    TestApp {
        address: started.address,
        admin_address: started.admin_address,
        origin: format!("http://127.0.0.1:{}", started.address.port()),
        data_dir,
        settings,
        store: started.store,
        shutdown: Some(started.shutdown),
        task: Some(started.task),
        postgres,
    }
}

type ServerTask = tokio::task::JoinHandle<anyhow::Result<()>>;

struct StartedServer {
    address: SocketAddr,
    admin_address: Option<SocketAddr>,
    store: visite::store::Store,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: ServerTask,
}

async fn start_server(settings: Settings) -> StartedServer {
    let server = Server::bind(settings).await.expect("server starts");
    let address = server.local_addr();
    let admin_address = server.admin_addr();
    let store = server.store();
    let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async move {
        let _ = stop.await;
    }));
    StartedServer { address, admin_address, store, shutdown, task }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// A browser-like client: no automatic redirects, our own cookie jar.
    pub fn client(&self) -> Client {
        Client::new(&self.origin)
    }

    /// Sign up a provider, verify the email, enrol an authenticator app and
    /// return their fully logged-in client.
    pub async fn provider(&self, slug: &str) -> Client {
        self.provider_from(Signup::new(slug)).await
    }

    pub async fn provider_from(&self, signup: Signup) -> Client {
        sign_up_provider(Client::new(&self.origin), self.data_dir.path(), signup).await
    }

    /// The mails written to the outbox, oldest first, as (recipient, subject, body).
    pub fn mails(&self) -> Vec<Mail> {
        mails_in(self.data_dir.path())
    }

    /// Set the failure counters matching `pattern` (SQL LIKE) to `failures`,
    /// the last one now, so a test sees a long delay without racing the clock.
    pub async fn hold_counters(&self, pattern: &str, failures: i64) {
        with_database!(self, |pool| {
            sqlx::query("UPDATE login_failures SET failures = $1, last_failure_at = $2 WHERE subject LIKE $3")
                .bind(failures)
                .bind(now_seconds() as i64)
                .bind(pattern)
                .execute(&pool)
                .await
                .unwrap();
        });
    }

    /// The nonzero failure counters matching `pattern` (SQL LIKE), as (rows, highest count).
    pub async fn counters(&self, pattern: &str) -> (i64, i64) {
        let row: (i64, Option<i64>) = with_database!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*), MAX(failures) FROM login_failures WHERE subject LIKE $1 AND failures > 0")
                .bind(pattern)
                .fetch_one(&pool)
                .await
                .unwrap()
        });
        (row.0, row.1.unwrap_or(0))
    }

    /// Opens the app's database, SQLite or PostgreSQL, next to the running server.
    pub async fn store(&self) -> Store {
        Store::connect(self.settings.database_url.as_ref(), self.data_dir.path()).await.unwrap()
    }

    pub fn database_url(&self) -> Option<&visite::store::DatabaseUrl> {
        self.settings.database_url.as_ref()
    }

    /// The mails once there are at least `count`, waiting up to five seconds,
    /// because the server sends mail in the background.
    pub async fn wait_for_mails(&self, count: usize) -> Vec<Mail> {
        for _ in 0..100 {
            let mails = self.mails();
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} mails, found {}", self.mails().len());
    }

    /// Returns the newest mail once there are more than `before`, waiting up
    /// to five seconds, for a notice that an action sends in the background.
    pub async fn mail_after(&self, before: usize) -> Mail {
        self.wait_for_mails(before + 1).await.pop().expect("wait_for_mails returns at least one mail")
    }

    /// Returns the newest mail to `to` whose body contains `text`, waiting up
    /// to five seconds for it, because the server sends mail in the background.
    pub async fn wait_for_mail(&self, to: &str, text: &str) -> Option<Mail> {
        for _ in 0..100 {
            let found = self.mails().into_iter().rev().find(|mail| mail.to.contains(to) && mail.body.contains(text));
            if found.is_some() {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// Returns the newest link with this path in a mail to `to`, waiting up to five seconds for it.
    pub async fn mail_link(&self, to: &str, path: &str) -> String {
        mail_link_in(self.data_dir.path(), to, path).await
    }

    /// Sends `count` logins with a wrong password for `email` at once, the
    /// n-th with `X-Forwarded-For: forwarded_for(n)`, and returns how many the
    /// server checked (401) rather than held back by its throttle.
    pub async fn parallel_wrong_logins(&self, email: &str, count: usize, forwarded_for: impl Fn(usize) -> String) -> usize {
        let mut tasks = Vec::new();
        for n in 0..count {
            let request = reqwest::Client::new()
                .post(self.url("/login"))
                .header("origin", &self.origin)
                .header("x-forwarded-for", forwarded_for(n))
                .form(&[("email", email), ("password", "wrong password here")]);
            tasks.push(tokio::spawn(async move { request.send().await.unwrap().status() }));
        }

        let mut checked = 0;
        for task in tasks {
            if task.await.unwrap() == StatusCode::UNAUTHORIZED {
                checked += 1;
            }
        }
        checked
    }

    /// Closes the running server's database pool, as a lost database would
    /// leave it, while the server keeps serving.
    pub async fn close_database(&self) {
        self.store.close().await;
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

    /// Shut the server down gracefully and start a new one on the same
    /// address and data folder, as an operator's restart does.
    pub async fn restart(&mut self) {
        self.stop().await;
        let started = start_server(self.settings.clone()).await;
        self.store = started.store;
        self.shutdown = Some(started.shutdown);
        self.task = Some(started.task);
    }

    /// Returns the calls recorded for a room, newest first, read from the database.
    pub async fn calls_of(&self, slug: &str) -> Vec<visite::store::CallRecord> {
        let store = self.store().await;
        let provider = store.provider_by_slug(slug).await.unwrap().expect("the room exists");
        let calls = store.recent_calls(provider.id, 100).await.unwrap();
        store.close().await;
        calls
    }

    /// Waits up to five seconds for `count` recorded calls, since the server
    /// records them in the background, and returns them.
    pub async fn wait_for_calls(&self, slug: &str, count: usize) -> Vec<visite::store::CallRecord> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let calls = self.calls_of(slug).await;
            if calls.len() >= count || tokio::time::Instant::now() > deadline {
                return calls;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
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

/// Signs up a provider at the server `client` talks to, whose data folder
/// is `data_dir`: verifies the email, enrols an authenticator app and
/// returns the fully logged-in client.
pub async fn sign_up_provider(mut client: Client, data_dir: &std::path::Path, signup: Signup) -> Client {
    let slug = signup.slug.clone();
    let response = client.signup(&signup).await;
    assert_eq!(response.status(), StatusCode::OK, "signup of {slug} failed");

    let link = mail_link_in(data_dir, &signup.email, "/verify-email").await;
    client.follow_link(&link).await;

    let response = client.login(&signup.email, &signup.password).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "first login of {slug} failed");
    assert_eq!(response.headers()["location"], "/account/setup");
    client.enrol_totp().await;

    // Mail goes out in the background: wait for the enrolment notice, so
    // that tests counting mails start from a settled outbox.
    for _ in 0..100 {
        if mails_in(data_dir).iter().filter(|mail| mail.to.contains(&signup.email)).count() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client
}

/// Returns the mails in the outbox of the data folder `data_dir`, oldest first.
pub fn mails_in(data_dir: &std::path::Path) -> Vec<Mail> {
    let outbox = data_dir.join("outbox");
    let Ok(entries) = std::fs::read_dir(&outbox) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "eml")).collect();
    paths.sort();
    paths.iter().map(|path| Mail::parse(&std::fs::read_to_string(path).unwrap())).collect()
}

/// Returns the newest link with this path in a mail to `to` in the outbox
/// of `data_dir`, waiting up to five seconds for it.
pub async fn mail_link_in(data_dir: &std::path::Path, to: &str, path: &str) -> String {
    for _ in 0..100 {
        let link = mails_in(data_dir).iter().rev().filter(|mail| mail.to.contains(to)).find_map(|mail| mail.link(path));
        if let Some(link) = link {
            return link;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {to} with a {path} link");
}

/// One mail from the outbox, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Decode one raw RFC 5322 message.
pub fn parse_mail(raw: &str) -> Mail {
    Mail::parse(raw)
}

impl Mail {
    fn parse(raw: &str) -> Mail {
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
        let header = |name: &str| -> String {
            let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
            unfolded
                .lines()
                .find_map(|line| {
                    let (key, value) = line.split_once(':')?;
                    key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
                })
                .unwrap_or_default()
        };
        let encoding = header("Content-Transfer-Encoding").to_ascii_lowercase();
        let body = match encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(body),
            "base64" => {
                use base64::Engine;
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(compact).unwrap()).unwrap()
            }
            _ => body.to_owned(),
        };
        Mail { to: header("To"), subject: header("Subject"), body: body.replace("\r\n", "\n") }
    }

    /// The first link in the body whose path is `path`.
    pub fn link(&self, path: &str) -> Option<String> {
        self.body
            .split_whitespace()
            .find(|word| word.starts_with("http") && word.contains(&format!("{path}?token=")))
            .map(str::to_owned)
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
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
    /// Other cookies than the session, such as the link and device cookies.
    cookies: Vec<(String, String)>,
    /// The session cookie as a `Cookie` header value.
    pub cookie: Option<String>,
    /// The enrolled TOTP secret, for later logins.
    pub totp_secret: Option<Vec<u8>>,
}

impl Client {
    /// Creates a browser-like client for the server at `origin`, with no
    /// automatic redirects and its own cookie jar.
    pub fn new(origin: &str) -> Self {
        Self {
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            origin: origin.to_owned(),
            cookies: Vec::new(),
            cookie: None,
            totp_secret: None,
        }
    }

    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("origin", HeaderValue::from_str(&self.origin).unwrap());
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        if let Some(value) = self.cookie_header() {
            headers.insert("cookie", HeaderValue::from_str(&value).unwrap());
        }
        headers
    }

    fn cookie_header(&self) -> Option<String> {
        let mut parts: Vec<String> = self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect();
        if let Some(session) = &self.cookie {
            parts.push(session.clone());
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, token) = pair.split_once('=').unwrap();
            let removed = token.is_empty() || value.contains("Max-Age=0");
            if name == "__Host-visite-session" {
                self.cookie = (!removed).then(|| format!("{name}={token}"));
            } else {
                self.cookies.retain(|(existing, _)| existing != name);
                if !removed {
                    self.cookies.push((name.to_owned(), token.to_owned()));
                }
            }
        }
    }

    /// Open a link from a mail as a browser would: the token moves into a
    /// cookie, then the token-free page loads. Returns that page.
    pub async fn follow_link(&mut self, link: &str) -> (StatusCode, String) {
        let path = link.strip_prefix(&self.origin).map(str::to_owned).unwrap_or_else(|| {
            let after_scheme = link.split_once("://").unwrap().1;
            after_scheme[after_scheme.find('/').unwrap()..].to_owned()
        });
        let mut response = self.get(&path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "link {path} did not redirect");
        for _ in 0..3 {
            if response.status() != StatusCode::SEE_OTHER {
                break;
            }
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            assert!(!location.contains("token"), "the token stayed in the URL");
            self.keep_cookies(&response);
            response = self.get(&location).await;
        }
        self.keep_cookies(&response);
        (response.status(), response.text().await.unwrap())
    }

    /// Enrol an authenticator app on the setup page and store its secret.
    pub async fn enrol_totp(&mut self) {
        let (status, page) = self.get_text("/account/setup").await;
        assert_eq!(status, StatusCode::OK, "setup page missing");
        let secret = page.split("id=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().replace(' ', "");
        let secret = base32_decode(&secret);
        let now = now_seconds();
        let code = visite::accounts::totp::code_at(&secret, now);
        let response = self.post_form("/account/setup", &[("code", &code)]).await;
        assert_eq!(response.status(), StatusCode::OK, "enrolment failed");
        LAST_STEP.with(|last| *last.borrow_mut() = now / 30);
        self.totp_secret = Some(secret);
    }

    /// Log in with password and the current TOTP code.
    pub async fn login_with_code(&mut self, email: &str, password: &str) -> reqwest::Response {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "password step failed");
        assert_eq!(response.headers()["location"], "/login/code");
        let secret = self.totp_secret.clone().expect("no TOTP secret enrolled");
        // A code is accepted once per 30-second step, and the server accepts the
        // next step's code too (clock skew): use that before waiting.
        let used = LAST_STEP.with(|last| *last.borrow());
        let mut current = now_seconds() / 30;
        if used > current {
            tokio::time::sleep(Duration::from_secs((used - current) * 30)).await;
            current = now_seconds() / 30;
        }
        let step = current.max(used + 1);
        LAST_STEP.with(|last| *last.borrow_mut() = step);
        let code = visite::accounts::totp::code_at(&secret, step * 30);
        self.post_form("/login/code", &[("code", &code)]).await
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
        self.keep_cookies(&response);
        response
    }

    /// Post JSON as a page script does, keeping the cookies of the response.
    pub async fn post_json(&mut self, path: &str, body: &Value) -> reqwest::Response {
        let response = self
            .http
            .post(format!("{}{path}", self.origin))
            .headers(self.headers())
            .json(body)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
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
        if let Some(value) = self.cookie_header() {
            request.headers_mut().insert("cookie", HeaderValue::from_str(&value).unwrap());
        }
        tokio_tungstenite::connect_async(request).await
    }
}

thread_local! {
    static LAST_STEP: std::cell::RefCell<u64> = const { std::cell::RefCell::new(0) };
}

pub fn now_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

pub fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.chars() {
        let value = ALPHABET.find(c).expect("base32 character") as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
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

    /// The next message if one is already waiting, without blocking.
    pub async fn try_recv_now(&mut self) -> Option<Value> {
        tokio::time::timeout(Duration::from_millis(1), self.next_json()).await.ok().flatten()
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
        let ticket = self.recv().await;
        assert_eq!(ticket["type"], "ticket", "check-in failed: {ticket}");
        assert_eq!(self.recv().await, json!({"type": "status", "state": "waiting"}));
        ticket["token"].as_str().unwrap().to_owned()
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
