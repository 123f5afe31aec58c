//! `/.well-known/security.txt` (RFC 9116): where to report security problems.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::App;
use super::error::AppError;

/// How far in the future the `Expires` field lies, in seconds. RFC 9116
/// recommends less than a year. The file is built from the settings on every
/// request, so it never goes stale while the server runs.
pub const EXPIRES_AFTER_SECONDS: i64 = 180 * 24 * 60 * 60;

/// Serves security.txt built from the settings, or 404 without `security_contact`.
pub async fn security_txt(State(app): State<App>) -> Result<Response, AppError> {
    let settings = &app.settings;
    let Some(contact) = &settings.security_contact else {
        return Err(AppError::NotFound);
    };
    let canonical = settings.public_origin.as_ref().map(|_| format!("{}/.well-known/security.txt", app.link_origin));
    let body = security_txt_body(
        contact,
        settings.security_policy_url.as_deref(),
        canonical.as_deref(),
        crate::store::unix_now(),
    );
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response())
}

/// Builds the file's fields. `canonical` is its own public URL, which only a
/// configured public origin gives.
pub fn security_txt_body(contact: &str, policy: Option<&str>, canonical: Option<&str>, now: i64) -> String {
    let mut body = format!("Contact: {contact}\nExpires: {}\n", super::rfc3339(now + EXPIRES_AFTER_SECONDS));
    if let Some(policy) = policy {
        body.push_str(&format!("Policy: {policy}\n"));
    }
    body.push_str("Preferred-Languages: de, en\n");
    if let Some(canonical) = canonical {
        body.push_str(&format!("Canonical: {canonical}\n"));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_rfc_9116_fields() {
        let body = security_txt_body(
            "mailto:security@praxis.example",
            Some("https://praxis.example/security"),
            Some("https://video.praxis.example/.well-known/security.txt"),
            1_796_414_462,
        );
        assert_eq!(
            body,
            "Contact: mailto:security@praxis.example\n\
             Expires: 2027-06-02T20:01:02Z\n\
             Policy: https://praxis.example/security\n\
             Preferred-Languages: de, en\n\
             Canonical: https://video.praxis.example/.well-known/security.txt\n"
        );
    }

    #[test]
    fn optional_fields_are_left_out() {
        let body = security_txt_body("https://praxis.example/report", None, None, 0);
        assert_eq!(body, "Contact: https://praxis.example/report\nExpires: 1970-06-30T00:00:00Z\nPreferred-Languages: de, en\n");
    }
}
