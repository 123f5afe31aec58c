//! Provider accounts: signup, email links, login with a mandatory second
//! factor, and the account page.

mod changes;
mod device;
mod enrol;
mod links;
mod login;
mod meter;
mod overview;
mod passkeys;
mod signup;

use axum::Router;
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use tracing::Instrument;

pub use device::device_label;
pub use signup::VERIFY_LINK_SECONDS;
/// The signup checks that `visite admin create` applies as well.
pub(crate) use signup::{check_text, collapse, is_plausible_email};

use super::App;
use super::error::AppError;
use super::session::{new_token, session_cookie};
use crate::i18n::Tr;
use crate::mail::Email;
use crate::store::{ProviderId, SessionStage, unix_now};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/signup", get(signup::form).post(signup::submit))
        .route("/login", get(login::form).post(login::submit))
        .route("/login/code", get(login::code_form).post(login::code_submit))
        .route("/login/passkey/start", post(passkeys::authenticate_start))
        .route("/login/passkey/finish", post(passkeys::authenticate_finish))
        .route("/login/passkey/discover/start", post(passkeys::discover_start))
        .route("/login/passkey/discover/finish", post(passkeys::discover_finish))
        .route("/logout", post(login::logout))
        .route("/account/setup", get(enrol::form).post(enrol::submit))
        .route("/account", get(overview::page))
        .route("/account/sessions/end", post(overview::end_sessions))
        .route("/account/confirm", get(changes::confirm_page).post(changes::confirm_submit))
        .route("/account/password", get(changes::password_page).post(changes::password_submit))
        .route("/account/email", get(changes::email_page).post(changes::email_submit))
        .route("/account/email/confirm", get(changes::email_confirm))
        .route("/account/recovery-codes", get(changes::recovery_codes_page).post(changes::renew_recovery_codes))
        .route("/account/passkeys/register/start", post(passkeys::register_start))
        .route("/account/passkeys/register/finish", post(passkeys::register_finish))
        .route("/account/passkeys/remove", post(passkeys::remove))
        .route("/verify-email", get(links::verify_email))
        .route("/password/check", post(meter::check))
        .route("/password/forgot", get(links::forgot_form).post(links::forgot_submit))
        .route("/password/reset", get(links::reset_form).post(links::reset_submit))
        .route("/account/unlock", get(links::unlock))
        .route("/account/lockdown", get(links::lockdown))
}

/// Cookie that carries a link token from its URL to the token-free page the
/// browser is redirected to, so the token never appears in a Referer or in
/// the browser history.
pub const LINK_COOKIE: &str = "__Host-visite-link";

fn link_cookie(token: String) -> Cookie<'static> {
    Cookie::build((LINK_COOKIE, token))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time_minutes(10))
        .build()
}

fn link_cookie_removal() -> Cookie<'static> {
    let mut cookie = link_cookie(String::new());
    cookie.make_removal();
    cookie
}

fn time_minutes(minutes: i64) -> time::Duration {
    time::Duration::minutes(minutes)
}

/// Start a session at `stage` and return the cookie jar that carries it.
async fn start_session(
    app: &App,
    provider: ProviderId,
    stage: SessionStage,
    device: &str,
    jar: CookieJar,
) -> Result<CookieJar, AppError> {
    let (token, hash) = new_token();
    app.store.create_session(&hash, provider, stage, device, unix_now()).await?;
    Ok(jar.add(session_cookie(token)))
}

/// Send an email to a provider in their language, logging (without content) if it fails.
///
/// The mail goes out in a background task, so that the response time does
/// not tell whether a mail was sent (and to an account that exists).
async fn send_mail(app: &App, to: &str, tr: Tr, key: &str, args: &[(&'static str, String)]) {
    let subject = tr.t(&format!("mail-{key}-subject"));
    let text = tr.with_args(&format!("mail-{key}-body"), args);
    let email = Email { to: to.to_owned(), subject, text };
    let mailer = app.mailer.clone();
    let key = key.to_owned();
    tokio::spawn(async move {
        if let Err(error) = mailer.send(email).await {
            tracing::error!(error = %format!("{error:#}"), mail = key, "cannot send mail");
        }
    }.in_current_span());
}

/// Build a link into visite for an email, such as `https://video.example/verify-email?token=…`.
fn link(app: &App, path: &str, token: &str) -> String {
    format!("{}{path}?token={token}", app.link_origin)
}

/// Return the translator for the language a provider chose at signup.
fn provider_tr(locale: &str) -> Tr {
    Tr::new(crate::i18n::Lang::from_code(locale).unwrap_or(crate::i18n::Lang::En))
}

fn now() -> i64 {
    unix_now()
}
