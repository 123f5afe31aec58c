//! The language of a request: `?lang=`, then the language cookie, then
//! `Accept-Language`, then English.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;

use crate::i18n::{Lang, Tr, negotiate};

pub const LANG_COOKIE: &str = "__Host-visite-lang";

/// The request's language, as an extractor.
#[derive(Debug, Clone, Copy)]
pub struct Locale(pub Lang);

impl Locale {
    pub fn tr(self) -> Tr {
        Tr::new(self.0)
    }

    pub fn from_parts(parts: &Parts) -> Self {
        if let Some(lang) = query_choice(parts.uri.query()) {
            return Self(lang);
        }
        let jar = CookieJar::from_headers(&parts.headers);
        if let Some(lang) = jar.get(LANG_COOKIE).and_then(|cookie| Lang::from_code(cookie.value())) {
            return Self(lang);
        }
        let header = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        Self(header.and_then(negotiate).unwrap_or(Lang::En))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(parts))
    }
}

fn query_choice(query: Option<&str>) -> Option<Lang> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(|code| if code.len() <= 8 { Lang::from_code(code) } else { None })
}

/// Store an explicit `?lang=` choice in a cookie so that later pages keep it.
pub async fn remember_choice(request: Request, next: Next) -> Response {
    let choice = query_choice(request.uri().query());
    let mut response = next.run(request).await;
    if let Some(lang) = choice {
        let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; Secure; HttpOnly; SameSite=Lax", lang.code());
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
