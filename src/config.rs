//! Settings: built-in defaults, then an optional TOML file, then environment
//! variables and command-line flags, which win.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::core::protocol::IceServer;
use crate::turn::{ForceRelay, Secret, TurnSettings};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_MAIL_FROM: &str = "visite <noreply@localhost>";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Kind of second factor that providers may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SecondFactor {
    /// An authenticator app (TOTP) or a passkey.
    #[default]
    Any,
    /// Passkeys only; recovery codes still work, authenticator-app codes do not.
    Passkey,
}

/// Values given on the command line or in the environment; `None` falls
/// through to the file and then to the defaults.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Overrides {
    /// TOML settings file.
    #[arg(long, env = "VISITE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "VISITE_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Folder for the SQLite database, the mail outbox, backups and the lock file [default: ./data].
    #[arg(long, env = "VISITE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database: sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE
    /// [default: DATA_DIR/visite.db]. An explicit SQLite file must exist
    /// unless the URL ends in ?mode=rwc; a PostgreSQL database must exist.
    #[arg(long, env = "VISITE_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Origin that browsers use to reach visite, such as https://video.praxis.example
    /// [default: http://localhost:PORT, for development on this machine only].
    #[arg(long, env = "VISITE_PUBLIC_ORIGIN", value_name = "URL")]
    pub public_origin: Option<String>,
    /// Log line format.
    #[arg(long, env = "VISITE_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
    /// SMTP server for outgoing mail, such as smtps://user:password@mail.example:465
    /// [default: none; mails are written to DATA_DIR/outbox/].
    #[arg(long, env = "VISITE_SMTP_URL", value_name = "URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender address of outgoing mail [default: visite <noreply@localhost>].
    #[arg(long, env = "VISITE_MAIL_FROM", value_name = "MAILBOX")]
    pub mail_from: Option<String>,
    /// Second factors providers may use: any (authenticator app or passkey) or passkey [default: any].
    #[arg(long, env = "VISITE_SECOND_FACTOR", value_name = "KIND")]
    pub second_factor: Option<SecondFactor>,
    /// File with the TURN shared secret, coturn's static-auth-secret [default: [turn] secret_file].
    #[arg(long, env = "VISITE_TURN_SECRET_FILE", value_name = "FILE")]
    pub turn_secret_file: Option<PathBuf>,
    /// The TURN shared secret itself. Prefer the environment variable or
    /// --turn-secret-file, because other users of the machine can read command lines.
    #[arg(long, env = "VISITE_TURN_SECRET", value_name = "SECRET", hide_env_values = true)]
    pub turn_secret: Option<Secret>,
    /// PEM file with the TLS certificate chain; with --tls-key-file, visite serves HTTPS itself
    /// [default: none, plain HTTP for a reverse proxy in front].
    #[arg(long, env = "VISITE_TLS_CERT_FILE", value_name = "FILE")]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM file with the TLS private key that belongs to --tls-cert-file.
    #[arg(long, env = "VISITE_TLS_KEY_FILE", value_name = "FILE")]
    pub tls_key_file: Option<PathBuf>,
    /// Address and port of a second listener for /metrics, /healthz and
    /// /readyz, without authentication, such as 127.0.0.1:9090 [default: none].
    #[arg(long, env = "VISITE_ADMIN_LISTEN", value_name = "ADDR")]
    pub admin_listen: Option<SocketAddr>,
    /// File with a bearer token that unlocks /metrics on the main listener [default: none, /metrics there is 404].
    #[arg(long, env = "VISITE_METRICS_TOKEN_FILE", value_name = "FILE")]
    pub metrics_token_file: Option<PathBuf>,
    /// Message bus that connects several visite servers, such as redis://127.0.0.1:6379,
    /// or rediss:// for TLS [default: empty, one server on its own].
    #[arg(long, env = "VISITE_BUS_URL", value_name = "URL", hide_env_values = true)]
    pub bus_url: Option<String>,
    /// PEM file with the certificate authorities that a rediss:// bus URL is checked
    /// against [default: the system's trusted authorities].
    #[arg(long, env = "VISITE_BUS_CA_FILE", value_name = "FILE")]
    pub bus_ca_file: Option<PathBuf>,
}

/// The settings file. Unknown keys are an error, so a typo cannot silently
/// leave a default in place.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    public_origin: Option<String>,
    log_format: Option<LogFormat>,
    smtp_url: Option<String>,
    bus_url: Option<String>,
    bus_ca_file: Option<PathBuf>,
    mail_from: Option<String>,
    second_factor: Option<SecondFactor>,
    #[serde(default)]
    ice_servers: Vec<IceServer>,
    max_waiting_patients: Option<usize>,
    max_waiting_per_client: Option<usize>,
    check_ins_per_minute: Option<u32>,
    rejoin_grace_seconds: Option<u64>,
    backup_keep: Option<usize>,
    max_connections: Option<usize>,
    max_connections_per_client: Option<usize>,
    header_read_timeout_seconds: Option<u64>,
    ws_messages_per_second: Option<u32>,
    ws_message_burst: Option<u32>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    tls_cert_file: Option<PathBuf>,
    tls_key_file: Option<PathBuf>,
    log_client_ip_hashes: Option<bool>,
    call_retention_days: Option<u32>,
    security_log_retention_days: Option<u32>,
    outbox_retention_days: Option<u32>,
    legal_dir: Option<PathBuf>,
    security_contact: Option<String>,
    security_policy_url: Option<String>,
    admin_listen: Option<SocketAddr>,
    metrics_token_file: Option<PathBuf>,
    turn: Option<TurnFile>,
}

/// The `[turn]` table of the settings file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TurnFile {
    #[serde(default)]
    urls: Vec<String>,
    secret_file: Option<PathBuf>,
    secret: Option<Secret>,
    credential_ttl_seconds: Option<u64>,
    realm: Option<String>,
    force_relay: Option<ForceRelay>,
}

/// Validated settings for one server process.
/// `Debug` is written by hand because `smtp_url` may carry a password.
#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `None` means the SQLite file `visite.db` in `data_dir`, created on first start.
    pub database_url: Option<crate::store::DatabaseUrl>,
    /// `None` means development on this machine: the origin follows the
    /// bound port on `localhost` and `127.0.0.1`.
    pub public_origin: Option<String>,
    pub log_format: LogFormat,
    /// `None` writes mails to the outbox folder instead of sending them.
    pub smtp_url: Option<String>,
    /// Redis that connects several servers; `None` for one server on its own.
    pub bus_url: Option<String>,
    /// Certificate authorities, in PEM, for a `rediss://` bus; `None` trusts
    /// the system's.
    pub bus_ca: Option<Vec<u8>>,
    pub mail_from: String,
    pub second_factor: SecondFactor,
    pub ice_servers: Vec<IceServer>,
    pub max_waiting_patients: usize,
    /// Patients that may wait in one room from one client network at once.
    pub max_waiting_per_client: usize,
    /// Check-ins allowed per client IP address and minute.
    pub check_ins_per_minute: u32,
    pub rejoin_grace_seconds: u64,
    /// Daily backups kept in `<data-dir>/backups/`; 0 turns the daily backup off.
    pub backup_keep: usize,
    /// Open TCP connections allowed at once, WebSockets included.
    pub max_connections: usize,
    /// Open TCP connections allowed at once from one IPv4 address or one
    /// IPv6 /64 network. Trusted proxies are exempt.
    pub max_connections_per_client: usize,
    /// Seconds a client gets to send a request's headers, counted from the
    /// connection's start or the end of the previous response, so this also
    /// closes idle keep-alive connections.
    pub header_read_timeout_seconds: u64,
    /// WebSocket frames one connection may send per second, sustained.
    pub ws_messages_per_second: u32,
    /// WebSocket frames one connection may send at once above the sustained
    /// rate, such as the ICE candidates a browser sends when a call starts.
    pub ws_message_burst: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Vec<crate::http::IpNetwork>,
    /// Certificate and key files for built-in HTTPS; `None` serves plain HTTP.
    pub tls: Option<TlsFiles>,
    /// Whether request log lines carry a keyed hash of the client IP address.
    /// The address itself is never logged.
    pub log_client_ip_hashes: bool,
    /// Days after a call's start when its record (provider, start, duration) is deleted.
    pub call_retention_days: u32,
    /// Days after which an entry of the providers' security log is deleted.
    pub security_log_retention_days: u32,
    /// Days after which a mail in the outbox folder is deleted.
    pub outbox_retention_days: u32,
    /// Folder with the operator's terms of use and privacy notice, which
    /// replace the built-in texts; see [`crate::legal`] for the file names.
    pub legal_dir: Option<PathBuf>,
    /// `mailto:` or `https:` URL for reports of security problems; without
    /// it `/.well-known/security.txt` returns 404.
    pub security_contact: Option<String>,
    /// `https:` URL of the operator's disclosure policy, for security.txt.
    pub security_policy_url: Option<String>,
    /// Second listener for /metrics, /healthz and /readyz, without
    /// authentication; `None` opens no second listener.
    pub admin_listen: Option<SocketAddr>,
    /// Bearer token for /metrics on the main listener, read from
    /// `metrics_token_file`; `None` makes /metrics there return 404.
    pub metrics_token: Option<Secret>,
    pub turn: TurnSettings,
}

/// PEM files for built-in HTTPS, read at start and again on SIGHUP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.parse().expect("valid default address"),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            database_url: None,
            public_origin: None,
            log_format: LogFormat::Text,
            smtp_url: None,
            bus_url: None,
            bus_ca: None,
            mail_from: DEFAULT_MAIL_FROM.to_owned(),
            second_factor: SecondFactor::Any,
            ice_servers: Vec::new(),
            max_waiting_patients: 50,
            max_waiting_per_client: 5,
            check_ins_per_minute: 10,
            rejoin_grace_seconds: 120,
            backup_keep: crate::backup::DEFAULT_KEEP,
            max_connections: 4096,
            max_connections_per_client: 64,
            header_read_timeout_seconds: 10,
            ws_messages_per_second: 20,
            ws_message_burst: 100,
            trusted_proxies: Vec::new(),
            tls: None,
            log_client_ip_hashes: false,
            call_retention_days: MAX_CALL_RETENTION_DAYS,
            security_log_retention_days: MAX_SECURITY_LOG_RETENTION_DAYS,
            outbox_retention_days: DEFAULT_OUTBOX_RETENTION_DAYS,
            legal_dir: None,
            security_contact: None,
            security_policy_url: None,
            admin_listen: None,
            metrics_token: None,
            turn: TurnSettings::default(),
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url)
            .field("public_origin", &self.public_origin)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<redacted>"))
            .field("bus_url", &self.bus_url.as_deref().map(crate::bus::redact_url))
            .field("bus_ca", &self.bus_ca.as_ref().map(|_| "<PEM>"))
            .field("mail_from", &self.mail_from)
            .field("second_factor", &self.second_factor)
            .field("tls", &self.tls)
            .field("log_client_ip_hashes", &self.log_client_ip_hashes)
            .field("admin_listen", &self.admin_listen)
            .field("metrics_token", &self.metrics_token)
            .field("turn", &self.turn)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub fn load(overrides: Overrides) -> anyhow::Result<Self> {
        let file = match &overrides.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let defaults = Settings::default();
        let turn = turn_settings(file.turn.unwrap_or_default(), overrides.turn_secret, overrides.turn_secret_file)?;
        let tls = tls_files(
            overrides.tls_cert_file.or(file.tls_cert_file),
            overrides.tls_key_file.or(file.tls_key_file),
        )?;
        let metrics_token = overrides.metrics_token_file.or(file.metrics_token_file).map(|path| read_metrics_token(&path)).transpose()?;
        let bus_ca = overrides.bus_ca_file.or(file.bus_ca_file).map(|path| read_bus_ca(&path)).transpose()?;

        let settings = Settings {
            listen: overrides.listen.or(file.listen).unwrap_or(defaults.listen),
            data_dir: overrides.data_dir.or(file.data_dir).unwrap_or(defaults.data_dir),
            database_url: overrides
                .database_url
                .or(file.database_url)
                .map(|text| crate::store::DatabaseUrl::parse(&text))
                .transpose()?,
            public_origin: overrides.public_origin.or(file.public_origin),
            log_format: overrides.log_format.or(file.log_format).unwrap_or_default(),
            smtp_url: overrides.smtp_url.or(file.smtp_url),
            // An empty URL, as from an unset variable in a unit file, means no bus.
            bus_url: overrides.bus_url.or(file.bus_url).filter(|url| !url.is_empty()),
            bus_ca,
            mail_from: overrides.mail_from.or(file.mail_from).unwrap_or(defaults.mail_from),
            second_factor: overrides.second_factor.or(file.second_factor).unwrap_or_default(),
            ice_servers: file.ice_servers,
            max_waiting_patients: file.max_waiting_patients.unwrap_or(defaults.max_waiting_patients),
            max_waiting_per_client: file.max_waiting_per_client.unwrap_or(defaults.max_waiting_per_client),
            check_ins_per_minute: file.check_ins_per_minute.unwrap_or(defaults.check_ins_per_minute),
            rejoin_grace_seconds: file.rejoin_grace_seconds.unwrap_or(defaults.rejoin_grace_seconds),
            backup_keep: file.backup_keep.unwrap_or(defaults.backup_keep),
            max_connections: file.max_connections.unwrap_or(defaults.max_connections),
            max_connections_per_client: file.max_connections_per_client.unwrap_or(defaults.max_connections_per_client),
            header_read_timeout_seconds: file.header_read_timeout_seconds.unwrap_or(defaults.header_read_timeout_seconds),
            ws_messages_per_second: file.ws_messages_per_second.unwrap_or(defaults.ws_messages_per_second),
            ws_message_burst: file.ws_message_burst.unwrap_or(defaults.ws_message_burst),
            trusted_proxies: file
                .trusted_proxies
                .iter()
                .map(|text| crate::http::IpNetwork::parse(text))
                .collect::<Result<_, _>>()
                .map_err(|error| anyhow::anyhow!("trusted_proxies: {error}; give addresses or CIDR networks such as \"10.0.0.0/8\""))?,
            tls,
            log_client_ip_hashes: file.log_client_ip_hashes.unwrap_or(defaults.log_client_ip_hashes),
            call_retention_days: file.call_retention_days.unwrap_or(defaults.call_retention_days),
            security_log_retention_days: file.security_log_retention_days.unwrap_or(defaults.security_log_retention_days),
            outbox_retention_days: file.outbox_retention_days.unwrap_or(defaults.outbox_retention_days),
            legal_dir: file.legal_dir,
            security_contact: file.security_contact,
            security_policy_url: file.security_policy_url,
            admin_listen: overrides.admin_listen.or(file.admin_listen),
            metrics_token,
            turn,
        };
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if let Some(origin) = &self.public_origin {
            let origin = parse_origin(origin)?;
            if self.second_factor == SecondFactor::Passkey && relying_party_id(&origin).is_none() {
                bail!(
                    "second_factor = \"passkey\" needs a public origin with a domain name, but {origin:?} has an IP address, \
                     where browsers offer no passkeys: use a domain name or second_factor = \"any\""
                );
            }
        }
        self.validate_ice_servers()?;
        self.validate_turn()?;
        if self.bus_ca.is_some() && !self.bus_url.as_deref().is_some_and(|url| url.starts_with("rediss://")) {
            bail!("bus_ca_file is set, but bus_url does not start with rediss://: give rediss://host:port for TLS, or remove bus_ca_file");
        }
        if let Some(url) = &self.bus_url {
            crate::bus::check_url(url)?;
            let shared = self.database_url.as_ref().is_some_and(|url| url.backend() == crate::store::Backend::Postgres);
            if !shared {
                bail!(
                    "bus_url connects servers that share one PostgreSQL database, but database_url names none: \
                     give a postgres:// database_url, or leave bus_url empty for one server with SQLite"
                );
            }
        }
        if self.max_waiting_patients == 0 {
            bail!("max_waiting_patients must be at least 1");
        }
        if self.max_waiting_per_client == 0 {
            bail!("max_waiting_per_client must be at least 1");
        }
        if self.check_ins_per_minute == 0 {
            bail!("check_ins_per_minute must be at least 1");
        }
        if !(10..=3600).contains(&self.rejoin_grace_seconds) {
            bail!("rejoin_grace_seconds must be between 10 and 3600");
        }
        if self.max_connections == 0 {
            bail!("max_connections must be at least 1");
        }
        if !(1..=self.max_connections).contains(&self.max_connections_per_client) {
            bail!(
                "max_connections_per_client is {}, but must be between 1 and max_connections ({})",
                self.max_connections_per_client,
                self.max_connections
            );
        }
        if !(1..=300).contains(&self.header_read_timeout_seconds) {
            bail!("header_read_timeout_seconds is {}, but must be between 1 and 300", self.header_read_timeout_seconds);
        }
        if self.ws_messages_per_second == 0 {
            bail!("ws_messages_per_second must be at least 1");
        }
        if self.ws_message_burst == 0 {
            bail!("ws_message_burst must be at least 1");
        }
        if self.admin_listen.is_some_and(|admin| admin == self.listen && admin.port() != 0) {
            bail!("admin_listen is {}, the same address as listen: give the admin listener a port of its own", self.listen);
        }
        self.validate_retention()?;
        self.validate_disclosure()?;
        Ok(())
    }

    /// Keeps every retention period between one day and its maximum. Call
    /// records may not be kept longer than 90 days, because the German rules
    /// for video consultations (Anlage 31b BMV-Ä) require deleting all
    /// metadata within three months.
    fn validate_retention(&self) -> anyhow::Result<()> {
        let periods = [
            ("call_retention_days", self.call_retention_days, MAX_CALL_RETENTION_DAYS),
            ("security_log_retention_days", self.security_log_retention_days, MAX_SECURITY_LOG_RETENTION_DAYS),
            ("outbox_retention_days", self.outbox_retention_days, MAX_OUTBOX_RETENTION_DAYS),
        ];
        for (key, days, max) in periods {
            if !(1..=max).contains(&days) {
                bail!("{key} is {days}, but must be between 1 and {max} days");
            }
        }
        Ok(())
    }

    /// Checks the URLs that `/.well-known/security.txt` publishes.
    fn validate_disclosure(&self) -> anyhow::Result<()> {
        if let Some(contact) = &self.security_contact {
            check_url("security_contact", contact, &["mailto", "https"])?;
        }
        if let Some(policy) = &self.security_policy_url {
            if self.security_contact.is_none() {
                bail!("security_policy_url needs security_contact, because security.txt without a contact is not served");
            }
            check_url("security_policy_url", policy, &["https"])?;
        }
        Ok(())
    }

    /// Accepts STUN servers only: a static TURN password in this list would
    /// reach every browser and stay valid forever.
    fn validate_ice_servers(&self) -> anyhow::Result<()> {
        let hint = "configure TURN under [turn] instead, where visite mints short-lived credentials per call";
        for server in &self.ice_servers {
            if server.username.is_some() || server.credential.is_some() {
                bail!("ice_servers: static credentials for {:?} are not allowed: {hint}", server.urls);
            }
            for url in &server.urls {
                let scheme = url.split(':').next().unwrap_or("");
                if matches!(scheme, "turn" | "turns") {
                    bail!("ice_servers: {url:?} is a TURN server: {hint}");
                }
                if !matches!(scheme, "stun" | "stuns") {
                    bail!("ice_servers: {url:?} is not a stun: or stuns: URL");
                }
            }
        }
        Ok(())
    }

    fn validate_turn(&self) -> anyhow::Result<()> {
        let turn = &self.turn;
        for url in &turn.urls {
            crate::turn::parse_url(url).map_err(|error| anyhow::anyhow!("[turn] urls: {error}"))?;
        }
        if !(MIN_TURN_TTL_SECONDS..=MAX_TURN_TTL_SECONDS).contains(&turn.credential_ttl_seconds) {
            bail!(
                "[turn] credential_ttl_seconds is {}, but must be between {MIN_TURN_TTL_SECONDS} and {MAX_TURN_TTL_SECONDS}",
                turn.credential_ttl_seconds
            );
        }
        if turn.force_relay != ForceRelay::Off && !turn.is_enabled() {
            let value = format!("{:?}", turn.force_relay).to_lowercase();
            bail!("[turn] force_relay = \"{value}\" needs [turn] urls, because relaying needs a TURN server");
        }
        if turn.secret.is_some() && !turn.is_enabled() {
            bail!("[turn] has a secret but no urls: add the turn: and turns: URLs that browsers should use");
        }
        // Both go into coturn's configuration file, one setting per line.
        if let Some(secret) = &turn.secret
            && secret.expose().chars().any(|c| c.is_whitespace() || c.is_control() || c == '#')
        {
            bail!("the TURN secret contains white space, a control character or '#': `visite turn-config` generates a valid one");
        }
        if let Some(realm) = &turn.realm
            && (realm.is_empty() || !realm.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        {
            bail!("[turn] realm {realm:?} is invalid: use a host name such as turn.praxis.example");
        }
        if let Some(secret) = &turn.secret
            && secret.expose().len() < MIN_TURN_SECRET_LENGTH
        {
            bail!(
                "the TURN secret has fewer than {MIN_TURN_SECRET_LENGTH} characters: \
                 `visite turn-config` generates a long random one"
            );
        }
        Ok(())
    }

    /// The origins that may open WebSockets and submit forms, given the bound address.
    pub fn allowed_origins(&self, bound: SocketAddr) -> Vec<String> {
        match &self.public_origin {
            Some(origin) => vec![parse_origin(origin).unwrap_or_else(|_| origin.clone())],
            None => ["localhost", "127.0.0.1", "[::1]"]
                .iter()
                .map(|host| format!("{}://{host}:{}", self.scheme(), bound.port()))
                .collect(),
        }
    }

    /// The origin shown in room links.
    pub fn link_origin(&self, bound: SocketAddr) -> String {
        match &self.public_origin {
            Some(origin) => parse_origin(origin).unwrap_or_else(|_| origin.clone()),
            None => format!("{}://localhost:{}", self.scheme(), bound.port()),
        }
    }

    /// Returns the scheme this process serves: `https` with built-in TLS, else `http`.
    fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }
}

/// Maximum and default retention of call records, in days.
pub const MAX_CALL_RETENTION_DAYS: u32 = 90;
/// Maximum and default retention of security log entries, in days.
pub const MAX_SECURITY_LOG_RETENTION_DAYS: u32 = 90;
/// Default retention of outbox mails, in days: long enough to copy a link
/// out of a mail after a weekend, short enough that links and addresses do
/// not pile up.
pub const DEFAULT_OUTBOX_RETENTION_DAYS: u32 = 7;
/// Maximum retention of outbox mails, in days.
pub const MAX_OUTBOX_RETENTION_DAYS: u32 = 30;

/// Rejects a value that is not an absolute URL with one of `schemes`.
fn check_url(key: &str, value: &str, schemes: &[&str]) -> anyhow::Result<()> {
    let expected = schemes.iter().map(|scheme| format!("{scheme}:")).collect::<Vec<_>>().join(" or ");
    let url = url::Url::parse(value).with_context(|| format!("{key} {value:?} is not a URL: give a {expected} URL"))?;
    if !schemes.contains(&url.scheme()) {
        bail!("{key} {value:?} must be a {expected} URL");
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace() || crate::core::validate::is_forbidden(c)) {
        bail!("{key} {value:?} must not contain spaces, line breaks or control characters");
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!("{key} {value:?} must not contain a user name or password");
    }
    if url.scheme() == "mailto" && !url.path().contains('@') {
        bail!("{key} {value:?} needs an address, such as mailto:security@praxis.example");
    }
    Ok(())
}

/// Shortest accepted TURN credential lifetime: 10 minutes, so that ICE
/// restarts early in a call can still allocate a relay.
const MIN_TURN_TTL_SECONDS: u64 = 600;
/// Longest accepted TURN credential lifetime: one day.
const MAX_TURN_TTL_SECONDS: u64 = 24 * 60 * 60;
/// Shortest accepted shared secret, in characters.
const MIN_TURN_SECRET_LENGTH: usize = 16;

/// Pairs the certificate and key files: TLS needs both, or neither.
fn tls_files(cert_file: Option<PathBuf>, key_file: Option<PathBuf>) -> anyhow::Result<Option<TlsFiles>> {
    match (cert_file, key_file) {
        (Some(cert_file), Some(key_file)) => Ok(Some(TlsFiles { cert_file, key_file })),
        (None, None) => Ok(None),
        (Some(_), None) => bail!("tls_cert_file is set but tls_key_file is missing: give both, or neither for plain HTTP"),
        (None, Some(_)) => bail!("tls_key_file is set but tls_cert_file is missing: give both, or neither for plain HTTP"),
    }
}

/// Builds the TURN settings; a secret from the command line or environment
/// wins over the file's.
fn turn_settings(file: TurnFile, secret: Option<Secret>, secret_file: Option<PathBuf>) -> anyhow::Result<TurnSettings> {
    let secret = match (secret, secret_file) {
        (Some(secret), _) => Some(secret),
        (None, Some(path)) => Some(read_secret(&path)?),
        (None, None) => match (file.secret, file.secret_file) {
            (Some(_), Some(_)) => bail!("[turn] has both secret and secret_file: keep one"),
            (Some(secret), None) => Some(secret),
            (None, Some(path)) => Some(read_secret(&path)?),
            (None, None) => None,
        },
    };
    let defaults = TurnSettings::default();
    Ok(TurnSettings {
        urls: file.urls,
        secret,
        credential_ttl_seconds: file.credential_ttl_seconds.unwrap_or(defaults.credential_ttl_seconds),
        realm: file.realm,
        force_relay: file.force_relay.unwrap_or_default(),
    })
}

fn read_secret(path: &Path) -> anyhow::Result<Secret> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read TURN secret_file {}", path.display()))?;
    let secret = Secret::new(&text);
    if secret.expose().is_empty() {
        bail!("TURN secret_file {} is empty: `visite turn-config` generates a secret", path.display());
    }
    Ok(secret)
}

/// Shortest accepted metrics token, in characters.
const MIN_METRICS_TOKEN_LENGTH: usize = 16;

/// Reads the bearer token for /metrics. Surrounding white space, such as the
/// final line break, is not part of it.
fn read_metrics_token(path: &Path) -> anyhow::Result<Secret> {
    let hint = "write a long random one, for example with `openssl rand -hex 32`";
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read metrics_token_file {}", path.display()))?;
    let token = Secret::new(&text);
    if token.expose().len() < MIN_METRICS_TOKEN_LENGTH {
        bail!("metrics_token_file {} contains fewer than {MIN_METRICS_TOKEN_LENGTH} characters: {hint}", path.display());
    }
    if token.expose().chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("metrics_token_file {} contains white space inside the token: {hint}", path.display());
    }
    Ok(token)
}

/// Reads the certificate authorities for a `rediss://` bus, which must hold
/// at least one PEM certificate and nothing unreadable.
fn read_bus_ca(path: &Path) -> anyhow::Result<Vec<u8>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let pem = std::fs::read(path).with_context(|| format!("cannot read bus_ca_file {}", path.display()))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("bus_ca_file {} is not a readable PEM file", path.display()))?;
    if certificates.is_empty() {
        bail!(
            "bus_ca_file {} contains no certificate: give the PEM file of the authority that signed the Redis server's certificate",
            path.display()
        );
    }
    Ok(pem)
}

/// Return the WebAuthn relying party id of an origin, which is its domain
/// name. An IP address is no valid relying party id, so such an origin has none.
pub fn relying_party_id(origin: &str) -> Option<String> {
    let url = url::Url::parse(origin).ok()?;
    url.domain().map(str::to_owned)
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let source = config::File::from(path).format(config::FileFormat::Toml).required(true);
    config::Config::builder()
        .add_source(source)
        .build()
        .with_context(|| format!("cannot read settings file {}", path.display()))?
        .try_deserialize()
        .with_context(|| format!("invalid settings in {}", path.display()))
}

/// Normalise a public origin such as `https://video.example:8443` and reject
/// anything that is not a bare origin. Plain HTTP is accepted for loopback
/// hosts only, because session cookies are marked `Secure`.
pub fn parse_origin(input: &str) -> anyhow::Result<String> {
    let hint = "give a bare origin such as https://video.praxis.example";
    let url = url::Url::parse(input).with_context(|| format!("public origin {input:?} is not a URL: {hint}"))?;

    if !matches!(url.scheme(), "http" | "https") {
        bail!("public origin {input:?} must start with https://: {hint}");
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        bail!("public origin {input:?} must not contain a user, query or fragment: {hint}");
    }
    if url.path() != "/" {
        bail!("public origin {input:?} must not contain a path: {hint}");
    }
    let Some(host) = url.host() else {
        bail!("public origin {input:?} has no host: {hint}");
    };
    let loopback = match host {
        url::Host::Domain(name) => name == "localhost",
        url::Host::Ipv4(ip) => IpAddr::V4(ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(ip).is_loopback(),
    };
    if url.scheme() == "http" && !loopback {
        bail!("public origin {input:?} uses plain HTTP: browsers need https:// for camera access and secure cookies");
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bus_needs_a_shared_database() {
        let mut settings = Settings { bus_url: Some("redis://127.0.0.1:6379".to_owned()), ..Settings::default() };
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("postgres://"), "{error}");

        settings.database_url = Some(crate::store::DatabaseUrl::parse("postgres://visite@127.0.0.1/visite").unwrap());
        assert!(settings.validate().is_ok());
        settings.bus_url = Some("nats://127.0.0.1:4222".to_owned());
        assert!(settings.validate().unwrap_err().to_string().contains("redis://"));
        settings.bus_url = Some("rediss://redis.internal:6380".to_owned());
        assert!(settings.validate().is_ok());
    }

    #[test]
    fn bus_ca_file_is_read_and_needs_rediss() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let overrides = Overrides { bus_ca_file: Some(empty), ..Overrides::default() };
        let error = Settings::load(overrides).unwrap_err().to_string();
        assert!(error.contains("contains no certificate"), "{error}");
        let missing = Overrides { bus_ca_file: Some(dir.path().join("absent.pem")), ..Overrides::default() };
        assert!(Settings::load(missing).unwrap_err().to_string().contains("cannot read bus_ca_file"));

        let settings = Settings {
            bus_url: Some("redis://127.0.0.1:6379".to_owned()),
            bus_ca: Some(b"-----BEGIN CERTIFICATE-----".to_vec()),
            database_url: Some(crate::store::DatabaseUrl::parse("postgres://visite@127.0.0.1/visite").unwrap()),
            ..Settings::default()
        };
        let error = settings.validate().unwrap_err().to_string();
        assert!(error.contains("rediss://"), "{error}");
    }

    #[test]
    fn origin_accepts_bare_https() {
        assert_eq!(parse_origin("https://video.example").unwrap(), "https://video.example");
        assert_eq!(parse_origin("https://video.example:8443/").unwrap(), "https://video.example:8443");
        assert_eq!(parse_origin("http://localhost:8080").unwrap(), "http://localhost:8080");
        assert_eq!(parse_origin("http://[::1]:8080").unwrap(), "http://[::1]:8080");
    }

    #[test]
    fn origin_rejects_the_rest() {
        for bad in ["video.example", "ftp://video.example", "http://video.example",
            "https://video.example/path", "https://user@video.example", "https://video.example/?q=1", ""] {
            assert!(parse_origin(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn file_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\nlisten_adress = \"x\"\n").unwrap();
        let error = read_file(&path).unwrap_err();
        assert!(format!("{error:#}").contains("listen_adress"), "{error:#}");
    }

    #[test]
    fn second_factor_from_file_and_flag() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        std::fs::write(&path, "second_factor = \"passkey\"\n").unwrap();
        let from_file = Settings::load(Overrides { config: Some(path.clone()), ..Overrides::default() }).unwrap();
        assert_eq!(from_file.second_factor, SecondFactor::Passkey);

        let overrides = Overrides { config: Some(path), second_factor: Some(SecondFactor::Any), ..Overrides::default() };
        assert_eq!(Settings::load(overrides).unwrap().second_factor, SecondFactor::Any);
        assert_eq!(Settings::default().second_factor, SecondFactor::Any);
    }

    #[test]
    fn passkey_only_needs_a_domain_origin() {
        let mut settings = Settings { second_factor: SecondFactor::Passkey, ..Settings::default() };
        settings.public_origin = Some("http://127.0.0.1:8080".into());
        let error = settings.validate().unwrap_err();
        assert!(format!("{error:#}").contains("domain name"), "{error:#}");

        settings.public_origin = Some("https://video.praxis.example".into());
        settings.validate().unwrap();
        settings.public_origin = None;
        settings.validate().unwrap();
    }

    #[test]
    fn connection_limits_from_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        let text = "max_connections = 100\nmax_connections_per_client = 10\nheader_read_timeout_seconds = 5\n";
        std::fs::write(&path, text).unwrap();
        let settings = Settings::load(Overrides { config: Some(path), ..Overrides::default() }).unwrap();
        assert_eq!(settings.max_connections, 100);
        assert_eq!(settings.max_connections_per_client, 10);
        assert_eq!(settings.header_read_timeout_seconds, 5);
    }

    #[test]
    fn connection_limits_are_validated() {
        Settings::default().validate().unwrap();
        let cases = [
            (Settings { max_connections: 0, ..Settings::default() }, "max_connections must be at least 1"),
            (Settings { max_connections_per_client: 0, ..Settings::default() }, "max_connections_per_client is 0"),
            (
                Settings { max_connections: 10, max_connections_per_client: 11, ..Settings::default() },
                "between 1 and max_connections (10)",
            ),
            (Settings { header_read_timeout_seconds: 0, ..Settings::default() }, "header_read_timeout_seconds is 0"),
            (Settings { header_read_timeout_seconds: 301, ..Settings::default() }, "header_read_timeout_seconds is 301"),
        ];
        for (settings, expected) in cases {
            let error = settings.validate().unwrap_err();
            assert!(format!("{error:#}").contains(expected), "{error:#}");
        }
        Settings { max_connections: 10, max_connections_per_client: 10, ..Settings::default() }.validate().unwrap();
    }

    #[test]
    fn example_file_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("visite.example.toml");
        let settings = Settings::load(Overrides { config: Some(path), ..Overrides::default() }).unwrap();
        assert_eq!(settings.call_retention_days, 90);
        assert_eq!(settings.outbox_retention_days, 7);
    }

    #[test]
    fn retention_defaults_and_file() {
        let defaults = Settings::default();
        assert_eq!(defaults.call_retention_days, 90);
        assert_eq!(defaults.security_log_retention_days, 90);
        assert_eq!(defaults.outbox_retention_days, 7);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        let text = "call_retention_days = 30\nsecurity_log_retention_days = 60\noutbox_retention_days = 2\n";
        std::fs::write(&path, text).unwrap();
        let settings = Settings::load(Overrides { config: Some(path), ..Overrides::default() }).unwrap();
        assert_eq!(settings.call_retention_days, 30);
        assert_eq!(settings.security_log_retention_days, 60);
        assert_eq!(settings.outbox_retention_days, 2);
    }

    #[test]
    fn load_rejects_call_retention_over_90() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        std::fs::write(&path, "call_retention_days = 91\n").unwrap();
        let error = Settings::load(Overrides { config: Some(path), ..Overrides::default() }).unwrap_err();
        assert_eq!(format!("{error:#}"), "call_retention_days is 91, but must be between 1 and 90 days");
    }

    #[test]
    fn retention_periods_are_validated() {
        let cases = [
            (Settings { call_retention_days: 0, ..Settings::default() }, "call_retention_days is 0"),
            (Settings { security_log_retention_days: 0, ..Settings::default() }, "security_log_retention_days is 0"),
            (Settings { security_log_retention_days: 91, ..Settings::default() }, "security_log_retention_days is 91"),
            (Settings { outbox_retention_days: 0, ..Settings::default() }, "outbox_retention_days is 0"),
            (Settings { outbox_retention_days: 31, ..Settings::default() }, "outbox_retention_days is 31"),
        ];
        for (settings, expected) in cases {
            let error = settings.validate().unwrap_err();
            assert!(format!("{error:#}").contains(expected), "{error:#}");
        }
        Settings { call_retention_days: 1, security_log_retention_days: 1, outbox_retention_days: 1, ..Settings::default() }
            .validate()
            .unwrap();
    }

    #[test]
    fn security_contact_is_validated() {
        let contact = |value: &str| Settings { security_contact: Some(value.into()), ..Settings::default() };
        contact("mailto:security@praxis.example").validate().unwrap();
        contact("https://praxis.example/security").validate().unwrap();
        let bad_values = [
            "security@praxis.example",
            "http://praxis.example/security",
            "ftp://praxis.example/x",
            "",
            "mailto:security@praxis.example\nPolicy: https://other.example/",
            "mailto:",
            "https://praxis.example/a b",
            "https://praxis.example/\u{2028}Policy",
            "https://user:pw@praxis.example/",
        ];
        for bad in bad_values {
            let error = contact(bad).validate().unwrap_err();
            assert!(format!("{error:#}").contains("security_contact"), "{bad}: {error:#}");
        }

        let policy = |value: &str| Settings { security_policy_url: Some(value.into()), ..contact("mailto:security@praxis.example") };
        policy("https://praxis.example/policy").validate().unwrap();
        let error = policy("mailto:security@praxis.example").validate().unwrap_err();
        assert!(format!("{error:#}").contains("security_policy_url"), "{error:#}");
        let without_contact = Settings { security_policy_url: Some("https://praxis.example/policy".into()), ..Settings::default() };
        let error = without_contact.validate().unwrap_err();
        assert!(format!("{error:#}").contains("needs security_contact"), "{error:#}");
    }

    #[test]
    fn turn_table_from_file() {
        let dir = tempfile::tempdir().unwrap();
        let secret_path = dir.path().join("turn-secret");
        std::fs::write(&secret_path, "north-wind-7-long-enough\n").unwrap();
        let path = dir.path().join("visite.toml");
        let text = format!(
            "[turn]\nurls = [\"turn:turn.praxis.example:3478?transport=udp\"]\nsecret_file = {:?}\n\
             credential_ttl_seconds = 7200\nforce_relay = \"patients\"\n",
            secret_path.display().to_string()
        );
        std::fs::write(&path, text).unwrap();
        let settings = Settings::load(Overrides { config: Some(path), ..Overrides::default() }).unwrap();
        assert_eq!(settings.turn.urls, ["turn:turn.praxis.example:3478?transport=udp"]);
        assert_eq!(settings.turn.secret, Some(Secret::new("north-wind-7-long-enough")));
        assert_eq!(settings.turn.credential_ttl_seconds, 7200);
        assert_eq!(settings.turn.force_relay, ForceRelay::Patients);
        assert_eq!(settings.turn.realm(), "turn.praxis.example");
        settings.turn.require_secret().unwrap();
        assert!(!format!("{settings:?}").contains("north-wind"), "{settings:?}");
    }

    #[test]
    fn turn_table_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        std::fs::write(&path, "[turn]\nurls = []\nsecret_fiel = \"/etc/x\"\n").unwrap();
        let error = read_file(&path).unwrap_err();
        assert!(format!("{error:#}").contains("secret_fiel"), "{error:#}");
    }

    #[test]
    fn turn_values_that_would_break_coturn_config_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        let cases = [
            ("realm = \"turn.example\\nallow-loopback-peers\"\nsecret = \"north-wind-7-long-enough\"", "realm"),
            ("secret = \"north-wind-7-long\\nallow-loopback-peers\"", "white space"),
            ("urls = []\nsecret = \"north-wind-7-long-enough\"", "no urls"),
        ];
        for (table, expected) in cases {
            let urls = if table.contains("urls") { "" } else { "urls = [\"turn:turn.praxis.example:3478\"]\n" };
            std::fs::write(&path, format!("[turn]\n{urls}{table}\n")).unwrap();
            let overrides = Overrides { config: Some(path.clone()), ..Overrides::default() };
            let error = format!("{:#}", Settings::load(overrides).unwrap_err());
            assert!(error.contains(expected), "{table}: {error}");
        }
    }

    #[test]
    fn turn_urls_need_a_secret() {
        let turn = TurnSettings { urls: vec!["turn:turn.praxis.example".into()], ..TurnSettings::default() };
        let error = turn.require_secret().unwrap_err();
        assert!(format!("{error:#}").contains("secret_file"), "{error:#}");
        TurnSettings::default().require_secret().unwrap();
    }

    #[test]
    fn static_turn_credentials_are_rejected() {
        let stun = IceServer { urls: vec!["stun:stun.praxis.example:3478".into()], username: None, credential: None };
        Settings { ice_servers: vec![stun], ..Settings::default() }.validate().unwrap();

        let with_password = IceServer {
            urls: vec!["turn:turn.praxis.example:3478".into()],
            username: Some("visite".into()),
            credential: Some("static".into()),
        };
        let without_password = IceServer { urls: vec!["turns:turn.praxis.example:443".into()], username: None, credential: None };
        for server in [with_password, without_password] {
            let error = Settings { ice_servers: vec![server], ..Settings::default() }.validate().unwrap_err();
            assert!(format!("{error:#}").contains("[turn]"), "{error:#}");
        }
    }

    #[test]
    fn turn_settings_are_validated() {
        let urls = vec!["turn:turn.praxis.example:3478".to_owned()];
        let cases = [
            (TurnSettings { force_relay: ForceRelay::Everyone, ..TurnSettings::default() }, "needs [turn] urls"),
            (TurnSettings { urls: vec!["turn:bad host".into()], ..TurnSettings::default() }, "[turn] urls"),
            (TurnSettings { credential_ttl_seconds: 60, ..TurnSettings::default() }, "credential_ttl_seconds is 60"),
            (TurnSettings { urls, secret: Some(Secret::new("short")), ..TurnSettings::default() }, "fewer than 16"),
        ];
        for (turn, expected) in cases {
            let error = Settings { turn, ..Settings::default() }.validate().unwrap_err();
            assert!(format!("{error:#}").contains(expected), "{error:#}");
        }
    }

    #[test]
    fn turn_secret_override_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        std::fs::write(&path, "[turn]\nurls = [\"turn:turn.praxis.example\"]\nsecret = \"from-the-file-0123456\"\n").unwrap();
        let overrides = Overrides {
            config: Some(path),
            turn_secret: Some(Secret::new("from-the-environment-0123")),
            ..Overrides::default()
        };
        let settings = Settings::load(overrides).unwrap();
        assert_eq!(settings.turn.secret, Some(Secret::new("from-the-environment-0123")));
    }

    #[test]
    fn tls_needs_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        std::fs::write(&path, "tls_cert_file = \"/etc/visite/cert.pem\"\n").unwrap();
        let error = Settings::load(Overrides { config: Some(path.clone()), ..Overrides::default() }).unwrap_err();
        assert!(format!("{error:#}").contains("tls_key_file is missing"), "{error:#}");

        let overrides = Overrides {
            config: Some(path),
            tls_key_file: Some("/etc/visite/key.pem".into()),
            ..Overrides::default()
        };
        let settings = Settings::load(overrides).unwrap();
        let expected = TlsFiles { cert_file: "/etc/visite/cert.pem".into(), key_file: "/etc/visite/key.pem".into() };
        assert_eq!(settings.tls, Some(expected));
        let bound: SocketAddr = "127.0.0.1:8443".parse().unwrap();
        assert_eq!(settings.link_origin(bound), "https://localhost:8443");
        assert!(settings.allowed_origins(bound).contains(&"https://127.0.0.1:8443".to_owned()));
    }

    #[test]
    fn metrics_token_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let token_path = dir.path().join("metrics-token");
        std::fs::write(&token_path, "scrape-token-0123456789\n").unwrap();
        let path = dir.path().join("visite.toml");
        std::fs::write(&path, format!("metrics_token_file = {:?}\n", token_path.display().to_string())).unwrap();
        let settings = Settings::load(Overrides { config: Some(path), ..Overrides::default() }).unwrap();
        assert_eq!(settings.metrics_token, Some(Secret::new("scrape-token-0123456789")));
        assert!(!format!("{settings:?}").contains("scrape-token"), "{settings:?}");
        assert_eq!(Settings::default().metrics_token, None);
    }

    #[test]
    fn metrics_token_file_rejects_weak_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let token_path = dir.path().join("metrics-token");
        let cases = [("short-token\n", "fewer than 16"), ("\n", "fewer than 16"), ("scrape token 0123456789", "white space")];
        for (text, expected) in cases {
            std::fs::write(&token_path, text).unwrap();
            let overrides = Overrides { metrics_token_file: Some(token_path.clone()), ..Overrides::default() };
            let error = format!("{:#}", Settings::load(overrides).unwrap_err());
            assert!(error.contains(expected), "{text:?}: {error}");
        }
        let missing = Overrides { metrics_token_file: Some(dir.path().join("absent")), ..Overrides::default() };
        let error = format!("{:#}", Settings::load(missing).unwrap_err());
        assert!(error.contains("cannot read metrics_token_file"), "{error}");
    }

    #[test]
    fn admin_listen_from_file_and_flag() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        std::fs::write(&path, "admin_listen = \"127.0.0.1:9090\"\n").unwrap();
        let from_file = Settings::load(Overrides { config: Some(path.clone()), ..Overrides::default() }).unwrap();
        assert_eq!(from_file.admin_listen, Some("127.0.0.1:9090".parse().unwrap()));

        let flag = Some("127.0.0.1:9191".parse().unwrap());
        let overrides = Overrides { config: Some(path), admin_listen: flag, ..Overrides::default() };
        assert_eq!(Settings::load(overrides).unwrap().admin_listen, flag);
        assert_eq!(Settings::default().admin_listen, None);
    }

    #[test]
    fn admin_listen_needs_its_own_port() {
        let settings = Settings { admin_listen: Some(DEFAULT_LISTEN.parse().unwrap()), ..Settings::default() };
        let error = settings.validate().unwrap_err();
        assert!(format!("{error:#}").contains("a port of its own"), "{error:#}");
    }

    #[test]
    fn flags_override_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/visite\"\n").unwrap();
        let overrides = Overrides {
            config: Some(path),
            listen: Some("127.0.0.1:9100".parse().unwrap()),
            ..Overrides::default()
        };
        let settings = Settings::load(overrides).unwrap();
        assert_eq!(settings.listen.port(), 9100);
        assert_eq!(settings.data_dir, PathBuf::from("/srv/visite"));
    }

    #[test]
    fn database_url_from_file_and_flag() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visite.toml");
        std::fs::write(&path, "database_url = \"postgres://visite:hunter2@127.0.0.1:5432/visite\"\n").unwrap();
        let from_file = Settings::load(Overrides { config: Some(path.clone()), ..Overrides::default() }).unwrap();
        let logged = format!("{from_file:?}");
        assert!(logged.contains("postgres://visite@127.0.0.1:5432/visite"), "{logged}");
        assert!(!logged.contains("hunter2"), "{logged}");
        let url = from_file.database_url.expect("database_url from the file");
        assert_eq!(url.backend(), crate::store::Backend::Postgres);

        let overrides = Overrides {
            config: Some(path),
            database_url: Some("sqlite:///srv/visite/visite.db".to_owned()),
            ..Overrides::default()
        };
        let from_flag = Settings::load(overrides).unwrap().database_url.expect("database_url from the flag");
        assert_eq!(from_flag.backend(), crate::store::Backend::Sqlite);
        assert_eq!(Settings::load(Overrides::default()).unwrap().database_url, None);
    }

    #[test]
    fn database_url_rejects_unknown_scheme() {
        let overrides = Overrides { database_url: Some("mysql://root@127.0.0.1/visite".to_owned()), ..Overrides::default() };
        let error = format!("{:#}", Settings::load(overrides).unwrap_err());
        assert!(error.contains("sqlite://PATH"), "{error}");
        assert!(error.contains("postgres://"), "{error}");
    }
}
