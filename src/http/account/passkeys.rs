//! Passkeys and security keys (WebAuthn): registration, the second factor
//! after the password, and passwordless sign-in.
//!
//! Each ceremony takes two JSON requests. The first returns the options for
//! `navigator.credentials.create()` or `.get()`, and the second verifies the
//! credential the browser returned. The ceremony state between them contains
//! the challenge. It stays in the database and is deleted on first use, so
//! each challenge is accepted at most once.

use axum::extract::{State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use crate::http::extract::{Form, Json};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Uuid,
};

use super::login::{account_locked, account_subject, attempt_succeeded, complete_login, network_subject, record_failure, throttle_wait};
use super::{device_label, now, provider_tr, send_mail};
use crate::accounts::recovery;
use crate::config::SecondFactor;
use crate::http::{App, ClientIp};
use crate::http::error::AppError;
use crate::http::locale::Locale;
use crate::http::pages::{NoticePage, render};
use crate::http::session::{FullSession, PendingSession, hash_token, new_token};
use crate::store::{CeremonyKind, NewPasskey, PasskeyRow, Provider, ProviderId, SecurityEvent, Session, SessionStage};

/// Seconds within which a started ceremony must finish. It matches the
/// timeout that webauthn-rs 0.6 requests from the browser (300 seconds).
const CEREMONY_SECONDS: i64 = 5 * 60;
/// Maximum length of a passkey name, in characters.
const MAX_NAME_CHARS: usize = 64;

/// Returns whether this server offers passkeys. It does not when its origin
/// has an IP address instead of a domain name.
pub fn available(app: &App) -> bool {
    app.webauthn.is_some()
}

/// Returns whether the operator's setting allows authenticator apps.
pub fn totp_allowed(app: &App) -> bool {
    app.settings.second_factor == SecondFactor::Any
}

#[derive(Deserialize)]
pub struct RegisterFinish {
    credential: RegisterPublicKeyCredential,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
pub struct AuthenticateFinish {
    credential: PublicKeyCredential,
}

#[derive(Deserialize)]
pub struct DiscoverFinish {
    ceremony: String,
    credential: PublicKeyCredential,
}

#[derive(Deserialize)]
pub struct RemoveForm {
    passkey: i64,
}

/// Start registering a passkey, for a first second factor (half-way session
/// of an account without one) or from the account page (fresh full session).
pub async fn register_start(State(app): State<App>, PendingSession(session): PendingSession) -> Result<Response, AppError> {
    let webauthn = relying_party(&app)?;
    if let Some(refusal) = refuse_registration(&app, &session).await? {
        return Ok(refusal);
    }
    let provider = &session.provider;

    let exclude = load_passkeys(&app, provider.id).await?.into_iter().map(|(_, key)| key.cred_id().clone()).collect();
    let user = user_handle(&app, provider.id).await?;
    let (options, state) = webauthn
        .start_passkey_registration(user, &provider.email, &provider.name, Some(exclude))
        .map_err(|error| anyhow::anyhow!("cannot start passkey registration: {error}"))?;
    save_state(&app, &session.token_hash, CeremonyKind::Register, &state).await?;

    let mut options = serde_json::to_value(options).map_err(anyhow::Error::from)?;
    // webauthn-rs 0.6 requests residentKey "discouraged". Prefer a discoverable
    // credential, so that the same passkey also works for passwordless sign-in.
    if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection").and_then(|value| value.as_object_mut()) {
        selection.insert("residentKey".into(), json!("preferred"));
    }
    Ok(Json(json!({ "options": options })).into_response())
}

/// Verify the new credential and store it. A first second factor also gets
/// ten recovery codes, returned once in the response, and completes the login.
pub async fn register_finish(
    State(app): State<App>,
    locale: Locale,
    headers: HeaderMap,
    PendingSession(session): PendingSession,
    jar: CookieJar,
    Json(request): Json<RegisterFinish>,
) -> Result<Response, AppError> {
    let webauthn = relying_party(&app)?;
    if let Some(refusal) = refuse_registration(&app, &session).await? {
        return Ok(refusal);
    }
    let provider = &session.provider;
    let Some(state) = take_state::<PasskeyRegistration>(&app, &session.token_hash, CeremonyKind::Register).await? else {
        return Ok(json_error(StatusCode::BAD_REQUEST, "expired"));
    };
    let passkey = match webauthn.finish_passkey_registration(&request.credential, &state) {
        Ok(passkey) => passkey,
        Err(error) => {
            tracing::info!(provider = provider.id.0, %error, "passkey registration rejected");
            return Ok(json_error(StatusCode::UNPROCESSABLE_ENTITY, "failed"));
        }
    };

    let first_factor = session.stage == SessionStage::Password;
    let codes = if first_factor { recovery::generate() } else { Vec::new() };
    let hashes: Vec<Vec<u8>> = codes.iter().map(|code| recovery::hash(code)).collect();
    let device = device_label(&headers);
    let name = passkey_name(&request.name, &device, &locale);
    let passkey_json = serde_json::to_string(&passkey).map_err(anyhow::Error::from)?;
    let new = NewPasskey {
        provider: provider.id,
        credential_id: passkey.cred_id().as_ref(),
        passkey_json: &passkey_json,
        name: &name,
        recovery_hashes: first_factor.then_some(hashes.as_slice()),
    };
    if !app.store.add_passkey(new, now()).await? {
        tracing::info!(provider = provider.id.0, "passkey already registered");
        return Ok(json_error(StatusCode::CONFLICT, "exists"));
    }
    app.store.record_security_event(provider.id, SecurityEvent::PasskeyAdded, &device, now()).await?;
    tracing::info!(provider = provider.id.0, first_factor, "passkey added");
    send_mail(&app, &provider.email, provider_tr(&provider.locale), "passkey-added", &[("name", name)]).await;

    if !first_factor {
        return Ok(Json(json!({ "redirect": "/account" })).into_response());
    }
    let jar = complete_login(&app, provider, &headers, jar).await?;
    Ok((jar, Json(json!({ "redirect": "/dashboard", "recoveryCodes": codes }))).into_response())
}

/// Check that the session may register a passkey: a half-way session of an
/// account with no second factor yet, or a full session that confirmed the
/// password in the last minutes. Otherwise returns the JSON redirect to send.
async fn refuse_registration(app: &App, session: &Session) -> Result<Option<Response>, AppError> {
    if session.stage == SessionStage::Full {
        if super::changes::is_fresh(session) {
            return Ok(None);
        }
        return Ok(Some(json_redirect(StatusCode::FORBIDDEN, "/account/confirm?next=/account")));
    }
    let provider = session.provider.id;
    let has_factor = app.store.totp_factor(provider).await?.is_some() || app.store.passkey_count(provider).await? > 0;
    if has_factor {
        return Ok(Some(json_redirect(StatusCode::FORBIDDEN, "/login/code")));
    }
    Ok(None)
}

/// Start the second step of a login with one of the account's passkeys.
pub async fn authenticate_start(State(app): State<App>, PendingSession(session): PendingSession) -> Result<Response, AppError> {
    let webauthn = relying_party(&app)?;
    if session.stage == SessionStage::Full {
        return Ok(json_redirect(StatusCode::OK, "/dashboard"));
    }
    let passkeys: Vec<Passkey> = load_passkeys(&app, session.provider.id).await?.into_iter().map(|(_, key)| key).collect();
    if passkeys.is_empty() {
        return Ok(json_error(StatusCode::NOT_FOUND, "failed"));
    }
    let (options, state) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|error| anyhow::anyhow!("cannot start passkey authentication: {error}"))?;
    save_state(&app, &session.token_hash, CeremonyKind::Authenticate, &state).await?;
    Ok(Json(json!({ "options": options })).into_response())
}

/// Verify the passkey's assertion and complete the login. Failures count on
/// the same counters as a wrong code.
pub async fn authenticate_finish(
    State(app): State<App>,
    client: ClientIp,
    headers: HeaderMap,
    PendingSession(session): PendingSession,
    jar: CookieJar,
    Json(request): Json<AuthenticateFinish>,
) -> Result<Response, AppError> {
    let webauthn = relying_party(&app)?;
    if session.stage == SessionStage::Full {
        return Ok(json_redirect(StatusCode::OK, "/dashboard"));
    }
    let provider = session.provider;
    let account = account_subject(&provider.email);
    let network = network_subject(&app, client.key()).await?;
    if throttle_wait(&app, &[&account, &network]).await?.is_some() {
        return Ok(json_error(StatusCode::TOO_MANY_REQUESTS, "wait"));
    }
    if account_locked(&app, &account).await? {
        return Ok(json_error(StatusCode::UNAUTHORIZED, "failed"));
    }

    let state = take_state::<PasskeyAuthentication>(&app, &session.token_hash, CeremonyKind::Authenticate).await?;
    let verified = match state {
        Some(state) => webauthn.finish_passkey_authentication(&request.credential, &state).ok(),
        None => None,
    };
    let Some(result) = verified else {
        record_failure(&app, &account, &network, Some(&provider), SecurityEvent::SecondFactorFailed, &device_label(&headers)).await?;
        tracing::info!(provider = provider.id.0, "passkey as second factor failed");
        return Ok(json_error(StatusCode::UNAUTHORIZED, "failed"));
    };

    app.store.clear_login_failures(&account).await?;
    attempt_succeeded(&app, &network).await?;
    record_use(&app, provider.id, &result).await?;
    tracing::info!(provider = provider.id.0, "passkey used as second factor");
    let jar = complete_login(&app, &provider, &headers, jar).await?;
    Ok((jar, Json(json!({ "redirect": "/dashboard" }))).into_response())
}

/// Start a passwordless sign-in: the browser lets the user pick any passkey
/// for this site. The state is kept under a random ceremony id, because
/// there is no session yet.
pub async fn discover_start(State(app): State<App>, client: ClientIp) -> Result<Response, AppError> {
    let webauthn = relying_party(&app)?;
    if app.logins.check_key(&client.key()).is_err() {
        return Ok(json_error(StatusCode::TOO_MANY_REQUESTS, "wait"));
    }
    let (options, state) = webauthn
        .start_discoverable_authentication()
        .map_err(|error| anyhow::anyhow!("cannot start passwordless sign-in: {error}"))?;
    let (ceremony, ceremony_hash) = new_token();
    save_state(&app, &ceremony_hash, CeremonyKind::Discover, &state).await?;
    Ok(Json(json!({ "options": options, "ceremony": ceremony })).into_response())
}

/// Finish a passwordless sign-in. A passkey verifies the user, so it counts
/// as both factors. Unknown credentials, foreign user handles and bad
/// signatures all get the same response.
pub async fn discover_finish(
    State(app): State<App>,
    client: ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    Json(request): Json<DiscoverFinish>,
) -> Result<Response, AppError> {
    let webauthn = relying_party(&app)?;
    let network = network_subject(&app, client.key()).await?;
    let failed = || json_error(StatusCode::UNAUTHORIZED, "loginFailed");
    if throttle_wait(&app, &[&network]).await?.is_some() {
        return Ok(json_error(StatusCode::TOO_MANY_REQUESTS, "wait"));
    }

    let state = take_state::<DiscoverableAuthentication>(&app, &hash_token(&request.ceremony), CeremonyKind::Discover).await?;
    let owner = match webauthn.identify_discoverable_authentication(&request.credential) {
        Ok((user, credential_id)) => passkey_owner(&app, user, credential_id).await?,
        Err(_) => None,
    };
    let (Some(state), Some((row, passkey, provider))) = (state, owner) else {
        app.store.record_login_failure(&network, now()).await?;
        tracing::info!("passwordless sign-in with an unknown passkey or an expired ceremony");
        return Ok(failed());
    };

    let account = account_subject(&provider.email);
    let device = device_label(&headers);
    if throttle_wait(&app, &[&account]).await?.is_some() {
        return Ok(json_error(StatusCode::TOO_MANY_REQUESTS, "wait"));
    }
    let result = match webauthn.finish_discoverable_authentication_v2(&request.credential, state, &passkey) {
        Ok(result) if provider.email_verified_at.is_some() => result,
        _ => {
            record_failure(&app, &account, &network, Some(&provider), SecurityEvent::LoginFailed, &device).await?;
            tracing::info!(provider = provider.id.0, "passwordless sign-in failed");
            return Ok(failed());
        }
    };
    if account_locked(&app, &account).await? {
        tracing::info!(provider = provider.id.0, "passwordless sign-in to a locked account");
        return Ok(failed());
    }

    app.store.clear_login_failures(&account).await?;
    attempt_succeeded(&app, &network).await?;
    update_passkey(&app, &row, passkey, &result).await?;
    tracing::info!(provider = provider.id.0, "passwordless sign-in with a passkey");
    let jar = complete_login(&app, &provider, &headers, jar).await?;
    Ok((jar, Json(json!({ "redirect": "/dashboard" }))).into_response())
}

/// Look up the stored passkey with this credential id and its provider.
/// Returns `None` unless the user handle from the authenticator is that provider's.
async fn passkey_owner(app: &App, user: Uuid, credential_id: &[u8]) -> Result<Option<(PasskeyRow, Passkey, Provider)>, AppError> {
    let Some(row) = app.store.passkey_by_credential_id(credential_id).await? else {
        return Ok(None);
    };
    if user_handle(app, row.provider_id).await? != user {
        return Ok(None);
    }
    let Some(passkey) = parse_passkey(&row) else {
        return Ok(None);
    };
    // A disabled account's passkeys fail like an unknown one.
    let provider = app.store.provider_by_id(row.provider_id).await?;
    let Some(provider) = provider.filter(|provider| provider.disabled_at.is_none()) else {
        return Ok(None);
    };
    Ok(Some((row, passkey, provider)))
}

/// Remove a passkey from the account page. It needs a fresh authentication,
/// and the last second factor stays.
pub async fn remove(
    State(app): State<App>,
    locale: Locale,
    headers: HeaderMap,
    FullSession(session): FullSession,
    Form(form): Form<RemoveForm>,
) -> Result<Response, AppError> {
    if !super::changes::is_fresh(&session) {
        return Ok(Redirect::to("/account/confirm?next=/account").into_response());
    }
    let provider = &session.provider;
    let removed = app.store.delete_passkey(provider.id, form.passkey, totp_allowed(&app)).await?;
    if !removed {
        tracing::info!(provider = provider.id.0, "passkey removal rejected: last second factor or another provider's passkey");
        let page = NoticePage::new(locale.tr(), "passkey-remove-refused-title", &["passkey-remove-refused-text"], Some(("/account", "account-back")));
        return Ok(render(StatusCode::CONFLICT, &page));
    }
    app.store.record_security_event(provider.id, SecurityEvent::PasskeyRemoved, &device_label(&headers), now()).await?;
    tracing::info!(provider = provider.id.0, "passkey removed");
    send_mail(&app, &provider.email, provider_tr(&provider.locale), "passkey-removed", &[]).await;
    Ok(Redirect::to("/account").into_response())
}

fn relying_party(app: &App) -> Result<&Webauthn, AppError> {
    app.webauthn.as_ref().ok_or(AppError::NotFound)
}

/// Derive the WebAuthn user handle of a provider from a keyed hash of the
/// account id, so that authenticators store neither the id nor the email address.
async fn user_handle(app: &App, provider: ProviderId) -> Result<Uuid, AppError> {
    let key = app.store.server_secret("passkey-user-handle").await?;
    let mut hasher = Sha256::new();
    hasher.update(&key);
    hasher.update(provider.0.to_be_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Ok(Uuid::from_bytes(bytes))
}

/// Load the provider's passkeys. A row that does not parse is logged and skipped.
async fn load_passkeys(app: &App, provider: ProviderId) -> Result<Vec<(PasskeyRow, Passkey)>, AppError> {
    let rows = app.store.passkeys(provider).await?;
    Ok(rows.into_iter().filter_map(|row| parse_passkey(&row).map(|key| (row, key))).collect())
}

fn parse_passkey(row: &PasskeyRow) -> Option<Passkey> {
    match serde_json::from_str(&row.passkey_json) {
        Ok(passkey) => Some(passkey),
        Err(error) => {
            tracing::error!(passkey = row.id, %error, "stored passkey does not parse");
            None
        }
    }
}

/// Store the counter and flags of the passkey that `result` names.
async fn record_use(app: &App, provider: ProviderId, result: &AuthenticationResult) -> Result<(), AppError> {
    for (row, passkey) in load_passkeys(app, provider).await? {
        if passkey.cred_id() == result.cred_id() {
            return update_passkey(app, &row, passkey, result).await;
        }
    }
    Ok(())
}

async fn update_passkey(app: &App, row: &PasskeyRow, mut passkey: Passkey, result: &AuthenticationResult) -> Result<(), AppError> {
    let passkey_json = match passkey.update_credential(result) {
        Some(true) => serde_json::to_string(&passkey).map_err(anyhow::Error::from)?,
        _ => row.passkey_json.clone(),
    };
    app.store.record_passkey_use(row.id, &passkey_json, now()).await?;
    Ok(())
}

async fn save_state(app: &App, key_hash: &[u8], kind: CeremonyKind, state: &impl Serialize) -> Result<(), AppError> {
    let state_json = serde_json::to_string(state).map_err(anyhow::Error::from)?;
    let now = now();
    app.store.save_ceremony(key_hash, kind, &state_json, now, now + CEREMONY_SECONDS).await?;
    Ok(())
}

async fn take_state<T: DeserializeOwned>(app: &App, key_hash: &[u8], kind: CeremonyKind) -> Result<Option<T>, AppError> {
    let Some(state_json) = app.store.take_ceremony(key_hash, kind, now()).await? else {
        return Ok(None);
    };
    Ok(Some(serde_json::from_str(&state_json).map_err(anyhow::Error::from)?))
}

/// Clean the name the provider typed. Without one, use the browser and system
/// of the registering device, or else a default name.
fn passkey_name(typed: &str, device: &str, locale: &Locale) -> String {
    let cleaned: String = typed.trim().chars().filter(|c| !crate::core::validate::is_forbidden(*c)).take(MAX_NAME_CHARS).collect();
    if !cleaned.is_empty() {
        return cleaned;
    }
    if !device.is_empty() {
        return device.to_owned();
    }
    locale.tr().t("passkey-default-name")
}

/// Build a JSON error for `static/js/passkey.js`, which shows the text of the
/// `js-passkey-…` string named by `code`.
fn json_error(status: StatusCode, code: &str) -> Response {
    (status, Json(json!({ "error": code }))).into_response()
}

fn json_redirect(status: StatusCode, to: &str) -> Response {
    (status, Json(json!({ "redirect": to }))).into_response()
}
