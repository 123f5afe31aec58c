//! Building the RFC 5322 message from an [`Email`].

use anyhow::{Context, bail};
use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::Body;

use super::Email;

const MAILBOX_FORMS: &str = "use name@example.org or Name <name@example.org>";

/// Parses the configured sender. The value comes from the settings, not
/// from a person, so the error repeats it.
pub(super) fn parse_from(input: &str) -> anyhow::Result<Mailbox> {
    parse_mailbox(input).with_context(|| format!("invalid mail sender {input:?}: {MAILBOX_FORMS}"))
}

/// Parses a recipient. The error leaves the value out, because it is a
/// provider's email address and callers may log the error.
fn parse_to(input: &str) -> anyhow::Result<Mailbox> {
    parse_mailbox(input).with_context(|| format!("invalid mail recipient: {MAILBOX_FORMS}"))
}

/// Parses one mailbox. lettre 0.11 already rejects lists and line breaks,
/// and the control-character check keeps header injection out even if a
/// later lettre version parses more leniently.
fn parse_mailbox(input: &str) -> anyhow::Result<Mailbox> {
    let input = input.trim();
    if input.chars().any(char::is_control) {
        bail!("the address contains a line break or another control character");
    }
    input.parse().context("the address is not a single valid mailbox")
}

/// Builds the message with the headers that every mail from visite carries:
/// From, To, Subject, Date, Message-ID, a UTF-8 plain-text Content-Type and
/// `Auto-Submitted: auto-generated` (RFC 3834), which marks the mail as
/// automatic so that out-of-office responders do not reply to it.
pub(super) fn build(from: &Mailbox, email: &Email, eight_bit: bool) -> anyhow::Result<Message> {
    let to = parse_to(&email.to)?;
    if email.subject.chars().any(char::is_control) {
        bail!("invalid mail subject: it must be one line without control characters");
    }

    let auto_submitted = HeaderValue::new(
        HeaderName::new_from_ascii_str("Auto-Submitted"),
        "auto-generated".to_owned(),
    );
    let body = if eight_bit {
        // 8bit allows lines up to 998 bytes; longer ones fall back to lettre's choice.
        Body::new_with_encoding(email.text.clone(), ContentTransferEncoding::EightBit).unwrap_or_else(Body::new)
    } else {
        Body::new(email.text.clone())
    };
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .date_now()
        .message_id(Some(message_id(from)))
        .header(ContentType::TEXT_PLAIN)
        .raw_header(auto_submitted)
        .body(body)
        .context("building the mail message failed")
}

/// Generates a Message-ID in the sender's domain, such as
/// `<1733312345678.9f3c2a...@praxis.example>`. The domain comes from the
/// From address rather than the host name, because a server's host name is
/// often internal and not a valid domain.
fn message_id(from: &Mailbox) -> String {
    let millis = super::unix_millis();
    let random: u128 = rand::random();
    format!("<{millis}.{random:032x}@{}>", from.email.domain())
}
