//! The HTTP and WebSocket layer: thin handlers around the store and the hub.

mod account;
mod assets;
mod client;
mod error;
mod extract;
pub mod locale;
mod pages;
mod security;
mod session;
mod ws;

pub use client::{ClientIp, IpNetwork, client_key};
pub use pages::rfc3339;

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::middleware;
use axum::routing::{get, post};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::hub::Hub;
use crate::mail::Mailer;
use crate::store::Store;

/// Largest form body accepted, in bytes.
const MAX_FORM_BYTES: usize = 16 * 1024;
/// Time a client gets to send a request body once its headers are in.
const BODY_TIMEOUT: Duration = Duration::from_secs(15);

pub struct AppState {
    pub store: Store,
    pub mailer: Mailer,
    pub hub: Arc<Hub>,
    pub settings: Settings,
    /// Origins that may submit forms and open WebSockets.
    pub allowed_origins: Vec<String>,
    /// Origin used in room links.
    pub link_origin: String,
    pub check_ins: DefaultKeyedRateLimiter<IpAddr>,
    pub logins: DefaultKeyedRateLimiter<IpAddr>,
    /// Strength-meter requests, which run zxcvbn on every keystroke pause.
    pub meter: DefaultKeyedRateLimiter<IpAddr>,
    /// The WebAuthn relying party for passkeys; `None` when the origin's
    /// host is an IP address, where browsers offer no passkeys.
    pub webauthn: Option<webauthn_rs::Webauthn>,
}

pub type App = Arc<AppState>;

impl AppState {
    pub fn new(
        store: Store,
        mailer: Mailer,
        hub: Arc<Hub>,
        settings: Settings,
        bound: SocketAddr,
        webauthn: Option<webauthn_rs::Webauthn>,
    ) -> App {
        let per_minute = NonZeroU32::new(settings.check_ins_per_minute).unwrap_or(NonZeroU32::MIN);
        let login_quota = NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN);
        Arc::new(Self {
            allowed_origins: settings.allowed_origins(bound),
            link_origin: settings.link_origin(bound),
            check_ins: RateLimiter::keyed(Quota::per_minute(per_minute)),
            logins: RateLimiter::keyed(Quota::per_minute(login_quota)),
            meter: RateLimiter::keyed(Quota::per_minute(NonZeroU32::new(120).unwrap_or(NonZeroU32::MIN))),
            store,
            mailer,
            hub,
            settings,
            webauthn,
        })
    }

    /// Forget rate-limit entries that have recovered, so memory stays bounded.
    pub fn prune_rate_limits(&self) {
        self.check_ins.retain_recent();
        self.logins.retain_recent();
        self.meter.retain_recent();
    }
}

pub fn router(app: App) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let sensitive = [axum::http::header::COOKIE, axum::http::header::SET_COOKIE, axum::http::header::AUTHORIZATION];

    Router::new()
        .route("/", get(pages::home))
        .route("/healthz", get(|| async { "ok" }))
        .route("/terms", get(pages::terms))
        .route("/privacy", get(pages::privacy))
        .route("/dashboard", get(pages::dashboard))
        .route("/dashboard/room", post(pages::update_room))
        .route("/r/{slug}", get(pages::room))
        .route("/r/{slug}/ws", get(ws::patient_socket))
        .route("/r/{slug}/host", get(ws::provider_socket))
        .route("/static/{*path}", get(assets::serve))
        .merge(account::routes())
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        // A body that trickles in is cut off; WebSocket upgrades have no body.
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(middleware::from_fn_with_state(app.clone(), security::reject_cross_origin))
        .layer(middleware::from_fn(error::localize))
        .layer(middleware::from_fn(locale::remember_choice))
        .layer(middleware::from_fn(security::headers))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("-");
                // The path is logged without its query; room slugs are provider data, not patient data.
                tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(SetSensitiveHeadersLayer::new(sensitive))
        .with_state(app)
}

/// Background upkeep: expire waiting patients and prune rate limiters.
pub fn spawn_upkeep(app: App) {
    crate::hub::spawn_ticker(app.hub.clone(), Duration::from_secs(2));
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(60));
        loop {
            interval.tick().await;
            app.prune_rate_limits();
            match app.store.prune_security_events(crate::store::unix_now()).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "old security events deleted"),
                Err(error) => tracing::error!(%error, "cannot delete old security events"),
            }
            let now = crate::store::unix_now();
            match app.store.delete_unverified(now - account::VERIFY_LINK_SECONDS, now).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "unconfirmed accounts deleted"),
                Err(error) => tracing::error!(%error, "cannot delete unconfirmed accounts"),
            }
            daily_backup(&app).await;
        }
    });
}

/// Make the daily backup when the newest one is a day old or missing.
async fn daily_backup(app: &App) {
    let keep = app.settings.backup_keep;
    if keep == 0 || !crate::backup::due(&app.settings.data_dir) {
        return;
    }
    match crate::backup::create(&app.store, &app.settings.data_dir, keep).await {
        Ok(path) => tracing::info!(file = %path.display(), "backup written"),
        Err(error) => tracing::error!(error = %format!("{error:#}"), "daily backup failed"),
    }
}
