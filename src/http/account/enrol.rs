//! Enrolment of the second factor: an authenticator app (TOTP) confirmed with
//! its first code, then ten recovery codes shown once.

use askama::Template;
use crate::http::extract::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::{now, provider_tr, send_mail};
use crate::accounts::{recovery, totp};
use crate::http::App;
use crate::http::error::AppError;
use crate::http::locale::Locale;
use crate::http::pages::render;
use crate::http::session::PendingSession;
use crate::i18n::Tr;
use crate::store::{SecurityEvent, Session, SessionStage};

#[derive(Template, Default)]
#[template(path = "setup.html")]
struct SetupPage {
    tr: Tr,
    title: String,
    signed_in: bool,
    qr_data_url: String,
    secret: String,
    error: Option<String>,
    /// Whether to offer an authenticator app, which the operator may forbid.
    totp: bool,
    /// Whether to offer a passkey.
    passkeys: bool,
}

#[derive(Template, Default)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    tr: Tr,
    title: String,
    signed_in: bool,
    codes: Vec<String>,
}

/// Where to send a session that may not enrol now: a half-way session whose
/// account already has a factor goes to the code page, and a full session
/// (replacing its factor) must have confirmed its password in the last minutes.
async fn refuse_enrolment(app: &App, session: &Session) -> Result<Option<Response>, AppError> {
    if session.stage == SessionStage::Full {
        if super::changes::is_fresh(session) {
            return Ok(None);
        }
        return Ok(Some(Redirect::to("/account/confirm?next=/account/setup").into_response()));
    }
    let provider = session.provider.id;
    if app.store.totp_factor(provider).await?.is_some() || app.store.passkey_count(provider).await? > 0 {
        return Ok(Some(Redirect::to("/login/code").into_response()));
    }
    Ok(None)
}

/// Show a new secret as QR code and text, for the first enrolment or to
/// replace the authenticator app.
pub async fn form(State(app): State<App>, locale: Locale, PendingSession(session): PendingSession) -> Result<Response, AppError> {
    let tr = locale.tr();
    if let Some(redirect) = refuse_enrolment(&app, &session).await? {
        return Ok(redirect);
    }

    if !super::passkeys::totp_allowed(&app) {
        let page = SetupPage { title: tr.t("setup-title"), passkeys: true, tr, ..SetupPage::default() };
        return Ok(render(StatusCode::OK, &page));
    }

    // A reload shows the same secret, so a QR code already scanned stays valid.
    let secret = match app.store.pending_totp(&session.token_hash).await? {
        Some(secret) => secret,
        None => {
            let secret = totp::new_secret();
            app.store.set_pending_totp(&session.token_hash, &secret).await?;
            secret
        }
    };
    Ok(setup_page(&app, tr, &secret, &session.provider.email, None, StatusCode::OK))
}

fn setup_page(app: &App, tr: Tr, secret: &[u8], email: &str, error: Option<String>, status: StatusCode) -> Response {
    let uri = totp::otpauth_uri(secret, email);
    let page = SetupPage {
        title: tr.t("setup-title"),
        signed_in: false,
        qr_data_url: totp::qr_data_url(&uri).unwrap_or_default(),
        secret: totp::secret_for_display(secret),
        error,
        totp: true,
        passkeys: super::passkeys::available(app),
        tr,
    };
    render(status, &page)
}

#[derive(Deserialize)]
pub struct SetupForm {
    code: String,
}

/// Confirm the app with its current code, store the factor, and show the
/// recovery codes under a new, full session.
pub async fn submit(
    State(app): State<App>,
    locale: Locale,
    headers: HeaderMap,
    PendingSession(session): PendingSession,
    jar: CookieJar,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    if let Some(redirect) = refuse_enrolment(&app, &session).await? {
        return Ok(redirect);
    }
    if !super::passkeys::totp_allowed(&app) {
        tracing::info!(provider = session.provider.id.0, "authenticator app rejected: the operator allows passkeys only");
        return Ok(Redirect::to("/account/setup").into_response());
    }
    let replacing = session.stage == SessionStage::Full;
    let provider = session.provider;
    let Some(secret) = app.store.pending_totp(&session.token_hash).await? else {
        return Ok(Redirect::to("/account/setup").into_response());
    };

    let now = now();
    let step = match totp::verify(&secret, &form.code, now as u64, 0) {
        Ok(step) => step,
        Err(_) => {
            tracing::info!(provider = provider.id.0, "enrolment code rejected");
            return Ok(setup_page(&app, tr, &secret, &provider.email, Some(tr.t("setup-code-invalid")), StatusCode::UNPROCESSABLE_ENTITY));
        }
    };

    let codes = recovery::generate();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|code| recovery::hash(code)).collect();
    app.store.enrol_totp(provider.id, &secret, step as i64, &hashes, now).await?;
    app.store.record_security_event(provider.id, SecurityEvent::TotpEnrolled, &super::device_label(&headers), now).await?;
    tracing::info!(provider = provider.id.0, "authenticator app enrolled");
    send_mail(&app, &provider.email, provider_tr(&provider.locale), "totp-enrolled", &[]).await;

    // A first enrolment finishes the login; a replacement keeps the session.
    let jar = if replacing { jar } else { super::login::complete_login(&app, &provider, &headers, jar).await? };
    let page = RecoveryCodesPage { title: tr.t("recovery-title"), signed_in: true, codes, tr };
    Ok((jar, render(StatusCode::OK, &page)).into_response())
}
