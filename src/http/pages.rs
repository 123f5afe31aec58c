//! Server-rendered pages: home, terms, privacy, the patient's room page and
//! the provider's dashboard.

use askama::Template;
use crate::http::extract::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::App;
use super::error::AppError;
use super::locale::Locale;
use super::session::{CurrentProvider, MaybeProvider};
use crate::core::protocol::IceServer;
use crate::core::validate::{Slug, SlugError};
use crate::i18n::Tr;
use crate::store::{CallRecord, Provider, UniqueViolation, WriteError};

/// Maximum length of the waiting-room message, in characters.
const WAITING_MESSAGE_MAX_CHARS: usize = 500;
const RECENT_CALLS: i64 = 20;

/// Render a template into an HTML response with the given status.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(error) => AppError::Internal(error.into()).into_response(),
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    tr: Tr,
    title: String,
    signed_in: bool,
}

pub async fn home(locale: Locale, MaybeProvider(provider): MaybeProvider) -> Response {
    let tr = locale.tr();
    render(StatusCode::OK, &HomePage { title: tr.t("home-title"), signed_in: provider.is_some(), tr })
}

/// A page with a heading, a few paragraphs and an optional link, for
/// confirmations such as "check your inbox".
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    tr: Tr,
    title: String,
    signed_in: bool,
    paragraphs: Vec<String>,
    link: Option<(String, String)>,
}

impl NoticePage {
    /// Build from translation keys; `link` is a path and the key of its label.
    pub fn new(tr: Tr, title_key: &str, paragraph_keys: &[&str], link: Option<(&str, &str)>) -> Self {
        Self {
            title: tr.t(title_key),
            signed_in: false,
            paragraphs: paragraph_keys.iter().map(|key| tr.t(key)).collect(),
            link: link.map(|(href, key)| (href.to_owned(), tr.t(key))),
            tr,
        }
    }
}

#[derive(Template)]
#[template(path = "legal.html")]
struct LegalPage {
    tr: Tr,
    title: String,
    signed_in: bool,
    paragraphs: Vec<String>,
}

/// Render a legal text: the operator's file for this language if there is
/// one, or else the keys `<prefix>-1`, `<prefix>-2`, … of the locale.
fn legal(app: &App, locale: Locale, prefix: &str, signed_in: bool) -> Response {
    let tr = locale.tr();
    let paragraphs = match app.legal.paragraphs(prefix, locale.0) {
        Some(paragraphs) => paragraphs.to_vec(),
        None => crate::i18n::numbered(tr, prefix),
    };
    let page = LegalPage { title: tr.t(&format!("{prefix}-title")), signed_in, paragraphs, tr };
    render(StatusCode::OK, &page)
}

pub async fn terms(State(app): State<App>, locale: Locale, MaybeProvider(provider): MaybeProvider) -> Response {
    legal(&app, locale, "terms", provider.is_some())
}

pub async fn privacy(State(app): State<App>, locale: Locale, MaybeProvider(provider): MaybeProvider) -> Response {
    legal(&app, locale, "privacy", provider.is_some())
}

#[derive(Template)]
#[template(path = "room.html")]
struct RoomPage {
    tr: Tr,
    title: String,
    signed_in: bool,
    slug: String,
    provider_name: String,
    practice_name: String,
    waiting_message: String,
    /// JSON list of STUN servers for the device check's connectivity test.
    ice_servers_json: String,
    /// Whether the patient may choose to send the call through the TURN
    /// relay, so that the practice's browser never learns their address.
    relay_choice: bool,
}

/// The patient's page: join form, waiting room, call and goodbye in one page.
pub async fn room(State(app): State<App>, locale: Locale, Path(slug): Path<String>) -> Result<Response, AppError> {
    let tr = locale.tr();
    let Ok(slug) = Slug::parse(&slug) else {
        return Err(AppError::NotFound);
    };
    let provider = app.store.provider_by_slug(slug.as_str()).await?.ok_or(AppError::NotFound)?;
    // Only a disabled room shows the unavailable page, because its link was
    // public before. A room whose account is not set up yet looks like a
    // link that does not exist.
    if provider.disabled_at.is_some() {
        return Err(AppError::RoomUnavailable);
    }
    if !room_is_open(&app, &provider).await? {
        return Err(AppError::NotFound);
    }

    let page = RoomPage {
        title: tr.t1("room-title", "practice", provider.practice_name.clone()),
        signed_in: false,
        slug: provider.slug,
        provider_name: provider.name,
        practice_name: provider.practice_name,
        waiting_message: provider.waiting_message,
        ice_servers_json: ice_servers_json(&stun_servers(&app.settings.ice_servers)),
        relay_choice: app.settings.turn.is_enabled() && app.settings.turn.force_relay == crate::turn::ForceRelay::Off,
        tr,
    };
    Ok(render(StatusCode::OK, &page))
}

/// Keeps only the `stun:` and `stuns:` URLs of the configured ICE servers,
/// without usernames and credentials, so that a page anyone may open never
/// carries TURN credentials. Entries left without a URL are dropped.
pub fn stun_servers(servers: &[IceServer]) -> Vec<IceServer> {
    servers
        .iter()
        .map(|server| IceServer {
            urls: server.urls.iter().filter(|url| is_stun_url(url)).cloned().collect(),
            username: None,
            credential: None,
        })
        .filter(|server| !server.urls.is_empty())
        .collect()
}

fn is_stun_url(url: &str) -> bool {
    let scheme = url.split(':').next().unwrap_or("");
    scheme.eq_ignore_ascii_case("stun") || scheme.eq_ignore_ascii_case("stuns")
}

/// Serializes ICE servers for a `data-` attribute, in the form `RTCIceServer` takes.
fn ice_servers_json(servers: &[IceServer]) -> String {
    serde_json::to_string(servers).expect("a list of strings serializes to JSON")
}

/// A room works only once its provider verified the email address and
/// enrolled a second factor, and while an operator has not disabled the account.
pub async fn room_is_open(app: &App, provider: &Provider) -> Result<bool, AppError> {
    Ok(provider.email_verified_at.is_some()
        && provider.disabled_at.is_none()
        && app.store.totp_factor(provider.id).await?.is_some())
}

pub struct CallView {
    /// RFC 3339 in UTC; the page shows it in the browser's time zone.
    pub started_at: String,
    /// Minutes and seconds, such as `12:34`, or hours too, such as `1:02:03`.
    pub duration: String,
}

impl From<&CallRecord> for CallView {
    fn from(call: &CallRecord) -> Self {
        Self { started_at: rfc3339(call.started_at), duration: format_duration(call.duration_seconds) }
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    tr: Tr,
    title: String,
    signed_in: bool,
    provider_name: String,
    practice_name: String,
    slug: String,
    room_url: String,
    waiting_message: String,
    recent_calls: Vec<CallView>,
    settings_error: Option<String>,
    settings_saved: bool,
    /// JSON list of the STUN and TURN servers for the device check's connectivity test.
    ice_servers_json: String,
}

#[derive(Deserialize)]
pub struct DashboardQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn dashboard_page(
    app: &App,
    tr: Tr,
    provider: Provider,
    settings_error: Option<String>,
    settings_saved: bool,
) -> Result<DashboardPage, AppError> {
    let calls = app.store.recent_calls(provider.id, RECENT_CALLS).await?;
    Ok(DashboardPage {
        title: tr.t("dashboard-title"),
        signed_in: true,
        room_url: format!("{}/r/{}", app.link_origin, provider.slug),
        provider_name: provider.name,
        practice_name: provider.practice_name,
        slug: provider.slug,
        waiting_message: provider.waiting_message,
        recent_calls: calls.iter().map(CallView::from).collect(),
        settings_error,
        settings_saved,
        ice_servers_json: ice_servers_json(&app.hub.ice_servers_for_call()),
        tr,
    })
}

pub async fn dashboard(
    State(app): State<App>,
    locale: Locale,
    CurrentProvider(provider): CurrentProvider,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, AppError> {
    let page = dashboard_page(&app, locale.tr(), provider, None, query.saved.is_some()).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct RoomSettingsForm {
    slug: String,
    waiting_message: String,
}

/// Change the room link and the waiting-room message.
pub async fn update_room(
    State(app): State<App>,
    locale: Locale,
    CurrentProvider(provider): CurrentProvider,
    Form(form): Form<RoomSettingsForm>,
) -> Result<Response, AppError> {
    let tr = locale.tr();
    let result = match check_room_settings(&form) {
        Ok((slug, message)) => match app.store.update_room(provider.id, slug.as_str(), &message).await {
            Ok(()) => Ok(()),
            Err(WriteError::Taken(UniqueViolation::Slug)) => Err("slug-taken"),
            Err(WriteError::Taken(UniqueViolation::Email)) => Err("error-internal"),
            Err(WriteError::Database(error)) => return Err(error.into()),
        },
        Err(key) => Err(key),
    };

    match result {
        Ok(()) => {
            tracing::info!(provider = provider.id.0, "room settings changed");
            Ok(Redirect::to("/dashboard?saved=1").into_response())
        }
        Err(key) => {
            let page = dashboard_page(&app, tr, provider, Some(tr.t(key)), false).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

fn check_room_settings(form: &RoomSettingsForm) -> Result<(Slug, String), &'static str> {
    let slug = Slug::parse(&form.slug.trim().to_lowercase()).map_err(slug_error_key)?;
    let message = form.waiting_message.trim().replace("\r\n", "\n");
    if message.chars().count() > WAITING_MESSAGE_MAX_CHARS {
        return Err("waiting-message-too-long");
    }
    if message.chars().any(|c| c != '\n' && crate::core::validate::is_forbidden(c)) {
        return Err("waiting-message-invalid");
    }
    Ok((slug, message))
}

pub fn slug_error_key(error: SlugError) -> &'static str {
    match error {
        SlugError::TooShort => "slug-too-short",
        SlugError::TooLong => "slug-too-long",
        SlugError::InvalidCharacter => "slug-invalid",
        SlugError::Reserved => "slug-reserved",
    }
}

fn format_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if hours > 0 { format!("{hours}:{minutes:02}:{seconds:02}") } else { format!("{minutes}:{seconds:02}") }
}

/// Format Unix seconds as an RFC 3339 UTC timestamp.
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let second_of_day = unix.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_414_462), "2026-12-04T20:01:02Z");
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(0), "0:00");
        assert_eq!(format_duration(754), "12:34");
        assert_eq!(format_duration(3723), "1:02:03");
    }

    #[test]
    fn stun_servers_drop_turn_and_credentials() {
        let configured = vec![
            IceServer {
                urls: vec!["stun:stun.example.org:3478".into(), "turn:turn.example.org:3478".into()],
                username: Some("user".into()),
                credential: Some("secret".into()),
            },
            IceServer { urls: vec!["turns:turn.example.org:5349".into()], username: None, credential: None },
            IceServer { urls: vec!["STUNS:stun.example.org:5349".into()], username: None, credential: None },
        ];

        let stun = stun_servers(&configured);

        assert_eq!(stun.len(), 2, "the TURN-only entry is dropped: {stun:?}");
        assert_eq!(stun[0].urls, vec!["stun:stun.example.org:3478".to_owned()]);
        assert_eq!(stun[0].username, None);
        assert_eq!(stun[0].credential, None);
        assert_eq!(stun[1].urls, vec!["STUNS:stun.example.org:5349".to_owned()]);
    }
}
