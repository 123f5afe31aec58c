//! Provider signup, login and logout.

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use std::net::SocketAddr;

use super::App;
use super::error::AppError;
use super::locale::Locale;
use super::pages::{render, slug_error_key};
use super::session::{MaybeProvider, SESSION_COOKIE, hash_token, new_token, removal_cookie, session_cookie};
use crate::core::validate::Slug;
use crate::i18n::Tr;
use crate::password::{self, PasswordError};
use crate::store::{NewProvider, ProviderId, UniqueViolation, WriteError, unix_now};

const NAME_MAX_CHARS: usize = 100;
const EMAIL_MAX_CHARS: usize = 254;

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
        self.name.is_some() || self.practice_name.is_some() || self.email.is_some()
            || self.slug.is_some() || self.password.is_some()
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

pub async fn signup_form(locale: Locale, MaybeProvider(provider): MaybeProvider) -> Response {
    if provider.is_some() {
        return Redirect::to("/dashboard").into_response();
    }
    let tr = locale.tr();
    render(StatusCode::OK, &SignupPage { title: tr.t("signup-title"), path: "/signup".into(), tr, ..SignupPage::default() })
}

pub async fn signup(
    State(app): State<App>,
    locale: Locale,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(form): Form<SignupForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    if app.logins.check_key(&peer.ip()).is_err() {
        return Err(AppError::RateLimited);
    }

    let name = collapse(&form.name);
    let practice_name = collapse(&form.practice_name);
    let email = form.email.trim().to_lowercase();
    let slug_input = form.slug.trim().to_lowercase();
    let mut errors = FieldErrors {
        name: check_text(&name, "name").map(|key| tr.t(key)),
        practice_name: check_text(&practice_name, "practice-name").map(|key| tr.t(key)),
        email: (!is_plausible_email(&email)).then(|| tr.t("email-invalid")),
        slug: Slug::parse(&slug_input).err().map(|error| tr.t(slug_error_key(error))),
        password: password::check_new(&form.password, &[&email, &name]).err().map(|error| tr.t(password_error_key(error))),
    };

    if !errors.any() {
        match create_account(&app, &name, &practice_name, &email, &slug_input, form.password, tr).await {
            Ok(id) => {
                tracing::info!(provider = id.0, "provider signed up");
                return start_session(&app, id, jar).await;
            }
            Err(CreateError::Taken(UniqueViolation::Email)) => errors.email = Some(tr.t("email-taken")),
            Err(CreateError::Taken(UniqueViolation::Slug)) => errors.slug = Some(tr.t("slug-taken")),
            Err(CreateError::Other(error)) => return Err(error),
        }
    }

    let page = SignupPage {
        title: tr.t("signup-title"),
        path: "/signup".into(),
        tr,
        signed_in: false,
        name,
        practice_name,
        email,
        slug: slug_input,
        errors,
    };
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

enum CreateError {
    Taken(UniqueViolation),
    Other(AppError),
}

async fn create_account(
    app: &App,
    name: &str,
    practice_name: &str,
    email: &str,
    slug: &str,
    password: String,
    tr: Tr,
) -> Result<ProviderId, CreateError> {
    let password_hash = password::hash(password).await.map_err(|error| CreateError::Other(error.into()))?;
    let new = NewProvider { email, name, practice_name, slug, password_hash: &password_hash, locale: tr.code() };
    app.store.create_provider(new).await.map_err(|error| match error {
        WriteError::Taken(which) => CreateError::Taken(which),
        WriteError::Database(error) => CreateError::Other(error.into()),
    })
}

#[derive(Template, Default)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Tr,
    title: String,
    path: String,
    signed_in: bool,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

pub async fn login_form(locale: Locale, MaybeProvider(provider): MaybeProvider) -> Response {
    if provider.is_some() {
        return Redirect::to("/dashboard").into_response();
    }
    let tr = locale.tr();
    render(StatusCode::OK, &LoginPage { title: tr.t("login-title"), path: "/login".into(), tr, ..LoginPage::default() })
}

/// Check the password. Unknown email and wrong password get the same message
/// and the same hashing work, so neither text nor timing tells them apart.
pub async fn login(
    State(app): State<App>,
    locale: Locale,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    if app.logins.check_key(&peer.ip()).is_err() {
        return Err(AppError::RateLimited);
    }

    let email = form.email.trim().to_lowercase();
    let provider = app.store.provider_by_email(&email).await?;
    let stored_hash = provider.as_ref().map(|p| p.password_hash.clone());
    let valid = password::verify(form.password, stored_hash).await;

    match provider {
        Some(provider) if valid => {
            tracing::info!(provider = provider.id.0, "provider logged in");
            start_session(&app, provider.id, jar).await
        }
        _ => {
            tracing::info!("login failed");
            let page = LoginPage {
                title: tr.t("login-title"),
                path: "/login".into(),
                tr,
                signed_in: false,
                email,
                error: Some(tr.t("login-failed")),
            };
            Ok(render(StatusCode::UNAUTHORIZED, &page))
        }
    }
}

pub async fn logout(State(app): State<App>, jar: CookieJar) -> Result<Response, AppError> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        app.store.delete_session(&hash_token(cookie.value())).await?;
    }
    Ok((jar.add(removal_cookie()), Redirect::to("/")).into_response())
}

async fn start_session(app: &App, provider: ProviderId, jar: CookieJar) -> Result<Response, AppError> {
    let (token, hash) = new_token();
    app.store.create_session(&hash, provider, unix_now()).await?;
    Ok((jar.add(session_cookie(token)), Redirect::to("/dashboard")).into_response())
}

/// Trim and collapse runs of whitespace to one space.
fn collapse(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The error key for a name-like field, if the value is not acceptable.
fn check_text(value: &str, field: &str) -> Option<&'static str> {
    let key = |suffix: &str| -> &'static str {
        match (field, suffix) {
            ("name", "missing") => "name-missing",
            ("name", _) => "name-invalid",
            (_, "missing") => "practice-name-missing",
            _ => "practice-name-invalid",
        }
    };
    if value.is_empty() {
        return Some(key("missing"));
    }
    if value.chars().count() > NAME_MAX_CHARS || value.chars().any(char::is_control) {
        return Some(key("invalid"));
    }
    None
}

/// A light check that catches typos; the verification email is the real test.
fn is_plausible_email(email: &str) -> bool {
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

fn password_error_key(error: PasswordError) -> &'static str {
    match error {
        PasswordError::TooShort => "password-too-short",
        PasswordError::TooLong => "password-too-long",
        PasswordError::SameAsPersonalData => "password-personal",
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
