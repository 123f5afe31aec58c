//! Built-in HTTPS on the real binary: HSTS, and a certificate swapped on SIGHUP
//! while an open connection keeps working.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::helpers::spawn_app;
use crate::process::ServerProcess;

/// Writes a self-signed certificate for 127.0.0.1 and localhost, made by the
/// openssl command, to `cert.pem` and `key.pem` in `dir`.
fn write_certificate(dir: &Path, common_name: &str) -> Vec<u8> {
    let status = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"])
        .args(["-subj", &format!("/CN={common_name}")])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        // webpki rejects a CA certificate as a server certificate.
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the openssl command runs");
    assert!(status.success(), "openssl failed to make a certificate");
    std::fs::read(dir.join("cert.pem")).unwrap()
}

/// Starts the binary with a data folder in `dir` and the `cert.pem` and
/// `key.pem` in `certs`.
fn start_with_tls(dir: &Path, certs: &Path) -> ServerProcess {
    let cert_file = certs.join("cert.pem");
    let key_file = certs.join("key.pem");
    let flags = [
        "--tls-cert-file".as_ref(),
        cert_file.as_os_str(),
        "--tls-key-file".as_ref(),
        key_file.as_os_str(),
    ];
    ServerProcess::start(&dir.join("data"), &flags)
}

/// Builds a TLS client that trusts only the given PEM certificate.
fn connector_trusting(pem: &[u8]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(pem).unwrap()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn connect(connector: &TlsConnector, port: u16) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let name = ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into());
    connector.connect(name, tcp).await
}

/// Sends `GET /healthz` on a keep-alive connection and returns the response
/// head, lowercased, after reading the body.
async fn get_health(stream: &mut BufReader<TlsStream<TcpStream>>, port: u16) -> String {
    let request = format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    stream.get_mut().write_all(request.as_bytes()).await.unwrap();
    let mut head = String::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await.unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line.to_lowercase());
    }
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .expect("the response has a content-length")
        .trim()
        .parse()
        .unwrap();
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.unwrap();
    assert_eq!(body, b"ok");
    head
}

fn served_certificate(stream: &BufReader<TlsStream<TcpStream>>) -> Vec<u8> {
    let (_, connection) = stream.get_ref().get_ref();
    connection.peer_certificates().unwrap()[0].to_vec()
}

fn der_of(pem: &[u8]) -> Vec<u8> {
    CertificateDer::from_pem_slice(pem).unwrap().to_vec()
}

#[tokio::test]
async fn https_serves_hsts_and_reloads_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    let first = write_certificate(&certs, "first");
    let server = start_with_tls(dir.path(), &certs);
    assert!(server.stderr().contains(&format!("open https://localhost:{}/", server.port)), "{}", server.stderr());

    let trusts_first = connector_trusting(&first);
    let mut open = BufReader::new(connect(&trusts_first, server.port).await.unwrap());
    let head = get_health(&mut open, server.port).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("strict-transport-security: max-age=31536000\r\n"), "{head}");
    assert_eq!(served_certificate(&open), der_of(&first));

    let second = write_certificate(&certs, "second");
    server.signal("HUP");
    server.wait_for_stderr("TLS certificate reloaded").await;

    let mut renewed = BufReader::new(connect(&connector_trusting(&second), server.port).await.unwrap());
    let head = get_health(&mut renewed, server.port).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(served_certificate(&renewed), der_of(&second), "the new certificate is not served");

    // A fresh client, because a resumed TLS session skips the certificate check.
    assert!(connect(&connector_trusting(&first), server.port).await.is_err(), "the old certificate is still served");
    let head = get_health(&mut open, server.port).await;
    assert!(head.starts_with("http/1.1 200"), "the connection opened before the reload broke: {head}");
}

#[tokio::test]
async fn failed_reload_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let first = write_certificate(dir.path(), "first");
    let server = start_with_tls(dir.path(), dir.path());

    std::fs::write(dir.path().join("key.pem"), "not a key").unwrap();
    server.signal("HUP");
    server.wait_for_stderr("TLS certificate reload failed").await;

    let mut stream = BufReader::new(connect(&connector_trusting(&first), server.port).await.unwrap());
    let head = get_health(&mut stream, server.port).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
}

#[tokio::test]
async fn plain_http_sends_no_hsts() {
    let app = spawn_app().await;
    let response = app.client().get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("strict-transport-security").is_none(), "{:?}", response.headers());
}
