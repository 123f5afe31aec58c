//! Changes to an account that need a fresh authentication: the password,
//! the email address, the second factor and the recovery codes. Each change
//! sends a notice to the verified address.

use askama::Template;
use crate::http::extract::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::{LINK_COOKIE, device_label, link, link_cookie, link_cookie_removal, now, provider_tr, send_mail};
use crate::accounts::password_policy::{self, PersonalData};
use crate::accounts::recovery;
use crate::http::{App, ClientIp};
use crate::http::error::AppError;
use crate::http::locale::Locale;
use crate::http::pages::{NoticePage, render};
use crate::http::session::{FullSession, hash_token, new_token};
use crate::i18n::Tr;
use crate::password;
use crate::store::{SecurityEvent, Session, UniqueViolation, WriteError};

/// How recent the last password check must be for a sensitive change.
pub const FRESH_AUTH_SECONDS: i64 = 5 * 60;
/// How long the link that confirms a new email address works.
const CHANGE_EMAIL_LINK_SECONDS: i64 = 24 * 60 * 60;

pub fn is_fresh(session: &Session) -> bool {
    now() - session.authenticated_at <= FRESH_AUTH_SECONDS
}

/// Where the confirmation page may send the browser back to.
const CONFIRM_TARGETS: &[&str] = &["/account/setup", "/account/password", "/account/email", "/account/recovery-codes"];

fn confirm_redirect(next: &str) -> Response {
    Redirect::to(&format!("/account/confirm?next={next}")).into_response()
}

#[derive(Template, Default)]
#[template(path = "account_form.html")]
struct AccountForm {
    tr: Tr,
    title: String,
    signed_in: bool,
    heading: String,
    text: String,
    action: String,
    /// (name, type, label, autocomplete, with strength meter)
    fields: Vec<(String, String, String, String, bool)>,
    hidden: Vec<(String, String)>,
    submit: String,
    error: Option<String>,
}

impl AccountForm {
    fn new(tr: Tr, key: &str, action: &str) -> Self {
        Self {
            title: tr.t(&format!("{key}-title")),
            heading: tr.t(&format!("{key}-title")),
            text: tr.t(&format!("{key}-text")),
            submit: tr.t(&format!("{key}-submit")),
            action: action.to_owned(),
            signed_in: true,
            tr,
            ..Self::default()
        }
    }

    fn field(mut self, name: &str, kind: &str, label_key: &str, autocomplete: &str, meter: bool) -> Self {
        let label = self.tr.t(label_key);
        self.fields.push((name.into(), kind.into(), label, autocomplete.into(), meter));
        self
    }

    fn error(mut self, key: &str) -> Self {
        self.error = Some(self.tr.t(key));
        self
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

fn safe_next(next: &str) -> &'static str {
    CONFIRM_TARGETS.iter().find(|target| **target == next).copied().unwrap_or("/account")
}

fn confirm_form(tr: Tr, next: &str) -> AccountForm {
    let mut form = AccountForm::new(tr, "confirm", "/account/confirm").field("password", "password", "field-password", "current-password", false);
    form.hidden.push(("next".into(), safe_next(next).into()));
    form
}

pub async fn confirm_page(locale: Locale, FullSession(_session): FullSession, Query(query): Query<NextQuery>) -> Response {
    render(StatusCode::OK, &confirm_form(locale.tr(), &query.next))
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    password: String,
    #[serde(default)]
    next: String,
}

/// Check the password again and mark the session as freshly authenticated.
pub async fn confirm_submit(
    State(app): State<App>,
    locale: Locale,
    client: ClientIp,
    headers: HeaderMap,
    FullSession(session): FullSession,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    if !check_password(&app, &session, &form.password, client, &headers).await? {
        return Ok(render(StatusCode::UNAUTHORIZED, &confirm_form(tr, &form.next).error("confirm-failed")));
    }
    app.store.touch_authentication(&session.token_hash, now()).await?;
    Ok(Redirect::to(safe_next(&form.next)).into_response())
}

/// Verify the session owner's password, counting a failure like a failed login.
async fn check_password(app: &App, session: &Session, password: &str, client: ClientIp, headers: &HeaderMap) -> Result<bool, AppError> {
    let provider = &session.provider;
    let account = super::login::account_subject(&provider.email);
    let network = super::login::network_subject(app, client.key()).await?;
    if super::login::throttle_wait(app, &[&account, &network]).await?.is_some() {
        return Ok(false);
    }
    let valid = password::verify(password_policy::normalize(password), Some(provider.password_hash.clone())).await;
    if valid {
        app.store.clear_login_failures(&account).await?;
        super::login::attempt_succeeded(app, &network).await?;
    } else {
        super::login::record_failure(app, &account, &network, Some(provider), SecurityEvent::LoginFailed, &device_label(headers)).await?;
    }
    Ok(valid)
}

fn password_form(tr: Tr) -> AccountForm {
    AccountForm::new(tr, "change-password", "/account/password")
        .field("current_password", "password", "field-current-password", "current-password", false)
        .field("password", "password", "field-new-password", "new-password", true)
}

pub async fn password_page(locale: Locale, FullSession(_session): FullSession) -> Response {
    render(StatusCode::OK, &password_form(locale.tr()))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    password: String,
}

/// Change the password: the current one is the fresh authentication. Every
/// other session ends.
pub async fn password_submit(
    State(app): State<App>,
    locale: Locale,
    client: ClientIp,
    headers: HeaderMap,
    FullSession(session): FullSession,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    let provider = &session.provider;
    if !check_password(&app, &session, &form.current_password, client, &headers).await? {
        return Ok(render(StatusCode::UNAUTHORIZED, &password_form(tr).error("confirm-failed")));
    }
    let personal = PersonalData { name: &provider.name, email: &provider.email, practice_name: &provider.practice_name, slug: &provider.slug };
    if let Err(problem) = password_policy::check(&form.password, &personal) {
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &password_form(tr).error(super::signup::password_problem_key(problem))));
    }

    let hash = password::hash(password_policy::normalize(&form.password)).await?;
    app.store.set_password_hash(provider.id, &hash).await?;
    let ended = app.store.delete_sessions_except(provider.id, Some(&session.token_hash)).await?;
    app.store.touch_authentication(&session.token_hash, now()).await?;
    app.store.record_security_event(provider.id, SecurityEvent::PasswordChanged, &device_label(&headers), now()).await?;
    tracing::info!(provider = provider.id.0, sessions_ended = ended, "password changed");
    send_mail(&app, &provider.email, provider_tr(&provider.locale), "password-changed", &[]).await;
    Ok(render(StatusCode::OK, &NoticePage::new(tr, "change-password-done", &["change-password-done-text"], Some(("/account", "account-back")))))
}

fn email_form(tr: Tr) -> AccountForm {
    AccountForm::new(tr, "change-email", "/account/email")
        .field("current_password", "password", "field-current-password", "current-password", false)
        .field("email", "email", "field-new-email", "email", false)
}

pub async fn email_page(locale: Locale, FullSession(_session): FullSession) -> Response {
    render(StatusCode::OK, &email_form(locale.tr()))
}

#[derive(Deserialize)]
pub struct EmailForm {
    current_password: String,
    email: String,
}

/// Send a confirmation link to the new address; the account switches only
/// when that link is opened.
pub async fn email_submit(
    State(app): State<App>,
    locale: Locale,
    client: ClientIp,
    headers: HeaderMap,
    FullSession(session): FullSession,
    Form(form): Form<EmailForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    let provider = &session.provider;
    if !check_password(&app, &session, &form.current_password, client, &headers).await? {
        return Ok(render(StatusCode::UNAUTHORIZED, &email_form(tr).error("confirm-failed")));
    }
    let email = form.email.trim().to_lowercase();
    if !super::signup::is_plausible_email(&email) {
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &email_form(tr).error("email-invalid")));
    }

    let (token, hash) = new_token();
    let now = now();
    app.store.create_email_change_token(&hash, provider.id, &email, now, now + CHANGE_EMAIL_LINK_SECONDS).await?;
    let provider_tr = provider_tr(&provider.locale);
    send_mail(&app, &email, provider_tr, "change-email", &[("link", link(&app, "/account/email/confirm", &token))]).await;
    send_mail(&app, &provider.email, provider_tr, "change-email-notice", &[]).await;
    tracing::info!(provider = provider.id.0, "email change requested");
    Ok(render(StatusCode::OK, &NoticePage::new(tr, "check-inbox-title", &["change-email-sent"], Some(("/account", "account-back")))))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// Switch the address once the link from the new inbox is opened.
pub async fn email_confirm(State(app): State<App>, locale: Locale, jar: CookieJar, Query(query): Query<TokenQuery>) -> Result<Response, AppError> {
    if let Some(token) = query.token {
        let token: String = token.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(64).collect();
        return Ok((jar.add(link_cookie(token)), Redirect::to("/account/email/confirm")).into_response());
    }
    let tr = locale.tr();
    let invalid = |jar: CookieJar| {
        let page = render(StatusCode::GONE, &NoticePage::new(tr, "link-invalid-title", &["link-invalid-text"], Some(("/login", "home-login"))));
        (jar.add(link_cookie_removal()), page).into_response()
    };
    let Some(hash) = jar.get(LINK_COOKIE).map(|cookie| hash_token(cookie.value())) else {
        return Ok(invalid(jar));
    };
    let Some((provider_id, email)) = app.store.consume_email_change_token(&hash, now()).await? else {
        return Ok(invalid(jar));
    };
    let Some(provider) = app.store.provider_by_id(provider_id).await? else {
        return Ok(invalid(jar));
    };

    match app.store.set_email(provider.id, &email, now()).await {
        Ok(()) => {}
        Err(WriteError::Taken(UniqueViolation::Email)) => return Ok(invalid(jar)),
        Err(WriteError::Taken(_)) => return Ok(invalid(jar)),
        Err(WriteError::Database(error)) => return Err(error.into()),
    }
    app.store.record_security_event(provider.id, SecurityEvent::EmailChanged, "", now()).await?;
    tracing::info!(provider = provider.id.0, "email changed");
    send_mail(&app, &provider.email, provider_tr(&provider.locale), "email-changed", &[]).await;
    let page = render(StatusCode::OK, &NoticePage::new(tr, "change-email-done", &["change-email-done-text"], Some(("/account", "account-back"))));
    Ok((jar.add(link_cookie_removal()), page).into_response())
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    tr: Tr,
    title: String,
    signed_in: bool,
    codes: Vec<String>,
}

/// Replace the recovery codes and show the new ones once.
pub async fn renew_recovery_codes(State(app): State<App>, locale: Locale, headers: HeaderMap, FullSession(session): FullSession) -> Result<Response, AppError> {
    if !is_fresh(&session) {
        return Ok(Redirect::to("/account/confirm?next=/account/recovery-codes").into_response());
    }
    let tr = locale.tr();
    let provider = &session.provider;
    let codes = recovery::generate();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|code| recovery::hash(code)).collect();
    app.store.replace_recovery_codes(provider.id, &hashes).await?;
    app.store.record_security_event(provider.id, SecurityEvent::RecoveryCodesRenewed, &device_label(&headers), now()).await?;
    tracing::info!(provider = provider.id.0, "recovery codes renewed");
    send_mail(&app, &provider.email, provider_tr(&provider.locale), "recovery-renewed", &[]).await;
    Ok(render(StatusCode::OK, &RecoveryCodesPage { title: tr.t("recovery-title"), signed_in: true, codes, tr }))
}

/// The renewal form posts; a GET after the confirmation page lands here.
pub async fn recovery_codes_page(locale: Locale, FullSession(session): FullSession) -> Response {
    if !is_fresh(&session) {
        return confirm_redirect("/account/recovery-codes");
    }
    let form = AccountForm::new(locale.tr(), "renew-recovery", "/account/recovery-codes");
    render(StatusCode::OK, &form)
}
