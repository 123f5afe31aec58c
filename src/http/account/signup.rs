//! Signup: validate the form, create an unverified account, send the
//! verification link.

use askama::Template;
use crate::http::extract::Form;
use axum::extract::{State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use super::{link, now, provider_tr, send_mail};
use crate::accounts::password_policy::{self, PersonalData, PasswordProblem};
use crate::core::validate::Slug;
use crate::http::{App, ClientIp};
use crate::http::error::AppError;
use crate::http::locale::Locale;
use crate::http::pages::{NoticePage, render, slug_error_key};
use crate::http::session::{MaybeProvider, new_token};
use crate::i18n::Tr;
use crate::password;
use crate::store::{NewProvider, SecurityEvent, TokenPurpose, UniqueViolation, WriteError};

const NAME_MAX_CHARS: usize = 100;
const EMAIL_MAX_CHARS: usize = 254;
/// How long an email verification link works; unconfirmed accounts are
/// deleted after the same time.
pub const VERIFY_LINK_SECONDS: i64 = 24 * 60 * 60;
/// Minimum time between two verification mails for the same account.
const RESEND_AFTER_SECONDS: i64 = 10 * 60;
/// Minimum time between two "somebody used your address" mails.
const MAIL_REPEAT_SECONDS: i64 = 60 * 60;

#[derive(Template, Default)]
#[template(path = "signup.html")]
struct SignupPage {
    tr: Tr,
    title: String,
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
    let page = SignupPage { title: tr.t("signup-title"), tr, ..SignupPage::default() };
    render(StatusCode::OK, &page)
}

pub async fn submit(
    State(app): State<App>,
    locale: Locale,
    client: ClientIp,
    Form(form): Form<SignupForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    if app.logins.check_key(&client.key()).is_err() {
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
                // A new account would now hold the room link: hold it the same way.
                app.store.reserve_slug(&slug, now() + VERIFY_LINK_SECONDS).await?;
                if let Some(owner) = app.store.provider_by_email(&email).await? {
                    tell_owner_of_signup(&app, &owner).await?;
                }
                return Ok(check_inbox(tr));
            }
            Err(WriteError::Taken(UniqueViolation::Slug)) => errors.slug = Some(tr.t("slug-taken")),
            Err(WriteError::Database(error)) => return Err(error.into()),
        }
    }

    let page = SignupPage { title: tr.t("signup-title"), tr, signed_in: false, name, practice_name, email, slug, errors };
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// Mail the owner of an address that somebody tried to sign up with, at
/// most once an hour, so the form cannot be used to flood their inbox.
async fn tell_owner_of_signup(app: &App, owner: &crate::store::Provider) -> Result<(), AppError> {
    let now = now();
    let last = app.store.last_security_event_at(owner.id, SecurityEvent::SignupAttempt).await?;
    app.store.record_security_event(owner.id, SecurityEvent::SignupAttempt, "", now).await?;
    if last.is_some_and(|at| now - at < MAIL_REPEAT_SECONDS) {
        return Ok(());
    }
    let owner_tr = provider_tr(&owner.locale);
    if owner.email_verified_at.is_some() {
        send_mail(app, &owner.email, owner_tr, "signup-exists", &[("link", format!("{}/login", app.link_origin))]).await;
    } else {
        send_mail(app, &owner.email, owner_tr, "signup-pending", &[]).await;
    }
    Ok(())
}

/// Create a fresh verification link and mail it, unless one went out in the
/// last ten minutes.
pub async fn resend_verification(app: &App, provider: &crate::store::Provider) -> Result<(), AppError> {
    let newest = app.store.newest_email_token_at(provider.id, TokenPurpose::Verify).await?;
    if newest.is_some_and(|at| now() - at < RESEND_AFTER_SECONDS) {
        return Ok(());
    }
    send_verification(app, provider.id, &provider.email, provider_tr(&provider.locale)).await
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
pub(crate) fn collapse(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Return the error key for a name-like field whose value is not acceptable.
pub(crate) fn check_text(value: &str, field: &str) -> Option<&'static str> {
    let name = field == "name";
    if value.is_empty() {
        return Some(if name { "name-missing" } else { "practice-name-missing" });
    }
    if value.chars().count() > NAME_MAX_CHARS || value.chars().any(crate::core::validate::is_forbidden) {
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
        && !email.chars().any(|c| c.is_whitespace() || crate::core::validate::is_forbidden(c) || matches!(c, '<' | '>' | ',' | ';'))
        // The mailer must accept the address too, or the account could never be confirmed.
        && email.parse::<lettre::Address>().is_ok()
        && !domain.starts_with('[')
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
        assert!(!is_plausible_email("x@[127.0.0.1]"));
        assert!(!is_plausible_email("abc@@praxis.example"));
        assert!(!is_plausible_email("a\u{202E}@praxis.example"));
    }
}
