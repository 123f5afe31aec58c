//! The HTTP and WebSocket layer: thin handlers around the store and the hub.

mod account;
mod assets;
mod client;
mod disclosure;
mod error;
mod extract;
mod health;
pub mod locale;
mod metrics;
mod open_rooms;
mod pages;
mod request_log;
mod security;
mod session;
mod ws;

pub use client::{ClientIp, IpNetwork, client_key};
pub use pages::rfc3339;
pub(crate) use pages::slug_error_key;
pub(crate) use account::{check_text, collapse, is_plausible_email};
pub(crate) use session::new_token;
pub use request_log::ClientIpHasher;
pub use metrics::admin_router;

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::middleware;
use axum::routing::{get, post};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tower::util::option_layer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::{DefaultOnResponse, OnResponse, TraceLayer};
use tracing::{Level, Span};

use crate::config::Settings;
use crate::hub::Hub;
use crate::mail::Mailer;
use crate::retention::Retention;
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
    /// `Some` when request spans carry a keyed hash of the client IP address.
    pub client_ip_hasher: Option<ClientIpHasher>,
    /// The operator's terms of use and privacy notice, where given.
    pub legal: crate::legal::LegalTexts,
    /// The previous outcome of `/readyz`.
    pub readiness: health::Readiness,
    /// Rooms recently found open, for patients' sockets.
    pub open_rooms: open_rooms::OpenRooms,
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
        client_ip_hasher: Option<ClientIpHasher>,
        legal: crate::legal::LegalTexts,
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
            client_ip_hasher,
            legal,
            readiness: health::Readiness::default(),
            open_rooms: open_rooms::OpenRooms::default(),
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
    let tls = app.settings.tls.is_some();
    let span_app = app.clone();
    let request_id = HeaderName::from_static("x-request-id");
    let sensitive = [axum::http::header::COOKIE, axum::http::header::SET_COOKIE, axum::http::header::AUTHORIZATION];

    Router::new()
        .route("/", get(pages::home))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics_with_token))
        .route("/terms", get(pages::terms))
        .route("/privacy", get(pages::privacy))
        .route("/.well-known/security.txt", get(disclosure::security_txt))
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
        .layer(option_layer(tls.then(|| {
            SetResponseHeaderLayer::overriding(
                axum::http::header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(security::STRICT_TRANSPORT_SECURITY),
            )
        })))
        .layer(middleware::from_fn(metrics::record_latency))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(move |request: &Request<_>| request_log::request_span(&span_app, request))
                // One line per response with status and latency, inside the
                // request's span; probes and scrapes log it at debug level.
                .on_response(|response: &axum::response::Response, latency: Duration, span: &Span| {
                    let quiet = response.extensions().get::<health::QuietAccessLog>().is_some();
                    let level = if quiet { Level::DEBUG } else { Level::INFO };
                    DefaultOnResponse::new().level(level).on_response(response, latency, span);
                }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(SetSensitiveHeadersLayer::new(sensitive))
        .with_state(app)
}

/// How often the server checks that the providers of its live rooms may
/// still receive patients. `visite admin` runs in another process, so this
/// check is how the server learns of a disabled account or a removed factor.
pub const ROOM_CHECK_INTERVAL: Duration = Duration::from_secs(2);

/// Background upkeep: expire waiting patients, close rooms whose provider
/// was disabled, prune rate limiters, delete expired records and unconfirmed
/// accounts, and make the daily backup.
pub fn spawn_upkeep(app: App) {
    crate::hub::spawn_ticker(app.hub.clone(), Duration::from_secs(2));
    crate::metrics::spawn_upkeep(Duration::from_secs(5));
    spawn_room_check(app.clone());
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(60));
        loop {
            interval.tick().await;
            app.prune_rate_limits();
            match app.store.prune_ended_visits(crate::hub::now_millis() as i64).await {
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "cannot delete expired ended-visit markers"),
            }
            let now = crate::store::unix_now();
            crate::retention::log_result(&crate::retention::delete_expired(&app.store, &app.settings, now).await);
            match app.store.delete_unverified(now - account::VERIFY_LINK_SECONDS, now).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "unconfirmed accounts deleted"),
                Err(error) => tracing::error!(%error, "cannot delete unconfirmed accounts"),
            }
            daily_backup(&app).await;
        }
    });
}

fn spawn_room_check(app: App) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(ROOM_CHECK_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(error) = close_unavailable_rooms(&app).await {
                tracing::error!(%error, "cannot check whether live rooms may stay open");
            }
        }
    });
}

/// Close every live room whose provider was deleted, disabled or lost the
/// second factor since its connections opened.
async fn close_unavailable_rooms(app: &App) -> Result<(), error::AppError> {
    for room in app.hub.room_ids() {
        let open = match app.store.provider_by_id(room).await? {
            Some(provider) => pages::room_is_open(app, &provider).await?,
            None => false,
        };
        if open {
            continue;
        }
        app.open_rooms.forget(room);
        let closed = app.hub.close_room(room);
        if closed > 0 {
            tracing::warn!(room = room.0, connections = closed, "room closed: its provider may no longer receive patients");
        }
    }
    Ok(())
}

/// Make the daily backup when the newest one is a day old or missing.
async fn daily_backup(app: &App) {
    let keep = app.settings.backup_keep;
    // PostgreSQL is backed up with pg_dump, outside visite.
    let sqlite = app.store.backend() == crate::store::Backend::Sqlite;
    if keep == 0 || !sqlite || !crate::backup::due(&app.settings.data_dir) {
        return;
    }
    match crate::backup::create(&app.store, &app.settings.data_dir, keep, Retention::from_settings(&app.settings)).await {
        Ok(path) => tracing::info!(file = %path.display(), "backup written"),
        Err(error) => tracing::error!(error = %format!("{error:#}"), "daily backup failed"),
    }
}
