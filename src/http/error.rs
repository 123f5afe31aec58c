//! Errors of the HTTP layer. The client sees a short page in its language;
//! the cause is logged inside the request's span.

use askama::Template;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::locale::Locale;
use crate::i18n::Tr;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    NotSignedIn,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The room of a provider whose account an operator disabled.
    #[error("room unavailable")]
    RoomUnavailable,
    #[error("cross-origin request")]
    CrossOrigin,
    #[error("too many requests")]
    RateLimited,
    #[error("unreadable request")]
    BadRequest,
    #[error("request too large")]
    TooLarge,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Marker left on a response so that [`localize`] can render the page.
#[derive(Debug, Clone, Copy)]
struct ErrorPage {
    status: StatusCode,
    key: &'static str,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    tr: Tr,
    title: String,
    signed_in: bool,
    message: String,
}

impl AppError {
    fn page(&self) -> ErrorPage {
        let (status, key) = match self {
            AppError::NotSignedIn => (StatusCode::UNAUTHORIZED, "error-not-signed-in"),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "error-forbidden"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "error-not-found"),
            AppError::RoomUnavailable => (StatusCode::NOT_FOUND, "error-room-unavailable"),
            AppError::CrossOrigin => (StatusCode::FORBIDDEN, "error-cross-origin"),
            AppError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "error-rate-limited"),
            AppError::BadRequest => (StatusCode::BAD_REQUEST, "error-bad-request"),
            AppError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error-too-large"),
            AppError::Database(_) | AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
        };
        ErrorPage { status, key }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Database(error) => tracing::error!(%error, "database error"),
            AppError::Internal(error) => tracing::error!(error = %format!("{error:#}"), "internal error"),
            _ => {}
        }
        let page = self.page();
        let mut response = page.status.into_response();
        response.extensions_mut().insert(page);
        response
    }
}

fn render_page(page: ErrorPage, tr: Tr) -> Response {
    let template = ErrorTemplate {
        title: tr.t("error-title"),
        message: tr.t(page.key),
        signed_in: false,
        tr,
    };
    match template.render() {
        Ok(body) => (page.status, Html(body)).into_response(),
        Err(_) => page.status.into_response(),
    }
}

/// Turn error responses into pages in the request's language. A missing
/// session on a page sends the browser to the login form instead.
pub async fn localize(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let locale = Locale::from_parts(&parts);
    let is_page = parts.method == axum::http::Method::GET && !is_socket_path(parts.uri.path());

    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(page) = response.extensions().get::<ErrorPage>().copied() else {
        return response;
    };
    if page.status == StatusCode::UNAUTHORIZED && is_page {
        return Redirect::to("/login").into_response();
    }
    render_page(page, locale.tr())
}

fn is_socket_path(path: &str) -> bool {
    path.ends_with("/ws") || path.ends_with("/host")
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
