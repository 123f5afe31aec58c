//! Time-based one-time passwords (RFC 6238) from an authenticator app:
//! SHA-1, six digits, 30-second steps, one step of clock skew either way.

use base64::Engine;
use qrcode::QrCode;
use qrcode::render::svg;
use rand::RngCore;
use totp_rs::{Algorithm, Totp};

/// Secret length in bytes: 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
const STEP_SECONDS: u64 = 30;
const DIGITS: u8 = 6;
const SKEW_STEPS: u16 = 1;
pub const ISSUER: &str = "visite";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpError {
    /// Not the code of the current step or its neighbours.
    Invalid,
    /// The code's step is not later than the last accepted one.
    Replayed,
}

pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8]) -> Option<Totp> {
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(SKEW_STEPS)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret.to_vec())
        .build()
        .ok()
}

/// Check `code` at Unix time `now`. Returns the matched time step, which the
/// caller stores so that this code and every older one are refused from then on.
pub fn verify(secret: &[u8], code: &str, now: u64, last_step: u64) -> Result<u64, TotpError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpError::Invalid);
    }
    let step = totp(secret).and_then(|totp| totp.check(&code, now)).ok_or(TotpError::Invalid)?;
    if step <= last_step {
        return Err(TotpError::Replayed);
    }
    Ok(step)
}

/// Compute the code for Unix time `now`, for tests and the enrolment check.
pub fn code_at(secret: &[u8], now: u64) -> String {
    totp(secret).map(|totp| totp.generate(now).to_string()).unwrap_or_default()
}

/// The secret in base32, grouped in fours for typing into an app by hand.
pub fn secret_for_display(secret: &[u8]) -> String {
    let encoded = base32_encode(secret);
    encoded.as_bytes().chunks(4).map(|chunk| String::from_utf8_lossy(chunk).into_owned()).collect::<Vec<_>>().join(" ")
}

/// The `otpauth://` URI that authenticator apps read from the QR code.
pub fn otpauth_uri(secret: &[u8], account: &str) -> String {
    let label = format!("{ISSUER}:{account}");
    format!(
        "otpauth://totp/{}?secret={}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(&label),
        base32_encode(secret),
    )
}

/// Render the QR code of `uri` as an SVG image on the server.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = QrCode::new(uri.as_bytes()).ok()?;
    Some(code.render::<svg::Color<'_>>().min_dimensions(220, 220).quiet_zone(true).build())
}

/// The SVG as a `data:` URL for an `<img>`, allowed by the page's CSP.
pub fn qr_data_url(uri: &str) -> Option<String> {
    let svg = qr_svg(uri)?;
    Some(format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)))
}

fn base32_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' | b'@' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B test secret (ASCII "12345678901234567890").
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_6238_vectors() {
        // The RFC lists 8-digit codes; the last six digits are the 6-digit code.
        assert_eq!(code_at(RFC_SECRET, 59), "287082");
        assert_eq!(code_at(RFC_SECRET, 1_111_111_109), "081804");
        assert_eq!(code_at(RFC_SECRET, 2_000_000_000), "279037");
    }

    #[test]
    fn accepts_current_and_neighbour_steps() {
        let now = 1_800_000_000;
        let step = now / 30;
        assert_eq!(verify(RFC_SECRET, &code_at(RFC_SECRET, now), now, 0), Ok(step));
        assert_eq!(verify(RFC_SECRET, &code_at(RFC_SECRET, now - 30), now, 0), Ok(step - 1));
        assert_eq!(verify(RFC_SECRET, &code_at(RFC_SECRET, now + 30), now, 0), Ok(step + 1));
    }

    #[test]
    fn rejects_old_steps() {
        let now = 1_800_000_000;
        assert_eq!(verify(RFC_SECRET, &code_at(RFC_SECRET, now - 60), now, 0), Err(TotpError::Invalid));
        assert_eq!(verify(RFC_SECRET, &code_at(RFC_SECRET, now + 60), now, 0), Err(TotpError::Invalid));
    }

    #[test]
    fn rejects_replay_of_same_or_older_step() {
        let now = 1_800_000_000;
        let code = code_at(RFC_SECRET, now);
        let step = verify(RFC_SECRET, &code, now, 0).unwrap();
        assert_eq!(verify(RFC_SECRET, &code, now, step), Err(TotpError::Replayed));
        let older = code_at(RFC_SECRET, now - 30);
        assert_eq!(verify(RFC_SECRET, &older, now, step), Err(TotpError::Replayed));
        let next = code_at(RFC_SECRET, now + 30);
        assert_eq!(verify(RFC_SECRET, &next, now + 30, step), Ok(step + 1));
    }

    #[test]
    fn rejects_malformed_codes() {
        for code in ["", "12345", "1234567", "abcdef", "12345\u{0661}"] {
            assert_eq!(verify(RFC_SECRET, code, 59, 0), Err(TotpError::Invalid), "{code:?}");
        }
        let spaced = code_at(RFC_SECRET, 59);
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert!(verify(RFC_SECRET, &spaced, 59, 0).is_ok(), "a code with a space was rejected");
    }

    #[test]
    fn base32_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b"f"), "MY");
    }

    #[test]
    fn uri_and_qr() {
        let uri = otpauth_uri(RFC_SECRET, "erika@praxis.example");
        assert!(uri.starts_with("otpauth://totp/visite:erika@praxis.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&"));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg"));
        assert!(qr_data_url(&uri).unwrap().starts_with("data:image/svg+xml;base64,"));
    }
}
