//! `/metrics` in the Prometheus text format, the request latency histogram,
//! and the router of the admin listener.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::App;
use super::error::AppError;
use super::health::{QuietAccessLog, healthz, readyz};

/// The content type of the Prometheus text exposition format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `/metrics` on the main listener: 404 without a configured token, 401
/// without the right `Authorization: Bearer` token.
pub async fn metrics_with_token(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(token) = &app.settings.metrics_token else {
        return AppError::NotFound.into_response();
    };
    if !bearer_matches(&headers, token.expose()) {
        tracing::warn!("metrics request rejected: the bearer token is missing or wrong");
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
    }
    render(&app)
}

/// `/metrics` on the admin listener, which only the operator's network reaches.
async fn metrics_open(State(app): State<App>) -> Response {
    render(&app)
}

fn render(app: &App) -> Response {
    let text = crate::metrics::render(&app.hub.stats());
    (Extension(QuietAccessLog), [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))], text).into_response()
}

/// Compares the request's bearer token with `expected` in constant time.
/// Both sides are hashed first, so the comparison does not reveal the length either.
fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let Some((scheme, presented)) = value.split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return false;
    }
    let presented = Sha256::digest(presented.trim().as_bytes());
    let expected = Sha256::digest(expected.as_bytes());
    presented.ct_eq(&expected).into()
}

/// Records each response in the latency histogram, labelled with the route
/// template that matched (never the path, which may carry a room link), the
/// method and the status class.
pub async fn record_latency(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    crate::metrics::record_http_request(route, method, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// Returns the method as a label value. Other methods share one value, so a
/// client cannot add label values at will.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Builds the router of the admin listener: `/metrics` without a token, and
/// the health probes. It has no pages and no access log.
pub fn admin_router(app: App) -> Router {
    Router::new()
        .route("/metrics", get(metrics_open))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(app)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn bearer_matches_only_the_token() {
        let token = "0123456789abcdef0123";
        assert!(bearer_matches(&with_authorization(&format!("Bearer {token}")), token));
        assert!(bearer_matches(&with_authorization(&format!("bearer {token}")), token));
        assert!(!bearer_matches(&with_authorization(&format!("Bearer {token}x")), token));
        assert!(!bearer_matches(&with_authorization("Bearer 0123456789abcdef012"), token));
        assert!(!bearer_matches(&with_authorization(&format!("Basic {token}")), token));
        assert!(!bearer_matches(&with_authorization(token), token));
        assert!(!bearer_matches(&HeaderMap::new(), token));
    }

    #[test]
    fn method_label_groups_unknown_methods() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
