//! Provider login sessions: a random token in a `__Host-` cookie, stored only
//! as its SHA-256 hash.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::App;
use super::error::AppError;
use crate::store::{Provider, Session, unix_now};

pub const SESSION_COOKIE: &str = "__Host-visite-session";

/// A new random session token and the hash to store for it.
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The session cookie. `Secure` is always set: browsers accept it over plain
/// HTTP on `localhost` only, which is the one place visite allows plain HTTP.
pub fn session_cookie(token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .build()
}

pub fn removal_cookie() -> Cookie<'static> {
    let mut cookie = session_cookie(String::new());
    cookie.make_removal();
    cookie
}

/// The signed-in provider; handlers that take it return 401 without a live session.
pub struct CurrentProvider(pub Provider);

/// Any live session, also one that still lacks the second factor.
pub struct PendingSession(pub Session);

impl FromRequestParts<App> for PendingSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Err(AppError::NotSignedIn);
        };
        match app.store.session(&hash_token(cookie.value()), unix_now()).await? {
            Some(session) => Ok(Self(session)),
            None => Err(AppError::NotSignedIn),
        }
    }
}

/// The signed-in provider's full session, for pages that need its token hash.
pub struct FullSession(pub Session);

impl FromRequestParts<App> for FullSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let PendingSession(session) = PendingSession::from_request_parts(parts, app).await?;
        if session.stage == crate::store::SessionStage::Full { Ok(Self(session)) } else { Err(AppError::NotSignedIn) }
    }
}

/// The signed-in provider if any, for pages that work either way.
pub struct MaybeProvider(pub Option<Provider>);

impl FromRequestParts<App> for MaybeProvider {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Ok(Self(None));
        };
        let provider = app.store.session_provider(&hash_token(cookie.value()), unix_now()).await?;
        Ok(Self(provider))
    }
}

impl FromRequestParts<App> for CurrentProvider {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        match MaybeProvider::from_request_parts(parts, app).await? {
            MaybeProvider(Some(provider)) => Ok(Self(provider)),
            MaybeProvider(None) => Err(AppError::NotSignedIn),
        }
    }
}
