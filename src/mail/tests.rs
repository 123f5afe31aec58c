//! Tests against a real SMTP server: Debian's `python3-aiosmtpd`, started on
//! a free loopback port and storing what it receives in a Maildir.

use std::fs;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;

use super::*;

const PYTHON: &str = "/usr/bin/python3";
const FROM: &str = "visite <noreply@praxis.example>";
const RECIPIENT_ADDRESS: &str = "juergen.gross@praxis.example";
const LINK: &str = "https://video.praxis.example/konto/bestaetigen?token=\
    9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08&sprache=de";

/// An aiosmtpd process on a loopback port. Dropping it kills the process.
struct SmtpServer {
    child: Child,
    port: u16,
    folder: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts the server and returns once its port accepts connections.
    fn start() -> SmtpServer {
        let folder = tempfile::tempdir().expect("create a temporary folder");
        let maildir = folder.path().join("maildir");
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir_all(maildir.join(sub)).expect("create the Maildir folders");
        }
        let stderr_path = folder.path().join("aiosmtpd.stderr");
        let stderr = fs::File::create(&stderr_path).expect("create the server's stderr file");

        let port = free_loopback_port();
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {PYTHON} -m aiosmtpd: {error}"));
        let mut server = SmtpServer { child, port, folder };
        server.wait_until_ready(&stderr_path);
        server
    }

    /// Polls the port until it accepts a connection. Fails early, with the
    /// server's stderr, if the process exits.
    fn wait_until_ready(&mut self, stderr_path: &Path) {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let stderr = fs::read_to_string(stderr_path).unwrap_or_default();
                panic!(
                    "aiosmtpd exited with {status} before accepting connections \
                     (on Debian: apt-get install python3-aiosmtpd):\n{stderr}"
                );
            }
            assert!(Instant::now() < deadline, "aiosmtpd did not accept connections on port {} within 20 s", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Reads the messages that arrived, as raw files from the Maildir's `new`.
    fn received(&self) -> Vec<Vec<u8>> {
        let new = self.folder.path().join("maildir").join("new");
        files_in(&new).iter().map(|path| fs::read(path).expect("read a received message")).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Returns a loopback port that was free a moment ago. Nothing listens on it after
/// this returns, so it also serves as a closed port.
fn free_loopback_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
    listener.local_addr().expect("bound address").port()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .expect("read the folder")
        .map(|entry| entry.expect("read a folder entry").path())
        .collect();
    paths.sort();
    paths
}

fn german_email() -> Email {
    Email {
        to: format!("Jürgen Groß <{RECIPIENT_ADDRESS}>"),
        subject: "Bitte bestätigen Sie Ihre E-Mail-Adresse für die Praxis Müller".to_owned(),
        text: format!(
            "Guten Tag Herr Groß,\n\
             \n\
             bitte öffnen Sie den folgenden Link, um Ihr Konto zu bestätigen:\n\
             \n\
             {LINK}\n\
             \n\
             .\n\
             Der Link ist 24 Stunden gültig. Grüße aus Köln – Ihr visite-Team\n"
        ),
    }
}

fn smtp_settings(url: String) -> MailSettings {
    MailSettings { smtp_url: Some(url), from: FROM.to_owned() }
}

fn outbox_settings() -> MailSettings {
    MailSettings { smtp_url: None, from: FROM.to_owned() }
}

// A small RFC 5322 / MIME reader, enough to check what lettre wrote.

struct ParsedMail {
    /// Unfolded headers in file order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl ParsedMail {
    /// Splits headers from body. Line endings may be CRLF (lettre) or LF
    /// (Python's Maildir), so both become LF first.
    fn parse(raw: &[u8]) -> ParsedMail {
        let text = String::from_utf8(raw.to_vec()).expect("a mail encoded for transport is ASCII");
        let text = text.replace("\r\n", "\n");
        let (head, body) = text.split_once("\n\n").expect("a blank line after the headers");

        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                let (_, value) = headers.last_mut().expect("a continuation line after a header");
                value.push_str(line);
            } else {
                let (name, value) = line.split_once(':').expect("a header line with a colon");
                headers.push((name.to_owned(), value.trim_start().to_owned()));
            }
        }
        ParsedMail { headers, body: body.as_bytes().to_vec() }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    fn header_count(&self, name: &str) -> usize {
        self.headers.iter().filter(|(key, _)| key.eq_ignore_ascii_case(name)).count()
    }

    /// Returns a header value with its RFC 2047 encoded words decoded.
    fn decoded_header(&self, name: &str) -> String {
        let value = self.header(name).unwrap_or_else(|| panic!("header {name} is missing"));
        decode_encoded_words(value)
    }

    /// Decodes the body's Content-Transfer-Encoding and returns it with LF line endings.
    fn decoded_body(&self) -> String {
        let encoding = self.header("Content-Transfer-Encoding").unwrap_or("7bit").trim().to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(&self.body),
            "base64" => {
                let compact: Vec<u8> = self.body.iter().copied().filter(|byte| !byte.is_ascii_whitespace()).collect();
                base64::engine::general_purpose::STANDARD.decode(compact).expect("valid base64 body")
            }
            "7bit" | "8bit" => self.body.clone(),
            other => panic!("unexpected Content-Transfer-Encoding {other}"),
        };
        String::from_utf8(bytes).expect("a UTF-8 body").replace("\r\n", "\n")
    }
}

/// Decodes `=?charset?B?...?=` and `=?charset?Q?...?=` words (UTF-8 only),
/// dropping the whitespace between two adjacent encoded words.
fn decode_encoded_words(value: &str) -> String {
    let mut output = String::new();
    let mut pending_space = String::new();
    let mut previous_was_encoded = false;

    for token in value.split_inclusive([' ', '\t']) {
        let word = token.trim_end_matches([' ', '\t']);
        let trailing = &token[word.len()..];
        match decode_encoded_word(word) {
            Some(decoded) => {
                if !previous_was_encoded {
                    output.push_str(&pending_space);
                }
                output.push_str(&decoded);
                previous_was_encoded = true;
            }
            None => {
                output.push_str(&pending_space);
                output.push_str(word);
                previous_was_encoded = false;
            }
        }
        pending_space = trailing.to_owned();
    }
    output
}

fn decode_encoded_word(word: &str) -> Option<String> {
    let inner = word.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let charset = parts.next()?;
    let encoding = parts.next()?;
    let text = parts.next()?;
    assert!(charset.eq_ignore_ascii_case("utf-8"), "unexpected charset {charset} in {word}");

    let bytes = match encoding {
        "B" | "b" => base64::engine::general_purpose::STANDARD.decode(text).expect("valid base64 word"),
        "Q" | "q" => decode_quoted_printable(text.replace('_', " ").as_bytes()),
        other => panic!("unexpected encoded-word encoding {other}"),
    };
    Some(String::from_utf8(bytes).expect("UTF-8 in an encoded word"))
}

/// Decodes quoted-printable text whose line endings are LF.
fn decode_quoted_printable(input: &[u8]) -> Vec<u8> {
    let mut output = Vec::with_capacity(input.len());
    let mut index = 0;
    while index < input.len() {
        let byte = input[index];
        if byte != b'=' {
            output.push(byte);
            index += 1;
            continue;
        }
        if input.get(index + 1) == Some(&b'\n') {
            // A soft line break.
            index += 2;
            continue;
        }
        let hex = std::str::from_utf8(&input[index + 1..index + 3]).expect("ASCII hex digits");
        output.push(u8::from_str_radix(hex, 16).expect("two hex digits after ="));
        index += 3;
    }
    output
}

/// How a checked mail travelled, because SMTP changes its end.
#[derive(Clone, Copy, PartialEq)]
enum Route {
    Outbox,
    Smtp,
}

/// Checks the headers and body that every mail from [`german_email`] must have.
fn assert_german_mail(mail: &ParsedMail, route: Route) {
    let expected = german_email();
    assert_eq!(mail.decoded_header("Subject"), expected.subject);
    assert_eq!(mail.decoded_header("To"), format!("Jürgen Groß <{RECIPIENT_ADDRESS}>"));
    assert_eq!(mail.decoded_header("From"), FROM);
    assert_eq!(mail.header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(mail.header_count("Auto-Submitted"), 1);

    let content_type = mail.header("Content-Type").expect("Content-Type header").to_ascii_lowercase();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(content_type.contains("charset=utf-8"), "{content_type}");

    let message_id = mail.header("Message-ID").expect("Message-ID header");
    assert!(message_id.starts_with('<'), "{message_id}");
    assert!(message_id.ends_with("@praxis.example>"), "{message_id}");
    assert!(mail.header("Date").is_some(), "Date header is missing");

    let mut body = mail.decoded_body();
    if route == Route::Smtp {
        // lettre 0.11 ends the SMTP DATA with CRLF . CRLF even after a message
        // that already ends in CRLF, so the server stores one more empty line.
        assert_eq!(body.pop(), Some('\n'), "the empty line that SMTP adds");
    }
    assert_eq!(body, expected.text);
    assert!(body.lines().any(|line| line == LINK), "the link is not on one line of its own:\n{body}");
}

// Log capture, to check that no log line contains a recipient or content.

#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer lock")).into_owned()
    }

    /// Routes this thread's log events into the buffer until the guard drops.
    fn install(&self) -> LogCaptureGuard {
        let logs = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || logs.clone())
            .finish();
        let default = tracing::subscriber::set_default(subscriber);
        // tracing-core 0.1 caches each callsite's interest for the whole
        // process. While only one dispatcher exists, a callsite first reached
        // by another test's thread, which has no subscriber, is cached as
        // disabled and this capture misses its events. A second live
        // dispatcher makes tracing combine the interest of all live
        // dispatchers instead, and the capture subscriber wants every event.
        let anchor = tracing::Dispatch::new(tracing_subscriber::registry());
        LogCaptureGuard { _default: default, _anchor: anchor }
    }
}

struct LogCaptureGuard {
    _default: tracing::subscriber::DefaultGuard,
    _anchor: tracing::Dispatch,
}

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_no_mail_content(text: &str) {
    assert!(!text.contains(RECIPIENT_ADDRESS), "recipient address in: {text}");
    assert!(!text.contains("Groß"), "recipient name in: {text}");
    assert!(!text.contains("bestätigen"), "subject or body in: {text}");
    assert!(!text.contains("9f86d081884c7d65"), "link token in: {text}");
}

// SMTP mode

#[tokio::test]
async fn smtp_delivers_german_message() {
    let server = SmtpServer::start();
    let data_dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(&smtp_settings(server.url()), data_dir.path()).unwrap();
    assert_eq!(mailer.outbox_dir(), None);

    mailer.send(german_email()).await.unwrap();

    let received = server.received();
    assert_eq!(received.len(), 1, "messages in the Maildir");
    let mail = ParsedMail::parse(&received[0]);
    assert_german_mail(&mail, Route::Smtp);
    // aiosmtpd's Mailbox handler records the SMTP envelope in X-MailFrom and X-RcptTo.
    assert_eq!(mail.header("X-RcptTo"), Some(RECIPIENT_ADDRESS));
    assert_eq!(mail.header("X-MailFrom"), Some("noreply@praxis.example"));
    assert!(!data_dir.path().join("outbox").exists(), "SMTP mode created an outbox folder");
}

#[tokio::test]
async fn smtp_sends_consecutive_messages() {
    let server = SmtpServer::start();
    let data_dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(&smtp_settings(server.url()), data_dir.path()).unwrap();

    for number in 1..=3 {
        let email = Email { subject: format!("Neues Gerät Nr. {number}"), ..german_email() };
        mailer.clone().send(email).await.unwrap();
    }

    let mut subjects: Vec<String> =
        server.received().iter().map(|raw| ParsedMail::parse(raw).decoded_header("Subject")).collect();
    subjects.sort();
    assert_eq!(subjects, ["Neues Gerät Nr. 1", "Neues Gerät Nr. 2", "Neues Gerät Nr. 3"]);
}

#[tokio::test]
async fn smtp_logs_hide_recipient_and_content() {
    let server = SmtpServer::start();
    let data_dir = tempfile::tempdir().unwrap();
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let mailer = Mailer::new(&smtp_settings(server.url()), data_dir.path()).unwrap();

    mailer.send(german_email()).await.unwrap();

    let text = logs.text();
    assert!(text.contains("mail sent over SMTP"), "{text}");
    assert_no_mail_content(&text);
}

#[test]
fn smtp_mailer_dropped_after_runtime() {
    let server = SmtpServer::start();
    let data_dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(&smtp_settings(server.url()), data_dir.path()).unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(mailer.send(german_email())).unwrap();
    drop(runtime);
    drop(mailer);

    assert_eq!(server.received().len(), 1, "messages in the Maildir");
}

#[tokio::test]
async fn smtp_closed_port_fails_fast() {
    let port = free_loopback_port();
    let data_dir = tempfile::tempdir().unwrap();
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let mailer = Mailer::new(&smtp_settings(format!("smtp://127.0.0.1:{port}")), data_dir.path()).unwrap();

    let started = Instant::now();
    let result = tokio::time::timeout(SMTP_SEND_TIMEOUT + Duration::from_secs(5), mailer.send(german_email()))
        .await
        .expect("send returned within the SMTP timeout");
    let elapsed = started.elapsed();

    let error = format!("{:#}", result.unwrap_err());
    assert!(elapsed < SMTP_SEND_TIMEOUT, "took {elapsed:?}");
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(error.to_lowercase().contains("refused"), "{error}");
    assert_no_mail_content(&error);

    let text = logs.text();
    assert!(text.contains("sending mail over SMTP failed"), "{text}");
    assert_no_mail_content(&text);
}

#[tokio::test]
async fn smtp_silent_server_times_out() {
    // A TCP server that accepts connections and never sends the SMTP greeting.
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let timeout = Duration::from_millis(500);
    let mailer = Mailer::with_smtp_timeout(&smtp_settings(format!("smtp://127.0.0.1:{port}")), timeout).unwrap();

    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(10), mailer.send(german_email()))
        .await
        .expect("send gave up on the silent server");
    let elapsed = started.elapsed();

    let error = format!("{:#}", result.unwrap_err());
    assert!(error.contains("no reply within 0.5 seconds"), "{error}");
    assert!(elapsed >= timeout, "took {elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert_no_mail_content(&error);
    acceptor.abort();
}

// Outbox mode

#[tokio::test]
async fn outbox_writes_one_eml_file() {
    let data_dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(&outbox_settings(), data_dir.path()).unwrap();
    let outbox = data_dir.path().join("outbox");
    assert_eq!(mailer.outbox_dir(), Some(outbox.clone()));

    let before = unix_millis();
    mailer.send(german_email()).await.unwrap();
    let after = unix_millis();

    let files = files_in(&outbox);
    assert_eq!(files.len(), 1, "files in the outbox: {files:?}");
    let name = files[0].file_name().unwrap().to_str().unwrap();
    let (millis, rest) = name.split_once('-').expect("a name of the form MILLIS-RANDOM.eml");
    let random = rest.strip_suffix(".eml").expect("the .eml extension");
    assert_eq!(millis.len(), 13, "{name}");
    let millis: u128 = millis.parse().expect("milliseconds in the name");
    assert!((before..=after).contains(&millis), "{name} is not between {before} and {after}");
    assert_eq!(random.len(), 16, "{name}");
    assert!(random.chars().all(|c| c.is_ascii_hexdigit()), "{name}");

    let raw = fs::read(&files[0]).unwrap();
    assert!(raw.windows(2).any(|pair| pair == b"\r\n"), "lettre writes CRLF line endings");
    assert_german_mail(&ParsedMail::parse(&raw), Route::Outbox);
}

#[cfg(unix)]
#[tokio::test]
async fn outbox_folder_and_files_are_private() {
    use std::os::unix::fs::PermissionsExt;

    let data_dir = tempfile::tempdir().unwrap();
    let outbox = data_dir.path().join("outbox");
    fs::create_dir(&outbox).unwrap();
    fs::set_permissions(&outbox, fs::Permissions::from_mode(0o755)).unwrap();

    let mailer = Mailer::new(&outbox_settings(), data_dir.path()).unwrap();
    mailer.send(german_email()).await.unwrap();

    let folder_mode = fs::metadata(&outbox).unwrap().permissions().mode() & 0o777;
    assert_eq!(folder_mode, 0o700, "folder mode {folder_mode:o}");
    let file_mode = fs::metadata(&files_in(&outbox)[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(file_mode, 0o600, "file mode {file_mode:o}");
}

#[tokio::test]
async fn outbox_names_unique_and_ordered() {
    let data_dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(&outbox_settings(), data_dir.path()).unwrap();

    let sends = (0..20).map(|number| {
        let mailer = mailer.clone();
        let email = Email { subject: format!("Nachricht {number}"), ..german_email() };
        tokio::spawn(async move { mailer.send(email).await })
    });
    for task in sends.collect::<Vec<_>>() {
        task.await.unwrap().unwrap();
    }
    tokio::time::sleep(Duration::from_millis(2)).await;
    mailer.send(Email { subject: "Zuletzt".to_owned(), ..german_email() }).await.unwrap();

    let files = files_in(mailer.outbox_dir().as_deref().unwrap());
    assert_eq!(files.len(), 21, "every message has its own file");
    let last = ParsedMail::parse(&fs::read(files.last().unwrap()).unwrap());
    assert_eq!(last.decoded_header("Subject"), "Zuletzt", "the newest file sorts last");
}

#[tokio::test]
async fn outbox_leaves_no_temporary_files() {
    let data_dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(&outbox_settings(), data_dir.path()).unwrap();

    mailer.send(german_email()).await.unwrap();
    mailer.send(german_email()).await.unwrap();

    for path in files_in(mailer.outbox_dir().as_deref().unwrap()) {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(name.ends_with(".eml"), "unexpected file {name}");
        assert!(!name.starts_with('.'), "unexpected file {name}");
    }
}

#[tokio::test]
async fn outbox_logs_file_name_only() {
    let data_dir = tempfile::tempdir().unwrap();
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let mailer = Mailer::new(&outbox_settings(), data_dir.path()).unwrap();

    mailer.send(german_email()).await.unwrap();

    let files = files_in(mailer.outbox_dir().as_deref().unwrap());
    let name = files[0].file_name().unwrap().to_str().unwrap();
    let text = logs.text();
    assert!(text.contains(&format!("file={name}")), "{text}");
    assert_no_mail_content(&text);
}

#[tokio::test]
async fn outbox_unwritable_folder_fails() {
    let data_dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(&outbox_settings(), data_dir.path()).unwrap();
    let outbox = mailer.outbox_dir().unwrap();
    fs::remove_dir(&outbox).unwrap();

    let error = format!("{:#}", mailer.send(german_email()).await.unwrap_err());

    assert!(error.contains("cannot create"), "{error}");
    assert_no_mail_content(&error);
}

// Validation

#[test]
fn from_invalid_rejected() {
    let data_dir = tempfile::tempdir().unwrap();
    for from in [
        "",
        "noreply",
        "noreply@",
        "visite <noreply@praxis.example",
        "noreply@praxis.example, other@praxis.example",
        "noreply@praxis.example other@praxis.example",
        "visite <noreply@praxis.example>, other@praxis.example",
        "noreply@praxis.example\r\nBcc: other@praxis.example",
    ] {
        let settings = MailSettings { smtp_url: None, from: from.to_owned() };
        let error = format!("{:#}", Mailer::new(&settings, data_dir.path()).unwrap_err());
        assert!(error.contains("invalid mail sender"), "{from:?}: {error}");
        assert!(error.contains("name@example.org"), "{from:?}: {error}");
    }
}

#[test]
fn from_valid_accepted() {
    let data_dir = tempfile::tempdir().unwrap();
    let valid = ["noreply@praxis.example", "visite <noreply@praxis.example>", "Praxis Müller <noreply@praxis.example>"];
    for from in valid {
        let settings = MailSettings { smtp_url: None, from: from.to_owned() };
        assert!(Mailer::new(&settings, data_dir.path()).is_ok(), "{from:?} was rejected");
    }
}

#[tokio::test]
async fn to_invalid_rejected() {
    let data_dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(&outbox_settings(), data_dir.path()).unwrap();

    for to in [
        "",
        "juergen.gross",
        "juergen.gross@praxis.example, other@praxis.example",
        "juergen.gross@praxis.example\nBcc: other@praxis.example",
        "Jürgen <juergen.gross@praxis.example",
    ] {
        let email = Email { to: to.to_owned(), ..german_email() };
        let error = format!("{:#}", mailer.send(email).await.unwrap_err());
        assert!(error.contains("invalid mail recipient"), "{to:?}: {error}");
        if !to.is_empty() {
            assert!(!error.contains(to), "the error repeats the recipient: {error}");
        }
        assert!(!error.contains("juergen.gross"), "the error repeats the recipient: {error}");
    }
    assert!(files_in(mailer.outbox_dir().as_deref().unwrap()).is_empty(), "a rejected mail was written");
}

#[tokio::test]
async fn subject_line_break_rejected() {
    let data_dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(&outbox_settings(), data_dir.path()).unwrap();

    let email = Email { subject: "Hallo\r\nBcc: other@praxis.example".to_owned(), ..german_email() };
    let error = format!("{:#}", mailer.send(email).await.unwrap_err());

    assert!(error.contains("invalid mail subject"), "{error}");
    assert!(!error.contains("other@praxis.example"), "{error}");
}

#[test]
fn smtp_url_invalid_rejected() {
    let data_dir = tempfile::tempdir().unwrap();
    let cases = [
        ("not a url", "invalid SMTP URL"),
        ("http://127.0.0.1:25", "the scheme must be smtp or smtps"),
        ("smtp://", "the host is missing"),
        ("smtp:127.0.0.1", "the host is missing"),
        ("smtp://127.0.0.1:25?tls=require", "tls must be required or opportunistic"),
        ("smtp://127.0.0.1:25?starttls=required", "unknown query parameter"),
        ("smtps://127.0.0.1:465?tls=required", "remove the tls parameter"),
        ("smtp://127.0.0.1:25#Geheim-4711", "fragment"),
        ("smtp://praxis@127.0.0.1:25", "the user name has no password"),
        ("smtp://praxis:Geheim-4711@mail.praxis.example:25", "unencrypted"),
        ("smtp://praxis:Geheim-4711@mail.praxis.example:587?tls=opportunistic", "unencrypted"),
        ("smtp://127.0.0.1:99999", "invalid SMTP URL"),
    ];
    for (url, expected) in cases {
        let error = format!("{:#}", Mailer::new(&smtp_settings(url.to_owned()), data_dir.path()).unwrap_err());
        assert!(error.contains(expected), "{url}: {error}");
        assert!(error.contains("accepted forms: smtp://HOST:PORT"), "{url}: {error}");
        assert!(!error.contains("Geheim-4711"), "{url}: the error shows the password: {error}");
    }
}

#[test]
fn smtp_url_valid_accepted() {
    let data_dir = tempfile::tempdir().unwrap();
    for url in [
        "smtp://127.0.0.1:2525",
        "smtp://localhost",
        "smtp://127.0.0.1:2525/visite.praxis.example",
        "smtp://praxis:Geheim-4711@127.0.0.1:25",
        "smtp://praxis:Geheim-4711@127.0.0.1:587?tls=required",
        "smtp://127.0.0.1:587?tls=opportunistic",
        "smtps://praxis%40mail:Geh%2Feim@127.0.0.1:465",
        "smtps://127.0.0.1",
    ] {
        let result = Mailer::new(&smtp_settings(url.to_owned()), data_dir.path());
        assert!(result.is_ok(), "{url}: {:#}", result.unwrap_err());
    }
}

#[test]
fn debug_hides_credentials() {
    let data_dir = tempfile::tempdir().unwrap();
    let settings = smtp_settings("smtps://praxis-konto:Geheim%2F4711@127.0.0.1:465".to_owned());
    let mailer = Mailer::new(&settings, data_dir.path()).unwrap();

    for debug in [format!("{settings:?}"), format!("{mailer:?}"), format!("{mailer:#?}")] {
        assert!(!debug.contains("Geheim"), "{debug}");
        assert!(!debug.contains("praxis-konto"), "{debug}");
        assert!(debug.contains("smtps://REDACTED@127.0.0.1:465"), "{debug}");
    }
}

#[test]
fn debug_hides_invalid_url() {
    let settings = smtp_settings("smtps://praxis:Geheim 4711@".to_owned());

    let debug = format!("{settings:?}");

    assert!(!debug.contains("Geheim"), "{debug}");
    assert!(debug.contains("not shown"), "{debug}");
}

#[test]
fn debug_hides_email_content() {
    let debug = format!("{:?}", german_email());

    assert_no_mail_content(&debug);
}
