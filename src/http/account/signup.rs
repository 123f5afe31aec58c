//! Signup: validate the form, create an unverified account, send the
//! verification link.

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;

use super::{link, now, provider_tr, send_mail};
use crate::accounts::password_policy::{self, PersonalData, PasswordProblem};
use crate::core::validate::Slug;
use crate::http::App;
use crate::http::error::AppError;
use crate::http::locale::Locale;
use crate::http::pages::{NoticePage, render, slug_error_key};
use crate::http::session::{MaybeProvider, new_token};
use crate::i18n::Tr;
use crate::password;
use crate::store::{NewProvider, SecurityEvent, TokenPurpose, UniqueViolation, WriteError};

const NAME_MAX_CHARS: usize = 100;
const EMAIL_MAX_CHARS: usize = 254;
/// How long an email verification link works.
pub const VERIFY_LINK_SECONDS: i64 = 24 * 60 * 60;

#[derive(Template, Default)]
#[template(path = "signup.html")]
struct SignupPage {
    tr: Tr,
    title: String,
    path: String,
    signed_in: bool,
    name: String,
    practice_name: String,
    email: String,
    slug: String,
    errors: FieldErrors,
}

/// Translated error messages per form field.
#[derive(Default)]
struct FieldErrors {
    name: Option<String>,
    practice_name: Option<String>,
    email: Option<String>,
    slug: Option<String>,
    password: Option<String>,
}

impl FieldErrors {
    fn any(&self) -> bool {
        self.name.is_some()
            || self.practice_name.is_some()
            || self.email.is_some()
            || self.slug.is_some()
            || self.password.is_some()
    }
}

#[derive(Deserialize)]
pub struct SignupForm {
    name: String,
    practice_name: String,
    email: String,
    slug: String,
    password: String,
}

pub async fn form(locale: Locale, MaybeProvider(provider): MaybeProvider) -> Response {
    if provider.is_some() {
        return Redirect::to("/dashboard").into_response();
    }
    let tr = locale.tr();
    let page = SignupPage { title: tr.t("signup-title"), path: "/signup".into(), tr, ..SignupPage::default() };
    render(StatusCode::OK, &page)
}

pub async fn submit(
    State(app): State<App>,
    locale: Locale,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<SignupForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    if app.logins.check_key(&peer.ip()).is_err() {
        return Err(AppError::RateLimited);
    }

    let name = collapse(&form.name);
    let practice_name = collapse(&form.practice_name);
    let email = form.email.trim().to_lowercase();
    let slug = form.slug.trim().to_lowercase();
    let personal = PersonalData { name: &name, email: &email, practice_name: &practice_name, slug: &slug };
    let mut errors = FieldErrors {
        name: check_text(&name, "name").map(|key| tr.t(key)),
        practice_name: check_text(&practice_name, "practice-name").map(|key| tr.t(key)),
        email: (!is_plausible_email(&email)).then(|| tr.t("email-invalid")),
        slug: Slug::parse(&slug).err().map(|error| tr.t(slug_error_key(error))),
        password: password_policy::check(&form.password, &personal).err().map(|problem| tr.t(password_problem_key(problem))),
    };

    if !errors.any() {
        let password_hash = password::hash(password_policy::normalize(&form.password)).await?;
        let new = NewProvider { email: &email, name: &name, practice_name: &practice_name, slug: &slug, password_hash: &password_hash, locale: tr.code() };
        match app.store.create_provider(new).await {
            Ok(id) => {
                tracing::info!(provider = id.0, "provider signed up");
                app.store.record_security_event(id, SecurityEvent::SignedUp, "", now()).await?;
                send_verification(&app, id, &email, tr).await?;
                return Ok(check_inbox(tr));
            }
            Err(WriteError::Taken(UniqueViolation::Email)) => {
                // Answer as for a new account, so the form does not reveal who
                // has one, and tell the owner instead.
                tracing::info!("signup with a registered email address");
                if let Some(owner) = app.store.provider_by_email(&email).await? {
                    let owner_tr = provider_tr(&owner.locale);
                    send_mail(&app, &owner.email, owner_tr, "signup-exists", &[("link", format!("{}/login", app.link_origin))]).await;
                }
                return Ok(check_inbox(tr));
            }
            Err(WriteError::Taken(UniqueViolation::Slug)) => errors.slug = Some(tr.t("slug-taken")),
            Err(WriteError::Database(error)) => return Err(error.into()),
        }
    }

    let page = SignupPage { title: tr.t("signup-title"), path: "/signup".into(), tr, signed_in: false, name, practice_name, email, slug, errors };
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// Create a fresh verification link and mail it.
pub async fn send_verification(app: &App, provider: crate::store::ProviderId, email: &str, tr: Tr) -> Result<(), AppError> {
    let (token, hash) = new_token();
    let now = now();
    app.store.create_email_token(&hash, provider, TokenPurpose::Verify, now, now + VERIFY_LINK_SECONDS).await?;
    send_mail(app, email, tr, "verify", &[("link", link(app, "/verify-email", &token))]).await;
    Ok(())
}

fn check_inbox(tr: Tr) -> Response {
    let page = NoticePage::new(tr, "check-inbox-title", &["check-inbox-text", "check-inbox-spam"], None);
    render(StatusCode::OK, &page)
}

/// Trim and collapse runs of whitespace to one space.
fn collapse(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Return the error key for a name-like field whose value is not acceptable.
fn check_text(value: &str, field: &str) -> Option<&'static str> {
    let name = field == "name";
    if value.is_empty() {
        return Some(if name { "name-missing" } else { "practice-name-missing" });
    }
    if value.chars().count() > NAME_MAX_CHARS || value.chars().any(char::is_control) {
        return Some(if name { "name-invalid" } else { "practice-name-invalid" });
    }
    None
}

/// Check an address lightly for typos. The verification email is the real test.
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    email.chars().count() <= EMAIL_MAX_CHARS
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

pub fn password_problem_key(problem: PasswordProblem) -> &'static str {
    match problem {
        PasswordProblem::TooShort => "password-too-short",
        PasswordProblem::TooLong => "password-too-long",
        PasswordProblem::Common => "password-common",
        PasswordProblem::Personal => "password-personal",
        PasswordProblem::Guessable => "password-guessable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_emails() {
        assert!(is_plausible_email("erika@praxis.example"));
        assert!(!is_plausible_email("erika@localhost"));
        assert!(!is_plausible_email("erika praxis@x.de"));
        assert!(!is_plausible_email("@x.de"));
        assert!(!is_plausible_email("erika@x.de."));
    }
}
