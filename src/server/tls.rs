//! Built-in HTTPS: the certificate and key from PEM files, swapped in place on
//! SIGHUP so that renewed certificates apply without a restart.

use std::sync::{Arc, RwLock};

use anyhow::Context;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio_rustls::TlsAcceptor;

use crate::config::TlsFiles;

/// The certificate served to every client, replaced as a whole on reload.
/// Handshakes in progress keep the `Arc` they already hold.
#[derive(Debug)]
pub struct CertificateStore {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertificateStore {
    /// Reads the certificate chain and key, failing when they are missing,
    /// unreadable or do not belong together.
    pub fn load(files: TlsFiles) -> anyhow::Result<Arc<Self>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let current = RwLock::new(Arc::new(read_certified_key(&files, &provider)?));
        Ok(Arc::new(Self { files, provider, current }))
    }

    /// Reads the files again and serves the new certificate to new
    /// connections. On an error the previous certificate stays in use.
    pub fn reload(&self) -> anyhow::Result<()> {
        let key = read_certified_key(&self.files, &self.provider)?;
        *self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(key);
        Ok(())
    }

    /// Builds a TLS acceptor that offers HTTP/1.1 only, because the server speaks no HTTP/2.
    pub fn acceptor(self: &Arc<Self>) -> anyhow::Result<TlsAcceptor> {
        let mut config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .context("the TLS library offers no safe protocol version")?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }

    /// Reloads the certificate on every SIGHUP until the process ends.
    #[cfg(unix)]
    pub fn reload_on_hangup(self: Arc<Self>) -> anyhow::Result<()> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?;
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                match self.reload() {
                    Ok(()) => tracing::info!(cert_file = %self.files.cert_file.display(), "TLS certificate reloaded"),
                    Err(error) => tracing::error!(
                        error = %format!("{error:#}"),
                        "TLS certificate reload failed, still serving the previous certificate"
                    ),
                }
            }
        });
        Ok(())
    }

    #[cfg(not(unix))]
    pub fn reload_on_hangup(self: Arc<Self>) -> anyhow::Result<()> {
        Ok(())
    }
}

impl ResolvesServerCert for CertificateStore {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone())
    }
}

fn read_certified_key(files: &TlsFiles, provider: &CryptoProvider) -> anyhow::Result<CertifiedKey> {
    let cert_file = &files.cert_file;
    let key_file = &files.key_file;
    let chain = CertificateDer::pem_file_iter(cert_file)
        .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read TLS certificates from tls_cert_file {}", cert_file.display()))?;
    if chain.is_empty() {
        anyhow::bail!("tls_cert_file {} contains no PEM certificate", cert_file.display());
    }
    let key = PrivateKeyDer::from_pem_file(key_file)
        .with_context(|| format!("cannot read a PEM private key from tls_key_file {}", key_file.display()))?;
    CertifiedKey::from_der(chain, key, provider).with_context(|| {
        format!("the key in {} does not fit the certificate in {}", key_file.display(), cert_file.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a fresh self-signed certificate and key with the openssl command.
    fn self_signed(dir: &std::path::Path, name: &str) -> TlsFiles {
        let files = TlsFiles { cert_file: dir.join(format!("{name}.crt")), key_file: dir.join(format!("{name}.key")) };
        let status = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"])
            .args(["-subj", &format!("/CN={name}"), "-keyout"])
            .arg(&files.key_file)
            .arg("-out")
            .arg(&files.cert_file)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("the openssl command runs");
        assert!(status.success(), "openssl failed to make a certificate");
        files
    }

    #[test]
    fn mismatched_key_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let first = self_signed(dir.path(), "first");
        let second = self_signed(dir.path(), "second");
        let mixed = TlsFiles { cert_file: first.cert_file, key_file: second.key_file };
        let error = CertificateStore::load(mixed).unwrap_err();
        assert!(format!("{error:#}").contains("does not fit"), "{error:#}");
    }

    #[test]
    fn failed_reload_keeps_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let files = self_signed(dir.path(), "visite");
        let store = CertificateStore::load(files.clone()).unwrap();
        let before = store.current.read().unwrap().cert.clone();

        std::fs::write(&files.cert_file, "not a certificate").unwrap();
        let error = store.reload().unwrap_err();
        assert!(format!("{error:#}").contains("no PEM certificate"), "{error:#}");
        assert_eq!(store.current.read().unwrap().cert, before);
    }
}
