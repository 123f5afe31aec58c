//! SMTP mode: delivery through a relay named by a URL, with lettre's
//! asynchronous transport.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{anyhow, bail};
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use url::Url;

const ACCEPTED_FORMS: &str = "accepted forms: smtp://HOST:PORT (unencrypted, for a relay on this machine), \
     smtp://USER:PASSWORD@HOST:587?tls=required (STARTTLS) and smtps://USER:PASSWORD@HOST:465 (TLS from the start), \
     with special characters in USER and PASSWORD percent-encoded";

pub(super) struct SmtpSender {
    builder: AsyncSmtpTransportBuilder,
    /// Transport and the runtime it was built in. It is built on the first
    /// delivery because building it spawns lettre's pool task, and that
    /// needs a running Tokio runtime.
    transport: OnceLock<(AsyncSmtpTransport<Tokio1Executor>, tokio::runtime::Handle)>,
    redacted_url: String,
    /// Relay address as `host:port`, for errors and log lines.
    server: String,
    timeout: Duration,
}

impl SmtpSender {
    /// Checks the URL and prepares the transport. `timeout` bounds each
    /// delivery as a whole, from connecting to the server's final reply.
    pub(super) fn new(url: &str, timeout: Duration) -> anyhow::Result<SmtpSender> {
        let redacted_url = redact_url(url);
        let parsed = check_url(url, &redacted_url)?;

        // check_url has rejected URLs without a host.
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let tls = tls_parameter(&parsed);
        if parsed.scheme() == "smtp" && tls.as_deref() != Some("required") && !is_loopback(&host) {
            tracing::warn!(
                server = %redacted_url,
                "mail to the SMTP relay is sent unencrypted: \
                 use smtps:// or ?tls=required for a relay on another machine"
            );
        }

        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| anyhow!("invalid SMTP URL {redacted_url}: {error}; {ACCEPTED_FORMS}"))?
            .timeout(Some(timeout))
            // A pool size of 0 closes every connection after its message.
            // A delivery cut off by the timeout in `send` can leave a
            // connection halfway through a message, and a pool would hand
            // that connection to the next delivery.
            .pool_config(PoolConfig::new().max_size(0));

        let port = parsed.port().map_or_else(|| default_port(&parsed).to_string(), |port| port.to_string());
        Ok(SmtpSender {
            builder,
            transport: OnceLock::new(),
            redacted_url,
            server: format!("{host}:{port}"),
            timeout,
        })
    }

    pub(super) fn redacted_url(&self) -> &str {
        &self.redacted_url
    }

    /// Delivers the message. Errors and log lines contain the relay address,
    /// the Message-ID and the failure, but no recipient or content.
    pub(super) async fn send(&self, message: Message) -> anyhow::Result<()> {
        let (transport, _) = self
            .transport
            .get_or_init(|| (self.builder.clone().build(), tokio::runtime::Handle::current()));
        let message_id = message.headers().get_raw("Message-ID").unwrap_or_default().to_owned();

        // NOTE: lettre 0.11 applies its own timeout only to opening the TCP
        // connection, so this outer timeout is what stops a relay that
        // accepts the connection and then stops replying. When it cuts off a
        // delivery after the SMTP session was set up, lettre closes that
        // connection with a QUIT in a background task, which waits until
        // the relay replies or drops the connection.
        let reason = match tokio::time::timeout(self.timeout, transport.send(message)).await {
            Ok(Ok(_reply)) => {
                tracing::info!(message_id = %message_id, server = %self.server, "mail sent over SMTP");
                return Ok(());
            }
            Ok(Err(error)) => describe(&error),
            Err(_elapsed) => format!("no reply within {} seconds", self.timeout.as_secs_f32()),
        };

        tracing::warn!(
            message_id = %message_id,
            server = %self.server,
            error = %reason,
            "sending mail over SMTP failed"
        );
        bail!("sending mail through SMTP relay {} failed: {reason}", self.server)
    }
}

/// Drops the transport inside the runtime it was built in, because lettre's
/// pool spawns a Tokio task when it is dropped, and `tokio::spawn` panics
/// outside a runtime. So a mailer may be dropped even after its runtime has ended.
impl Drop for SmtpSender {
    fn drop(&mut self) {
        if let Some((transport, runtime)) = self.transport.take() {
            let _entered = runtime.enter();
            drop(transport);
        }
    }
}

/// Checks what lettre does not: the scheme, the `tls` parameter, stray query
/// parameters and credentials that would cross the network unencrypted.
fn check_url(url: &str, redacted_url: &str) -> anyhow::Result<Url> {
    let parsed = Url::parse(url).map_err(|error| anyhow!("invalid SMTP URL: {error}; {ACCEPTED_FORMS}"))?;
    let invalid = |problem: String| anyhow!("invalid SMTP URL {redacted_url}: {problem}; {ACCEPTED_FORMS}");

    let scheme = parsed.scheme();
    if scheme != "smtp" && scheme != "smtps" {
        return Err(invalid(format!("the scheme must be smtp or smtps, not {scheme:?}")));
    }
    let host = parsed.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(invalid("the host is missing".to_owned()));
    }
    if let Some((key, _)) = parsed.query_pairs().find(|(key, _)| key != "tls") {
        return Err(invalid(format!("unknown query parameter {key:?}, only tls is accepted")));
    }
    if parsed.fragment().is_some() {
        return Err(invalid("a URL fragment (#...) is not accepted".to_owned()));
    }

    let tls = tls_parameter(&parsed);
    match tls.as_deref() {
        None => {}
        Some(_) if scheme == "smtps" => {
            return Err(invalid("smtps:// always uses TLS, so remove the tls parameter".to_owned()));
        }
        Some("required" | "opportunistic") => {}
        Some(other) => return Err(invalid(format!("tls must be required or opportunistic, not {other:?}"))),
    }

    let has_user = !parsed.username().is_empty();
    let has_password = parsed.password().is_some();
    if has_user && !has_password {
        return Err(invalid("the user name has no password".to_owned()));
    }
    // With opportunistic STARTTLS an attacker on the path can remove the
    // STARTTLS offer, and lettre then sends the password in plain text.
    let encrypted = scheme == "smtps" || tls.as_deref() == Some("required");
    if has_password && !encrypted && !is_loopback(host) {
        return Err(invalid(
            "the password would be sent unencrypted: use smtps:// or add ?tls=required".to_owned(),
        ));
    }
    Ok(parsed)
}

fn tls_parameter(url: &Url) -> Option<String> {
    url.query_pairs().find(|(key, _)| key == "tls").map(|(_, value)| value.into_owned())
}

/// Returns the port lettre 0.11 uses when the URL names none: 465 for
/// smtps, 587 for smtp with a tls parameter and 25 for plain smtp.
fn default_port(url: &Url) -> u16 {
    match (url.scheme(), tls_parameter(url)) {
        ("smtps", _) => 465,
        (_, Some(_)) => 587,
        _ => 25,
    }
}

/// Returns whether `host` (a name or an IP address, IPv6 in brackets) is
/// this machine.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(address) => address.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// Replaces user name and password in the URL, for logs and `Debug`.
/// Only the scheme, host, port, path (the EHLO name) and `tls` parameter are
/// kept, and a URL that does not parse is not shown at all, because the
/// password could be anywhere in it.
pub(super) fn redact_url(input: &str) -> String {
    let Ok(url) = Url::parse(input) else {
        return "<invalid URL, not shown>".to_owned();
    };
    let Some(host) = url.host_str() else {
        return "<URL without host, not shown>".to_owned();
    };

    let credentials = if url.username().is_empty() && url.password().is_none() { "" } else { "REDACTED@" };
    let port = url.port().map(|port| format!(":{port}")).unwrap_or_default();
    let tls = tls_parameter(&url).map(|value| format!("?tls={value}")).unwrap_or_default();
    format!("{}://{credentials}{host}{port}{}{tls}", url.scheme(), url.path())
}

/// Describes a failed delivery without the server's reply text,
/// because a reply such as `550 <name@example.org>: unknown user` can quote
/// the recipient.
fn describe(error: &lettre::transport::smtp::Error) -> String {
    if let Some(code) = error.status() {
        let kind = if error.is_permanent() { "permanent" } else { "temporary" };
        return format!("the server replied with SMTP code {code} ({kind} error)");
    }
    if error.is_response() {
        return "the server sent a reply that is not valid SMTP".to_owned();
    }
    error.to_string()
}
