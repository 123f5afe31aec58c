//! Login in two steps: the password, then the second factor. Both steps
//! share one failure counter per account and one per client network.

use std::net::IpAddr;

use askama::Template;
use crate::http::extract::Form;
use axum::extract::{State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{device_label, link, now, provider_tr, send_mail, start_session};
use crate::accounts::{password_policy, recovery, throttle, totp};
use crate::http::{App, ClientIp};
use crate::http::error::AppError;
use crate::http::locale::Locale;
use crate::http::pages::render;
use crate::http::session::{MaybeProvider, PendingSession, SESSION_COOKIE, hash_token, new_token, removal_cookie};
use crate::i18n::Tr;
use crate::password;
use crate::store::{Provider, SecurityEvent, SessionStage, TokenPurpose};

/// Long-lived random cookie that recognises a browser for new-device alerts.
const DEVICE_COOKIE: &str = "__Host-visite-device";
/// How long the unlock link of a locked account works.
const UNLOCK_LINK_SECONDS: i64 = 24 * 60 * 60;
/// How long the link in a new-device alert works.
const LOCKDOWN_LINK_SECONDS: i64 = 24 * 60 * 60;

#[derive(Template, Default)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Tr,
    title: String,
    signed_in: bool,
    email: String,
    error: Option<String>,
    /// Whether to offer passwordless sign-in with a passkey.
    passkeys: bool,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

pub async fn form(State(app): State<App>, locale: Locale, MaybeProvider(provider): MaybeProvider, jar: CookieJar) -> Result<Response, AppError> {
    if provider.is_some() {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    // A session that passed the password continues where it stopped.
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        if let Some(session) = app.store.session(&hash_token(cookie.value()), now()).await? {
            let has_factor = app.store.totp_factor(session.provider.id).await?.is_some()
                || app.store.passkey_count(session.provider.id).await? > 0;
            let next = if has_factor { "/login/code" } else { "/account/setup" };
            return Ok(Redirect::to(next).into_response());
        }
    }
    let tr = locale.tr();
    let passkeys = super::passkeys::available(&app);
    Ok(render(StatusCode::OK, &LoginPage { title: tr.t("login-title"), tr, passkeys, ..LoginPage::default() }))
}

fn login_failed(app: &App, tr: Tr, email: String, key: &str, status: StatusCode) -> Response {
    let passkeys = super::passkeys::available(app);
    let page = LoginPage { title: tr.t("login-title"), tr, signed_in: false, email, error: Some(tr.t(key)), passkeys };
    render(status, &page)
}

fn wait_message(app: &App, tr: Tr, email: String, seconds: i64) -> Response {
    let page = LoginPage {
        title: tr.t("login-title"),
        signed_in: false,
        email,
        error: Some(wait_text(tr, seconds)),
        passkeys: super::passkeys::available(app),
        tr,
    };
    render(StatusCode::TOO_MANY_REQUESTS, &page)
}

/// The "please wait" message, in minutes once the wait is two minutes or more.
fn wait_text(tr: Tr, seconds: i64) -> String {
    if seconds >= 120 {
        tr.t1("login-wait-minutes", "minutes", (seconds + 59) / 60)
    } else {
        tr.t1("login-wait", "seconds", seconds.max(1))
    }
}

/// Throttle subject for an account, derived from the typed email so that
/// unknown addresses are throttled like real ones.
pub fn account_subject(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    format!("account:{}", hex(&digest[..16]))
}

/// Throttle subject for a client network: a keyed hash of the IPv4 address
/// or the IPv6 /64 prefix, so no address is stored.
pub async fn network_subject(app: &App, ip: IpAddr) -> Result<String, AppError> {
    let key = app.store.server_secret("throttle-network-key").await?;
    let network: Vec<u8> = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => v6.octets()[..8].to_vec(),
        },
    };
    let mut hasher = Sha256::new();
    hasher.update(&key);
    hasher.update(&network);
    Ok(format!("net:{}", hex(&hasher.finalize()[..16])))
}

/// Count this attempt on every subject before the password or code is
/// checked, and return the longest wait that a subject still imposes, if any.
/// Counting first means that parallel attempts cannot all pass the check; a
/// successful attempt is taken back by [`attempt_succeeded`]. A locked
/// account is checked separately, by `account_locked`.
pub async fn throttle_wait(app: &App, subjects: &[&str]) -> Result<Option<i64>, AppError> {
    let now = now();
    let mut wait = None;
    for subject in subjects {
        if let Err(seconds) = app.store.begin_attempt(subject, now).await? {
            wait = Some(wait.map_or(seconds, |w: i64| w.max(seconds)));
        }
    }
    Ok(wait)
}

/// Open an attempt at the password or the code: count it on the account and
/// the client network, and return the wait if either must hold it back. A
/// browser that completed a login to this account before is not held back by
/// the account's count, so that someone who only knows the email address
/// cannot lock its owner out; its attempt still counts.
async fn open_attempt(
    app: &App,
    provider: Option<&Provider>,
    account: &str,
    network: &str,
    jar: &CookieJar,
) -> Result<Option<i64>, AppError> {
    let known_device = match (provider, jar.get(DEVICE_COOKIE)) {
        (Some(provider), Some(cookie)) => app.store.is_known_device(provider.id, &hash_token(cookie.value())).await?,
        _ => false,
    };
    if known_device {
        app.store.record_login_failure(account, now()).await?;
        throttle_wait(app, &[network]).await
    } else {
        throttle_wait(app, &[account, network]).await
    }
}

/// Take back the network's count for an attempt whose password or code was
/// right. The account's count ends only with a complete login.
pub async fn attempt_succeeded(app: &App, network: &str) -> Result<(), AppError> {
    app.store.forgive_attempt(network).await?;
    Ok(())
}

/// Whether the account is locked: more failures in a row than the lock
/// threshold, counting the attempt now under way.
pub async fn account_locked(app: &App, subject: &str) -> Result<bool, AppError> {
    let (failures, _) = app.store.login_failures(subject).await?;
    Ok(failures > throttle::LOCK_AFTER)
}

/// Log a failed password or code (already counted when the attempt opened);
/// lock the account and mail its owner when its count reaches the threshold.
pub async fn record_failure(app: &App, account: &str, _network: &str, provider: Option<&Provider>, event: SecurityEvent, device: &str) -> Result<(), AppError> {
    let now = now();
    let (failures, _) = app.store.login_failures(account).await?;
    let Some(provider) = provider else {
        return Ok(());
    };
    app.store.record_security_event(provider.id, event, device, now).await?;
    if failures == throttle::LOCK_AFTER {
        tracing::warn!(provider = provider.id.0, "account locked after repeated failures");
        app.store.record_security_event(provider.id, SecurityEvent::AccountLocked, "", now).await?;
        let (token, hash) = new_token();
        app.store.create_email_token(&hash, provider.id, TokenPurpose::Unlock, now, now + UNLOCK_LINK_SECONDS).await?;
        send_mail(app, &provider.email, provider_tr(&provider.locale), "locked", &[("link", link(app, "/account/unlock", &token))]).await;
    }
    Ok(())
}

/// Check the password. Unknown email, wrong password and unverified account
/// get the same message after the same hashing work.
pub async fn submit(
    State(app): State<App>,
    locale: Locale,
    client: ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    let email = form.email.trim().to_lowercase();
    let account = account_subject(&email);
    let network = network_subject(&app, client.key()).await?;
    let device = device_label(&headers);

    let provider = app.store.provider_by_email(&email).await?;
    if let Some(seconds) = open_attempt(&app, provider.as_ref(), &account, &network, &jar).await? {
        return Ok(wait_message(&app, tr, email, seconds));
    }

    let stored_hash = provider.as_ref().map(|p| p.password_hash.clone());
    let valid = password::verify(password_policy::normalize(&form.password), stored_hash).await;

    let Some(provider) = provider.filter(|_| valid) else {
        let known = app.store.provider_by_email(&email).await?;
        record_failure(&app, &account, &network, known.as_ref(), SecurityEvent::LoginFailed, &device).await?;
        tracing::info!("login failed");
        return Ok(login_failed(&app, tr, email, "login-failed", StatusCode::UNAUTHORIZED));
    };
    if account_locked(&app, &account).await? {
        tracing::info!(provider = provider.id.0, "login to a locked account");
        return Ok(login_failed(&app, tr, email, "login-failed", StatusCode::UNAUTHORIZED));
    }
    if provider.disabled_at.is_some() {
        // The same message as a wrong password, so the page does not tell
        // whether the account exists; the attempt stays counted.
        tracing::info!(provider = provider.id.0, "login to a disabled account");
        return Ok(login_failed(&app, tr, email, "login-failed", StatusCode::UNAUTHORIZED));
    }
    if provider.email_verified_at.is_none() {
        // This attempt stays counted, exactly like a wrong password, so the
        // counters do not tell an unconfirmed registration apart.
        tracing::info!(provider = provider.id.0, "login before email verification, link sent again");
        super::signup::resend_verification(&app, &provider).await?;
        return Ok(login_failed(&app, tr, email, "login-failed", StatusCode::UNAUTHORIZED));
    }

    // The account count is cleared only after the second factor, or a known
    // password would reset it between guesses of the code.
    attempt_succeeded(&app, &network).await?;
    let jar = start_session(&app, provider.id, SessionStage::Password, &device, jar).await?;
    let has_factor = app.store.totp_factor(provider.id).await?.is_some() || app.store.passkey_count(provider.id).await? > 0;
    let next = if has_factor { "/login/code" } else { "/account/setup" };
    Ok((jar, Redirect::to(next)).into_response())
}

#[derive(Template, Default)]
#[template(path = "login_code.html")]
struct CodePage {
    tr: Tr,
    title: String,
    signed_in: bool,
    error: Option<String>,
    /// Whether to offer the account's passkeys.
    passkeys: bool,
    /// Whether authenticator-app codes are accepted, or only recovery codes.
    totp: bool,
}

/// Build the code page with the ways of confirming that this provider has.
async fn code_page(app: &App, tr: Tr, provider: &Provider, error: Option<String>) -> Result<CodePage, AppError> {
    let passkeys = super::passkeys::available(app) && app.store.passkey_count(provider.id).await? > 0;
    let totp = super::passkeys::totp_allowed(app);
    Ok(CodePage { title: tr.t("code-title"), tr, signed_in: false, error, passkeys, totp })
}

pub async fn code_form(State(app): State<App>, locale: Locale, PendingSession(session): PendingSession) -> Result<Response, AppError> {
    let tr = locale.tr();
    if session.stage == SessionStage::Full {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    Ok(render(StatusCode::OK, &code_page(&app, tr, &session.provider, None).await?))
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

/// Check the TOTP or recovery code and upgrade to a full session under a new token.
pub async fn code_submit(
    State(app): State<App>,
    locale: Locale,
    client: ClientIp,
    headers: HeaderMap,
    PendingSession(session): PendingSession,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    let provider = session.provider;
    let account = account_subject(&provider.email);
    let network = network_subject(&app, client.key()).await?;
    let device = device_label(&headers);
    let failed = code_page(&app, tr, &provider, Some(tr.t("code-invalid"))).await?;

    if let Some(seconds) = open_attempt(&app, Some(&provider), &account, &network, &jar).await? {
        let page = code_page(&app, tr, &provider, Some(wait_text(tr, seconds))).await?;
        return Ok(render(StatusCode::TOO_MANY_REQUESTS, &page));
    }
    if account_locked(&app, &account).await? {
        return Ok(render(StatusCode::UNAUTHORIZED, &failed));
    }

    let accepted = if recovery::looks_like_code(&form.code) {
        let used = app.store.consume_recovery_code(provider.id, &recovery::hash(&form.code)).await?;
        if used {
            tracing::info!(provider = provider.id.0, "recovery code used");
            app.store.record_security_event(provider.id, SecurityEvent::RecoveryCodeUsed, &device, now()).await?;
        }
        used
    } else if !super::passkeys::totp_allowed(&app) {
        false
    } else {
        match app.store.totp_factor(provider.id).await? {
            Some(factor) => match totp::verify(&factor.secret, &form.code, now() as u64, factor.last_step as u64) {
                Ok(step) => app.store.advance_totp_step(provider.id, step as i64).await?,
                Err(_) => false,
            },
            None => false,
        }
    };
    if !accepted {
        record_failure(&app, &account, &network, Some(&provider), SecurityEvent::SecondFactorFailed, &device).await?;
        tracing::info!(provider = provider.id.0, "second factor failed");
        return Ok(render(StatusCode::UNAUTHORIZED, &failed));
    }

    attempt_succeeded(&app, &network).await?;
    let jar = complete_login(&app, &provider, &headers, jar).await?;
    // Under a passkey-only setting, an account that still has none sets one up next.
    let needs_passkey = !super::passkeys::totp_allowed(&app) && app.store.passkey_count(provider.id).await? == 0;
    let next = if needs_passkey { "/account/setup" } else { "/dashboard" };
    Ok((jar, Redirect::to(next)).into_response())
}

/// Replace the half-way session with a full one under a new token, and
/// alert the owner when this browser never logged in before.
pub async fn complete_login(app: &App, provider: &Provider, headers: &HeaderMap, jar: CookieJar) -> Result<CookieJar, AppError> {
    if let Some(old) = jar.get(SESSION_COOKIE) {
        app.store.delete_session(&hash_token(old.value())).await?;
    }
    let device = device_label(headers);
    app.store.clear_login_failures(&account_subject(&provider.email)).await?;
    let mut jar = start_session(app, provider.id, SessionStage::Full, &device, jar).await?;

    let device_token = match jar.get(DEVICE_COOKIE) {
        Some(cookie) if cookie.value().len() >= 32 => cookie.value().to_owned(),
        _ => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let token = URL_SAFE_NO_PAD.encode(bytes);
            jar = jar.add(
                Cookie::build((DEVICE_COOKIE, token.clone()))
                    .path("/")
                    .secure(true)
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .max_age(super::time_minutes(60 * 24 * 400))
                    .build(),
            );
            token
        }
    };
    let now = now();
    let first_device = !app.store.has_known_devices(provider.id).await?;
    let known = app.store.remember_device(provider.id, &hash_token(&device_token), now).await?;
    app.store.record_security_event(provider.id, SecurityEvent::Login, &device, now).await?;
    tracing::info!(provider = provider.id.0, "provider logged in");

    if !known && !first_device {
        tracing::info!(provider = provider.id.0, "login from a new device");
        app.store.record_security_event(provider.id, SecurityEvent::NewDevice, &device, now).await?;
        let (token, hash) = new_token();
        app.store.create_email_token(&hash, provider.id, TokenPurpose::Lockdown, now, now + LOCKDOWN_LINK_SECONDS).await?;
        let tr = provider_tr(&provider.locale);
        let args = [
            ("time", crate::http::pages::rfc3339(now).replace('T', " ").replace('Z', " UTC")),
            ("device", device.clone()),
            ("link", link(app, "/account/lockdown", &token)),
        ];
        send_mail(app, &provider.email, tr, "new-device", &args).await;
    }
    Ok(jar)
}

pub async fn logout(State(app): State<App>, jar: CookieJar) -> Result<Response, AppError> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        app.store.delete_session(&hash_token(cookie.value())).await?;
    }
    Ok((jar.add(removal_cookie()), Redirect::to("/")).into_response())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
