//! Pages behind links sent by email: verify the address, reset the password,
//! unlock the account, and the lockdown link of a new-device alert.
//!
//! Every link lands on a URL with `?token=`, which moves the token into a
//! short-lived cookie and redirects to the same path without it.

use askama::Template;
use tracing::Instrument;
use crate::http::extract::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::{LINK_COOKIE, link, link_cookie, link_cookie_removal, now, provider_tr, send_mail};
use crate::accounts::password_policy::{self, PersonalData};
use crate::http::{App, ClientIp};
use crate::http::error::AppError;
use crate::http::locale::Locale;
use crate::http::pages::{NoticePage, render};
use crate::http::session::{hash_token, new_token};
use crate::i18n::Tr;
use crate::password;
use crate::store::{SecurityEvent, TokenPurpose};

/// How long a password reset link works.
pub const RESET_LINK_SECONDS: i64 = 30 * 60;
/// Least time between two reset mails for the same account.
const RESET_REPEAT_SECONDS: i64 = 5 * 60;

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// For a request with `?token=`: the redirect that moves the token into the cookie.
fn move_token_out_of_url(jar: CookieJar, path: &str, query: &TokenQuery) -> Option<Response> {
    let token = query.token.as_ref()?;
    let token: String = token.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(64).collect();
    Some((jar.add(link_cookie(token)), Redirect::to(path)).into_response())
}

fn cookie_token(jar: &CookieJar) -> Option<Vec<u8>> {
    jar.get(LINK_COOKIE).map(|cookie| hash_token(cookie.value()))
}

fn notice(tr: Tr, title: &str, lines: &[&str], link: Option<(&str, &str)>, status: StatusCode) -> Response {
    render(status, &NoticePage::new(tr, title, lines, link))
}

fn invalid_link(tr: Tr, jar: CookieJar) -> Response {
    let page = notice(tr, "link-invalid-title", &["link-invalid-text"], Some(("/login", "home-login")), StatusCode::GONE);
    (jar.add(link_cookie_removal()), page).into_response()
}

pub async fn verify_email(State(app): State<App>, locale: Locale, jar: CookieJar, Query(query): Query<TokenQuery>) -> Result<Response, AppError> {
    if let Some(redirect) = move_token_out_of_url(jar.clone(), "/verify-email", &query) {
        return Ok(redirect);
    }
    let tr = locale.tr();
    let Some(hash) = cookie_token(&jar) else {
        return Ok(invalid_link(tr, jar));
    };
    let Some(provider) = app.store.consume_email_token(&hash, TokenPurpose::Verify, now()).await? else {
        tracing::info!("invalid or expired verification link");
        return Ok(invalid_link(tr, jar));
    };

    app.store.mark_email_verified(provider, now()).await?;
    app.store.record_security_event(provider, SecurityEvent::EmailVerified, "", now()).await?;
    tracing::info!(provider = provider.0, "email verified");
    let page = notice(tr, "verified-title", &["verified-text"], Some(("/login", "home-login")), StatusCode::OK);
    Ok((jar.add(link_cookie_removal()), page).into_response())
}

#[derive(Template, Default)]
#[template(path = "forgot.html")]
struct ForgotPage {
    tr: Tr,
    title: String,
    signed_in: bool,
}

pub async fn forgot_form(locale: Locale) -> Response {
    let tr = locale.tr();
    render(StatusCode::OK, &ForgotPage { title: tr.t("forgot-title"), tr, ..ForgotPage::default() })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// Mail a reset link if the account exists; the page reads the same either way.
pub async fn forgot_submit(
    State(app): State<App>,
    locale: Locale,
    client: ClientIp,
    Form(form): Form<ForgotForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    if app.logins.check_key(&client.key()).is_err() {
        return Err(AppError::RateLimited);
    }
    let email = form.email.trim().to_lowercase();
    // The lookup and the mail run after the response, so its timing is the
    // same whether the address has an account or not.
    let background = app.clone();
    tokio::spawn(async move {
        if let Err(error) = send_reset_link(&background, &email).await {
            tracing::error!(error = %format!("{error:#}"), "cannot send password reset link");
        }
    }.in_current_span());
    Ok(notice(tr, "check-inbox-title", &["forgot-sent", "check-inbox-spam"], None, StatusCode::OK))
}

/// Mail a reset link to a verified, enabled account, at most one every five minutes.
async fn send_reset_link(app: &App, email: &str) -> anyhow::Result<()> {
    let Some(provider) = app.store.provider_by_email(email).await?.filter(|p| p.email_verified_at.is_some() && p.disabled_at.is_none()) else {
        return Ok(());
    };
    let now = now();
    let newest = app.store.newest_email_token_at(provider.id, TokenPurpose::Reset).await?;
    if newest.is_some_and(|at| now - at < RESET_REPEAT_SECONDS) {
        return Ok(());
    }
    let (token, hash) = new_token();
    app.store.create_email_token(&hash, provider.id, TokenPurpose::Reset, now, now + RESET_LINK_SECONDS).await?;
    send_mail(app, &provider.email, provider_tr(&provider.locale), "reset", &[("link", link(app, "/password/reset", &token))]).await;
    tracing::info!(provider = provider.id.0, "password reset link sent");
    Ok(())
}

#[derive(Template, Default)]
#[template(path = "reset.html")]
struct ResetPage {
    tr: Tr,
    title: String,
    signed_in: bool,
    error: Option<String>,
}

pub async fn reset_form(State(app): State<App>, locale: Locale, jar: CookieJar, Query(query): Query<TokenQuery>) -> Result<Response, AppError> {
    if let Some(redirect) = move_token_out_of_url(jar.clone(), "/password/reset", &query) {
        return Ok(redirect);
    }
    let tr = locale.tr();
    let live = match cookie_token(&jar) {
        Some(hash) => app.store.peek_email_token(&hash, TokenPurpose::Reset, now()).await?.is_some(),
        None => false,
    };
    if !live {
        return Ok(invalid_link(tr, jar));
    }
    Ok(render(StatusCode::OK, &ResetPage { title: tr.t("reset-title"), tr, ..ResetPage::default() }))
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

/// Set the new password, end every session and tell the owner. The second
/// factor is still needed at the next login.
pub async fn reset_submit(State(app): State<App>, locale: Locale, jar: CookieJar, Form(form): Form<ResetForm>) -> Result<Response, AppError> {
    let tr = locale.tr();
    let Some(hash) = cookie_token(&jar) else {
        return Ok(invalid_link(tr, jar));
    };
    let Some(provider_id) = app.store.peek_email_token(&hash, TokenPurpose::Reset, now()).await? else {
        return Ok(invalid_link(tr, jar));
    };
    let Some(provider) = app.store.provider_by_id(provider_id).await? else {
        return Ok(invalid_link(tr, jar));
    };

    let personal = PersonalData { name: &provider.name, email: &provider.email, practice_name: &provider.practice_name, slug: &provider.slug };
    if let Err(problem) = password_policy::check(&form.password, &personal) {
        let page = ResetPage {
            title: tr.t("reset-title"),
            signed_in: false,
            error: Some(tr.t(super::signup::password_problem_key(problem))),
            tr,
        };
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    if app.store.consume_email_token(&hash, TokenPurpose::Reset, now()).await?.is_none() {
        return Ok(invalid_link(tr, jar));
    }

    let password_hash = password::hash(password_policy::normalize(&form.password)).await?;
    app.store.set_password_hash(provider.id, &password_hash).await?;
    let ended = app.store.delete_sessions_except(provider.id, None).await?;
    // Whoever opened the mailed link owns the address: earlier failures no longer count.
    app.store.clear_login_failures(&super::login::account_subject(&provider.email)).await?;
    app.store.record_security_event(provider.id, SecurityEvent::PasswordReset, "", now()).await?;
    tracing::info!(provider = provider.id.0, sessions_ended = ended, "password reset");
    send_mail(&app, &provider.email, provider_tr(&provider.locale), "password-changed", &[]).await;

    let page = notice(tr, "reset-done-title", &["reset-done-text"], Some(("/login", "home-login")), StatusCode::OK);
    Ok((jar.add(link_cookie_removal()), page).into_response())
}

pub async fn unlock(State(app): State<App>, locale: Locale, jar: CookieJar, Query(query): Query<TokenQuery>) -> Result<Response, AppError> {
    if let Some(redirect) = move_token_out_of_url(jar.clone(), "/account/unlock", &query) {
        return Ok(redirect);
    }
    let tr = locale.tr();
    let Some(hash) = cookie_token(&jar) else {
        return Ok(invalid_link(tr, jar));
    };
    let Some(provider_id) = app.store.consume_email_token(&hash, TokenPurpose::Unlock, now()).await? else {
        return Ok(invalid_link(tr, jar));
    };
    let Some(provider) = app.store.provider_by_id(provider_id).await? else {
        return Ok(invalid_link(tr, jar));
    };

    app.store.clear_login_failures(&super::login::account_subject(&provider.email)).await?;
    app.store.record_security_event(provider.id, SecurityEvent::AccountUnlocked, "", now()).await?;
    tracing::info!(provider = provider.id.0, "account unlocked");
    let page = notice(tr, "unlocked-title", &["unlocked-text"], Some(("/login", "home-login")), StatusCode::OK);
    Ok((jar.add(link_cookie_removal()), page).into_response())
}

/// From a new-device alert: end every session at once, then continue to a
/// password reset.
pub async fn lockdown(State(app): State<App>, locale: Locale, jar: CookieJar, Query(query): Query<TokenQuery>) -> Result<Response, AppError> {
    if let Some(redirect) = move_token_out_of_url(jar.clone(), "/account/lockdown", &query) {
        return Ok(redirect);
    }
    let tr = locale.tr();
    let Some(hash) = cookie_token(&jar) else {
        return Ok(invalid_link(tr, jar));
    };
    let Some(provider) = app.store.consume_email_token(&hash, TokenPurpose::Lockdown, now()).await? else {
        return Ok(invalid_link(tr, jar));
    };

    let ended = app.store.delete_sessions_except(provider, None).await?;
    app.store.record_security_event(provider, SecurityEvent::SessionsEnded, "", now()).await?;
    tracing::warn!(provider = provider.0, sessions_ended = ended, "all sessions ended from a new-device alert");

    let (token, reset_hash) = new_token();
    let now = now();
    app.store.create_email_token(&reset_hash, provider, TokenPurpose::Reset, now, now + RESET_LINK_SECONDS).await?;
    Ok((jar.add(link_cookie(token)), Redirect::to("/password/reset")).into_response())
}
