//! Outgoing email to providers: account verification links, password
//! resets and new-device alerts. Patient data never goes into a mail.
//!
//! Without an SMTP URL the mailer runs in outbox mode and writes each
//! message as an RFC 5322 `.eml` file into `<data_dir>/outbox/`, so a
//! development machine or a test can read the mails. With an SMTP URL it
//! sends them through that relay.
//!
//! Recipients, subjects and bodies contain email addresses and single-use
//! links, so no log line and no error from this module contains them.

mod message;
mod outbox;
mod smtp;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;

use outbox::Outbox;
use smtp::SmtpSender;

/// Maximum time for one SMTP delivery, from connecting to the server's
/// reply after the message.
pub const SMTP_SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// Mail settings, checked by [`Mailer::new`].
#[derive(Clone)]
pub struct MailSettings {
    /// The SMTP relay, such as `smtps://user:password@mail.example:465`.
    /// `None` selects outbox mode.
    pub smtp_url: Option<String>,
    /// The sender mailbox, such as `visite <noreply@praxis.example>`.
    pub from: String,
}

/// Shows the SMTP URL without user name and password.
impl fmt::Debug for MailSettings {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_deref().map(smtp::redact_url))
            .field("from", &self.from)
            .finish()
    }
}

/// One plain-text mail to one provider.
#[derive(Clone)]
pub struct Email {
    /// The recipient mailbox: `name@example.org` or `Name <name@example.org>`.
    pub to: String,
    /// One line of text, without line breaks.
    pub subject: String,
    /// The body as UTF-8 text. Line endings are converted to CRLF.
    pub text: String,
}

/// Shows only the sizes, because the fields contain an email address and
/// often a single-use link.
impl fmt::Debug for Email {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Email")
            .field("to", &"<redacted>")
            .field("subject_bytes", &self.subject.len())
            .field("text_bytes", &self.text.len())
            .finish()
    }
}

/// Sends mail through an SMTP relay or writes it to the outbox folder.
/// Clones share one transport.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    from: Mailbox,
    transport: Transport,
}

enum Transport {
    Outbox(Outbox),
    Smtp(Box<SmtpSender>),
}

impl Mailer {
    /// Checks the settings and prepares the transport. In outbox mode this
    /// creates `<data_dir>/outbox/` with mode 0700. No connection is opened
    /// here: an SMTP relay is first contacted by [`Mailer::send`].
    pub fn new(settings: &MailSettings, data_dir: &Path) -> anyhow::Result<Mailer> {
        let from = message::parse_from(&settings.from)?;
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(Box::new(SmtpSender::new(url, SMTP_SEND_TIMEOUT)?)),
            None => Transport::Outbox(Outbox::create(&data_dir.join(outbox::FOLDER_NAME))?),
        };
        Ok(Mailer { inner: Arc::new(Inner { from, transport }) })
    }

    /// Builds the message and sends it, or writes it to the outbox. Errors
    /// name the step that failed but never the recipient or the content.
    pub async fn send(&self, email: Email) -> anyhow::Result<()> {
        // Outbox files are read by people in text editors: plain 8-bit text
        // keeps links intact there, where quoted-printable would break them.
        let readable = matches!(self.inner.transport, Transport::Outbox(_));
        let message = message::build(&self.inner.from, &email, readable)?;
        match &self.inner.transport {
            Transport::Outbox(outbox) => outbox.write(message).await,
            Transport::Smtp(sender) => sender.send(message).await,
        }
    }

    /// Returns the folder that receives the `.eml` files, in outbox mode only.
    pub fn outbox_dir(&self) -> Option<PathBuf> {
        match &self.inner.transport {
            Transport::Outbox(outbox) => Some(outbox.dir().to_path_buf()),
            Transport::Smtp(_) => None,
        }
    }

    /// Creates a mailer whose SMTP deliveries time out after `timeout`, so a test
    /// can check the timeout without waiting for [`SMTP_SEND_TIMEOUT`].
    #[cfg(test)]
    fn with_smtp_timeout(settings: &MailSettings, timeout: Duration) -> anyhow::Result<Mailer> {
        use anyhow::Context;

        let from = message::parse_from(&settings.from)?;
        let url = settings.smtp_url.as_deref().context("the test needs an SMTP URL")?;
        let transport = Transport::Smtp(Box::new(SmtpSender::new(url, timeout)?));
        Ok(Mailer { inner: Arc::new(Inner { from, transport }) })
    }
}

/// Shows the mode and the outbox folder or the redacted SMTP URL.
impl fmt::Debug for Mailer {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = formatter.debug_struct("Mailer");
        debug.field("from", &self.inner.from.to_string());
        match &self.inner.transport {
            Transport::Outbox(outbox) => debug.field("outbox_dir", &outbox.dir()),
            Transport::Smtp(sender) => debug.field("smtp_url", &sender.redacted_url()),
        };
        debug.finish()
    }
}

/// Deletes mails in `<data_dir>/outbox/` written more than `max_age_seconds`
/// before `now` (Unix seconds), also when SMTP is configured now, because the
/// folder may remain from an earlier run in outbox mode. Returns how many
/// files were deleted.
pub fn prune_outbox(data_dir: &Path, now: i64, max_age_seconds: i64) -> anyhow::Result<usize> {
    let millis = |seconds: i64| u128::try_from(seconds).unwrap_or(0) * 1000;
    outbox::prune(&data_dir.join(outbox::FOLDER_NAME), millis(now), millis(max_age_seconds))
}

/// Returns the current Unix time in milliseconds, or 0 if the clock is before 1970.
fn unix_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
