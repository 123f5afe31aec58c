//! Start and stop one server process.

mod admin_listener;
mod limits;
mod listener;
mod tls;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{LogFormat, Settings};
use crate::core::room::Limits;
use crate::http::{AppState, ClientIpHasher, router, spawn_upkeep};
use crate::backup::DataDirLock;
use crate::hub::Hub;
use crate::mail::{MailSettings, Mailer};
use crate::store::Store;
use crate::tickets::TicketKey;
use admin_listener::AdminListener;
use limits::ConnectionLimits;
use listener::{Acceptor, Phase};
use tls::CertificateStore;

/// How long open connections get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VISITE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// A server bound to its port, ready to serve.
pub struct Server {
    listener: TcpListener,
    /// The listener for metrics and probes, when `admin_listen` is set.
    admin_listener: Option<TcpListener>,
    app: crate::http::App,
    /// `None` serves plain HTTP.
    certificates: Option<Arc<CertificateStore>>,
    /// Held while the server runs, so that a restore waits for it to stop.
    _lock: DataDirLock,
}

impl Server {
    pub async fn bind(settings: Settings) -> anyhow::Result<Self> {
        settings.turn.require_secret()?;
        // Read the certificate before anything else, so that a wrong path fails the start at once.
        let certificates = settings.tls.clone().map(CertificateStore::load).transpose()?;
        let lock = DataDirLock::acquire(&settings.data_dir)?;
        let store = Store::connect(settings.database_url.as_ref(), &settings.data_dir).await?;
        // Only the database name, because log lines carry no IP addresses.
        match &settings.database_url {
            Some(url) => tracing::info!(backend = ?url.backend(), database = url.database_name(), "database opened"),
            None => tracing::info!(database = %settings.data_dir.join(crate::store::DATABASE_FILE).display(), "database opened"),
        }
        // Build the password blocklist now rather than in the first signup.
        tokio::task::spawn_blocking(crate::accounts::password_policy::preload).await?;
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}: is another server running there?", settings.listen))?;
        let bound = listener.local_addr()?;
        let admin_listener = match settings.admin_listen {
            Some(address) => {
                if !address.ip().is_loopback() {
                    // NOTE: the admin listener has no authentication, header timeout or connection cap.
                    tracing::warn!(
                        "the admin listener serves /metrics without a token on a non-loopback address: \
                         make sure only your monitoring network can reach it"
                    );
                }
                Some(admin_listener::bind(address).await?)
            }
            None => None,
        };
        // Install the metrics recorder before anything counts.
        crate::metrics::handle();

        let limits = Limits {
            max_waiting: settings.max_waiting_patients,
            max_waiting_per_client: settings.max_waiting_per_client,
            rejoin_grace_ms: settings.rejoin_grace_seconds * 1000,
        };
        let mail_settings = MailSettings { smtp_url: settings.smtp_url.clone(), from: settings.mail_from.clone() };
        let mailer = Mailer::new(&mail_settings, &settings.data_dir)?;
        let tickets = TicketKey::new(store.server_key("tickets", random_key()).await?);
        let (bus, subscription) = match &settings.bus_url {
            Some(url) => {
                // Servers that share a database share this name, and so find each other.
                let namespace = store.server_key(BUS_NAMESPACE_KEY, random_key()).await?;
                let namespace: String = namespace.iter().take(8).map(|byte| format!("{byte:02x}")).collect();
                let (bus, subscription) = crate::bus::Bus::connect(url, settings.bus_ca.as_deref(), &namespace).await?;
                (Some(bus), Some(subscription))
            }
            None => {
                // A server without the bus on a database that servers with one
                // use would hold its rooms apart from theirs, unseen by anyone.
                if store.has_server_key(BUS_NAMESPACE_KEY).await? {
                    tracing::warn!(
                        "servers with a message bus use this database, but this one has none: its patients and \
                         providers cannot meet those of the others; start every server with the same bus_url"
                    );
                }
                (None, None)
            }
        };
        let hub = Hub::new(limits, settings.ice_servers.clone(), settings.turn.clone(), store.clone(), tickets, bus);
        if let Some(subscription) = subscription {
            hub.listen(subscription);
        }
        let webauthn = relying_party(&settings.link_origin(bound))?;
        let client_ip_hasher = match settings.log_client_ip_hashes {
            true => Some(ClientIpHasher::new(store.server_key("log-client-ip", random_key()).await?)),
            false => None,
        };
        let legal = crate::legal::LegalTexts::load(settings.legal_dir.as_deref())?;
        let app = AppState::new(store, mailer, hub, settings, bound, webauthn, client_ip_hasher, legal);
        Ok(Self { listener, admin_listener, app, certificates, _lock: lock })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn link_origin(&self) -> &str {
        &self.app.link_origin
    }

    /// Returns the address of the admin listener, if `admin_listen` is set.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin_listener.as_ref().and_then(|listener| listener.local_addr().ok())
    }

    /// Returns the server's database handle. Tests close it to see `/readyz` fail.
    pub fn store(&self) -> Store {
        self.app.store.clone()
    }

    /// Serve until `shutdown` completes, then close every connection.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        spawn_upkeep(self.app.clone());
        let admin = self.admin_listener.map(|listener| AdminListener::spawn(listener, self.app.clone()));
        let hub = self.app.hub.clone();
        let store = self.app.store.clone();
        let settings = &self.app.settings;
        let limits = ConnectionLimits::new(settings);
        limits::check_open_file_limit(settings.max_connections);
        let (phase_tx, phase) = watch::channel(Phase::Serving);
        let tls = match self.certificates {
            Some(certificates) => {
                let acceptor = certificates.acceptor()?;
                certificates.reload_on_hangup()?;
                Some(acceptor)
            }
            None => {
                ignore_hangups()?;
                None
            }
        };
        let acceptor = Acceptor {
            listener: self.listener,
            header_read_timeout: Duration::from_secs(settings.header_read_timeout_seconds),
            limits: limits.clone(),
            phase,
            router: router(self.app),
            tls,
        };

        acceptor.run(shutdown).await;
        tracing::info!(open = limits.open(), "shutting down");
        if let Some(admin) = admin {
            admin.stop().await;
        }
        // WebSocket tasks never end by themselves: end them, so the shutdown
        // only waits for requests in flight.
        hub.shut_down();
        // Other servers take over this server's rooms from here on, once the
        // closes for browsers connected through them have gone out.
        hub.leave_bus().await;
        // The call records and ended visits of the last moments go to the
        // database before it closes.
        if tokio::time::timeout(SHUTDOWN_GRACE, hub.writes_finished()).await.is_err() {
            tracing::warn!("shutdown deadline reached before every call record was written");
        }
        let _ = phase_tx.send(Phase::Draining);
        if tokio::time::timeout(SHUTDOWN_GRACE, limits.all_closed()).await.is_err() {
            tracing::warn!(open = limits.open(), "shutdown deadline reached, closing remaining connections");
            let _ = phase_tx.send(Phase::Closing);
        }
        store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Build the WebAuthn relying party for the origin browsers use, with the
/// origin's domain as relying party id. An origin with an IP address gets none.
fn relying_party(origin: &str) -> anyhow::Result<Option<webauthn_rs::Webauthn>> {
    let Some(id) = crate::config::relying_party_id(origin) else {
        tracing::warn!(origin, "passkeys are unavailable: the public origin has an IP address, not a domain name");
        return Ok(None);
    };
    let url = url::Url::parse(origin).with_context(|| format!("public origin {origin:?} is not a URL"))?;
    let webauthn = webauthn_rs::WebauthnBuilder::new(&id, &url)
        .and_then(|builder| builder.rp_name("visite").build())
        .with_context(|| format!("cannot set up passkeys for the public origin {origin:?}"))?;
    Ok(Some(webauthn))
}

/// Logs and ignores SIGHUP, which would otherwise end the process: operators
/// send it on `systemctl reload`, which only a server with TLS files needs.
#[cfg(unix)]
fn ignore_hangups() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP ignored: there are no TLS files to reload");
        }
    });
    Ok(())
}

#[cfg(not(unix))]
fn ignore_hangups() -> anyhow::Result<()> {
    Ok(())
}

/// The server key whose first bytes name the installation's keys and
/// channels on the message bus.
const BUS_NAMESPACE_KEY: &str = "bus-namespace";

/// 32 random bytes for a new server key.
fn random_key() -> Vec<u8> {
    use rand::RngCore;
    let mut key = vec![0u8; 32];
    rand::rng().fill_bytes(&mut key);
    key
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
