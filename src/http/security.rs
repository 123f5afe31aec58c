//! Response headers that lock pages to this origin, and the check that a
//! state-changing request comes from this origin.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::App;
use super::error::AppError;

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PERMISSIONS_POLICY: &str = "camera=(self), microphone=(self), display-capture=(self), \
    geolocation=(), payment=(), usb=(), interest-cohort=()";

/// Add the security headers to every response.
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, "content-security-policy", CONTENT_SECURITY_POLICY);
    set(headers, "referrer-policy", "no-referrer");
    set(headers, "permissions-policy", PERMISSIONS_POLICY);
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(headers, "cross-origin-resource-policy", "same-origin");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, "cache-control", "no-store");
    }
    response
}

/// Tells browsers to use HTTPS only for this host for a year. It is sent
/// only when visite serves TLS itself: a proxy that terminates TLS sets its own.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Reject form posts from other origins (cross-site request forgery).
///
/// A browser marks every request with `Sec-Fetch-Site` or `Origin`; a request
/// passes when `Origin` is one of ours, or, without an `Origin`, when
/// `Sec-Fetch-Site` says the request came from this origin or from the user
/// typing the address.
/// Requests that carry neither header come from non-browser clients, which
/// cannot ride on a victim's cookies.
pub async fn reject_cross_origin(State(app): State<App>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());

    // A real Origin decides on its own. Browsers send `Origin: null` for form
    // posts from pages with `Referrer-Policy: no-referrer`, as ours are, so a
    // null Origin defers to Sec-Fetch-Site.
    let origin = origin.filter(|origin| *origin != "null");
    let allowed = match (origin, fetch_site) {
        (Some(origin), _) => app.allowed_origins.iter().any(|allowed| allowed == origin),
        (None, Some("same-origin" | "none")) => true,
        (None, None) => true,
        (None, Some(_)) => false,
    };
    if allowed {
        next.run(request).await
    } else {
        tracing::warn!("cross-origin form post rejected");
        AppError::CrossOrigin.into_response()
    }
}

/// Whether a WebSocket upgrade comes from a page of ours. A missing or
/// `null` Origin is rejected: browsers always send one on WebSocket requests.
pub fn origin_allowed(app: &App, headers: &HeaderMap) -> bool {
    headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|origin| app.allowed_origins.iter().any(|allowed| allowed == origin))
}
