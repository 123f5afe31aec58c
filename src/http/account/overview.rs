//! The account page: live sessions, the security log, recovery codes left.

use askama::Template;
use crate::http::extract::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::now;
use crate::http::App;
use crate::http::error::AppError;
use crate::http::locale::Locale;
use crate::http::pages::{render, rfc3339};
use crate::http::session::FullSession;
use crate::i18n::Tr;
use crate::store::SecurityEvent;

const SECURITY_EVENTS_SHOWN: i64 = 100;

pub struct SessionView {
    pub id: String,
    pub device: String,
    pub started_at: String,
    pub last_seen_at: String,
    pub current: bool,
}

pub struct PasskeyView {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

pub struct EventView {
    pub at: String,
    pub text: String,
    pub device: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    tr: Tr,
    title: String,
    signed_in: bool,
    name: String,
    email: String,
    sessions: Vec<SessionView>,
    events: Vec<EventView>,
    recovery_codes_left: i64,
    passkeys: Vec<PasskeyView>,
    /// Whether this server offers passkeys (not on an IP-address origin).
    passkeys_available: bool,
    totp_enrolled: bool,
    /// Whether the operator allows authenticator apps.
    totp_allowed: bool,
    /// Days the security log keeps an entry.
    security_log_days: u32,
}

pub async fn page(State(app): State<App>, locale: Locale, FullSession(session): FullSession) -> Result<Response, AppError> {
    let tr = locale.tr();
    let provider = &session.provider;
    let sessions = app
        .store
        .list_sessions(provider.id, now())
        .await?
        .into_iter()
        .map(|row| SessionView {
            current: row.token_hash == session.token_hash,
            id: hex(&row.token_hash),
            device: row.device_label,
            started_at: rfc3339(row.created_at),
            last_seen_at: rfc3339(row.last_seen_at),
        })
        .collect();
    let events = app
        .store
        .security_events(provider.id, SECURITY_EVENTS_SHOWN)
        .await?
        .into_iter()
        .map(|row| EventView { at: rfc3339(row.at), text: tr.t(&format!("event-{}", row.kind.replace('_', "-"))), device: row.device_label })
        .collect();

    let passkeys = app
        .store
        .passkeys(provider.id)
        .await?
        .into_iter()
        .map(|row| PasskeyView { id: row.id, name: row.name, created_at: rfc3339(row.created_at), last_used_at: row.last_used_at.map(rfc3339) })
        .collect();

    let page = AccountPage {
        title: tr.t("account-title"),
        signed_in: true,
        name: provider.name.clone(),
        email: provider.email.clone(),
        sessions,
        events,
        recovery_codes_left: app.store.recovery_codes_left(provider.id).await?,
        passkeys,
        passkeys_available: super::passkeys::available(&app),
        totp_enrolled: app.store.totp_factor(provider.id).await?.is_some(),
        totp_allowed: super::passkeys::totp_allowed(&app),
        security_log_days: app.settings.security_log_retention_days,
        tr,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct EndSessionsForm {
    /// A session id from the page, or `others` for all but the current one.
    session: String,
}

pub async fn end_sessions(State(app): State<App>, FullSession(session): FullSession, Form(form): Form<EndSessionsForm>) -> Result<Response, AppError> {
    let provider = session.provider.id;
    if form.session == "others" {
        let ended = app.store.delete_sessions_except(provider, Some(&session.token_hash)).await?;
        tracing::info!(provider = provider.0, sessions_ended = ended, "other sessions ended");
    } else {
        let Some(target) = unhex(&form.session) else {
            return Err(AppError::NotFound);
        };
        // Only a session of this provider can be ended through this form.
        let own = app.store.list_sessions(provider, now()).await?.iter().any(|row| row.token_hash == target);
        if !own {
            return Err(AppError::NotFound);
        }
        app.store.delete_session(&target).await?;
        tracing::info!(provider = provider.0, "session ended");
    }
    app.store.record_security_event(provider, SecurityEvent::SessionsEnded, "", now()).await?;
    Ok(Redirect::to("/account").into_response())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || text.len() > 128 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}
