//! Passkeys against a software authenticator (webauthn-authenticator-rs
//! `SoftPasskey`), which signs real attestations and assertions with P-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery staple";

/// A software authenticator for one browser origin, with the credential
/// ids and user handles it registered.
struct Authenticator {
    soft: SoftPasskey,
    origin: Url,
    /// (credential id, user handle) per registration, oldest first.
    credentials: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Authenticator {
    /// Create an authenticator for the test server's origin. WebAuthn needs a
    /// domain as relying party id, so the browser origin is `localhost`, not 127.0.0.1.
    fn new(app: &TestApp) -> Self {
        let origin = Url::parse(&format!("http://localhost:{}", app.address.port())).unwrap();
        // `true` makes the soft authenticator claim user verification, which the server requires.
        Self { soft: SoftPasskey::new(true), origin, credentials: Vec::new() }
    }

    fn create(&mut self, options: &Value) -> Value {
        let options: CreationChallengeResponse = serde_json::from_value(options.clone()).unwrap();
        let user_handle = options.public_key.user.id.to_vec();
        let credential = self.soft.do_registration(self.origin.clone(), options).expect("soft authenticator registers");
        self.credentials.push((credential.raw_id.to_vec(), user_handle));
        serde_json::to_value(credential).unwrap()
    }

    /// Sign the challenge with the credential the server allows.
    fn get(&mut self, options: &Value) -> Value {
        let options: RequestChallengeResponse = serde_json::from_value(options.clone()).unwrap();
        let credential = self.soft.do_authentication(self.origin.clone(), options).expect("soft authenticator signs");
        serde_json::to_value(credential).unwrap()
    }

    /// Sign a passwordless sign-in with the newest credential, as an
    /// authenticator that keeps it as a discoverable credential would. The
    /// soft authenticator keeps no discoverable credentials, so the test
    /// names the credential and adds the user handle it was registered with.
    fn discover(&mut self, options: &Value) -> Value {
        let (credential_id, user_handle) = self.credentials.last().cloned().expect("a registered credential");
        let mut options = options.clone();
        options["publicKey"]["allowCredentials"] = json!([{ "type": "public-key", "id": URL_SAFE_NO_PAD.encode(&credential_id) }]);
        let mut assertion = self.get(&options);
        assertion["response"]["userHandle"] = json!(URL_SAFE_NO_PAD.encode(&user_handle));
        assertion
    }
}

async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("answer is not JSON ({status}): {text}"));
    (status, value)
}

/// Sign up and verify a provider and enter the password: a half-way
/// session that still needs its first second factor.
async fn half_way(app: &TestApp, slug: &str) -> Client {
    let signup = Signup::new(slug);
    let mut client = app.client();
    assert_eq!(client.signup(&signup).await.status(), StatusCode::OK);
    let link = app.mail_link(&signup.email, "/verify-email").await;
    client.follow_link(&link).await;
    let response = client.login(&signup.email, &signup.password).await;
    assert_eq!(response.headers()["location"], "/account/setup");
    client
}

/// Run a registration ceremony and return the response of its finish request.
async fn register(client: &mut Client, authenticator: &mut Authenticator, name: &str) -> (StatusCode, Value) {
    let (status, started) = json_of(client.post_json("/account/passkeys/register/start", &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "registration did not start: {started}");
    let credential = authenticator.create(&started["options"]);
    json_of(client.post_json("/account/passkeys/register/finish", &json!({ "credential": credential, "name": name })).await).await
}

/// Create a provider whose only second factor is a passkey and return their
/// fully logged-in client, authenticator and recovery codes.
async fn passkey_provider(app: &TestApp, slug: &str) -> (Client, Authenticator, Vec<String>) {
    let mut client = half_way(app, slug).await;
    let mut authenticator = Authenticator::new(app);
    let (status, answer) = register(&mut client, &mut authenticator, "Office laptop").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let codes = answer["recoveryCodes"].as_array().unwrap().iter().map(|code| code.as_str().unwrap().to_owned()).collect();
    (client, authenticator, codes)
}

/// Run the second-factor ceremony after the password and return the finish request body.
async fn second_factor_assertion(client: &mut Client, authenticator: &mut Authenticator) -> Value {
    let (status, started) = json_of(client.post_json("/login/passkey/start", &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    json!({ "credential": authenticator.get(&started["options"]) })
}

fn database_url(app: &TestApp) -> String {
    format!("sqlite://{}", app.data_dir.path().join("visite.db").display())
}

#[tokio::test]
async fn first_enrolment_with_passkey_completes_login() {
    let app = spawn_app().await;
    let mut client = half_way(&app, "praxis-muster").await;
    let (status, setup) = client.get_text("/account/setup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(setup.contains("id=\"passkey-register\""), "the setup page offers no passkey");
    assert!(setup.contains("id=\"totp-secret\""), "the setup page lost the authenticator app");
    assert!(setup.contains("/static/js/passkey.js"), "the passkey script is not loaded");

    let mut authenticator = Authenticator::new(&app);
    let mails_before = app.mails().len();
    let (status, answer) = register(&mut client, &mut authenticator, "").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["redirect"], "/dashboard");
    let codes = answer["recoveryCodes"].as_array().expect("recovery codes in the answer");
    assert_eq!(codes.len(), 10);
    assert_eq!(client.get("/dashboard").await.status(), StatusCode::OK, "the login did not complete");

    let (_, account) = client.get_text("/account").await;
    assert!(account.contains("id=\"passkey-list\""), "the passkey is not listed");
    assert!(account.contains("Passkey set up"), "no security event");
    let mail = app.mail_after(mails_before).await;
    assert!(mail.to.contains("praxis-muster@"), "the notice went to {}", mail.to);
    assert!(mail.body.contains("passkey"), "no notice mail: {}", mail.body);

    // The recovery codes work for the next login.
    let mut next = app.client();
    next.login("praxis-muster@praxis.example", PASSWORD).await;
    let code = codes[0].as_str().unwrap();
    let response = next.post_form("/login/code", &[("code", code)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/dashboard");
}

#[tokio::test]
async fn passkey_as_second_factor() {
    let app = spawn_app().await;
    let (_, mut authenticator, _) = passkey_provider(&app, "praxis-muster").await;
    let mut client = app.client();

    let response = client.login("praxis-muster@praxis.example", PASSWORD).await;
    assert_eq!(response.headers()["location"], "/login/code");
    let (_, page) = client.get_text("/login/code").await;
    assert!(page.contains("id=\"passkey-second-factor\""), "the code page offers no passkey");
    assert_eq!(client.get("/dashboard").await.headers()["location"], "/login");

    let body = second_factor_assertion(&mut client, &mut authenticator).await;
    let (status, answer) = json_of(client.post_json("/login/passkey/finish", &body).await).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["redirect"], "/dashboard");
    assert_eq!(client.get("/dashboard").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn replayed_assertion_is_rejected() {
    let app = spawn_app().await;
    let (_, mut authenticator, _) = passkey_provider(&app, "praxis-muster").await;

    let mut first = app.client();
    first.login("praxis-muster@praxis.example", PASSWORD).await;
    let body = second_factor_assertion(&mut first, &mut authenticator).await;
    let (status, _) = json_of(first.post_json("/login/passkey/finish", &body).await).await;
    assert_eq!(status, StatusCode::OK);

    // The same assertion against a new challenge.
    let mut second = app.client();
    second.login("praxis-muster@praxis.example", PASSWORD).await;
    second.post_json("/login/passkey/start", &json!({})).await;
    let (status, answer) = json_of(second.post_json("/login/passkey/finish", &body).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"], "failed");
    assert_eq!(second.get("/dashboard").await.headers()["location"], "/login", "the replay logged in");

    // The same passwordless assertion twice: the ceremony works once.
    let mut browser = app.client();
    let (_, started) = json_of(browser.post_json("/login/passkey/discover/start", &json!({})).await).await;
    let body = json!({ "ceremony": started["ceremony"], "credential": authenticator.discover(&started["options"]) });
    let (status, _) = json_of(browser.post_json("/login/passkey/discover/finish", &body).await).await;
    assert_eq!(status, StatusCode::OK);
    let mut replay = app.client();
    let (status, answer) = json_of(replay.post_json("/login/passkey/discover/finish", &body).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"], "loginFailed");
    assert!(replay.cookie.is_none(), "the replay got a session");

    // A ceremony ends with its first finish request, even a wrong one. A valid
    // assertion after it is rejected although its signature counter is new.
    let mut browser = app.client();
    let (_, started) = json_of(browser.post_json("/login/passkey/discover/start", &json!({})).await).await;
    let credential = authenticator.discover(&started["options"]);
    let mut broken = credential.clone();
    broken["response"]["signature"] = json!(URL_SAFE_NO_PAD.encode([0u8; 70]));
    let (status, _) = json_of(browser.post_json("/login/passkey/discover/finish", &json!({ "ceremony": started["ceremony"], "credential": broken })).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = json_of(browser.post_json("/login/passkey/discover/finish", &json!({ "ceremony": started["ceremony"], "credential": credential })).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a ceremony was finished twice");
}

#[tokio::test]
async fn passwordless_sign_in() {
    let app = spawn_app().await;
    let (_, mut authenticator, _) = passkey_provider(&app, "praxis-muster").await;
    let mut client = app.client();
    let (_, login) = client.get_text("/login").await;
    assert!(login.contains("id=\"passkey-sign-in\""), "the login page offers no passkey sign-in");

    let (status, started) = json_of(client.post_json("/login/passkey/discover/start", &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert!(started["options"]["publicKey"]["allowCredentials"].as_array().is_none_or(Vec::is_empty), "the sign-in names credentials");
    let body = json!({ "ceremony": started["ceremony"], "credential": authenticator.discover(&started["options"]) });
    let (status, answer) = json_of(client.post_json("/login/passkey/discover/finish", &body).await).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["redirect"], "/dashboard");
    assert_eq!(client.get("/dashboard").await.status(), StatusCode::OK, "the passkey alone did not log in");
}

#[tokio::test]
async fn unknown_passkey_fails_generically() {
    let app = spawn_app().await;
    let (_, mut authenticator, _) = passkey_provider(&app, "praxis-muster").await;
    let mut client = app.client();

    let mut attempt = async |change: fn(&mut Value)| {
        let (_, started) = json_of(client.post_json("/login/passkey/discover/start", &json!({})).await).await;
        let mut credential = authenticator.discover(&started["options"]);
        change(&mut credential);
        let body = json!({ "ceremony": started["ceremony"], "credential": credential });
        json_of(client.post_json("/login/passkey/discover/finish", &body).await).await
    };
    let unknown = attempt(|credential| {
        let id = URL_SAFE_NO_PAD.encode([7u8; 32]);
        credential["id"] = json!(id);
        credential["rawId"] = json!(id);
    })
    .await;
    let wrong_user = attempt(|credential| credential["response"]["userHandle"] = json!(URL_SAFE_NO_PAD.encode([1u8; 16]))).await;
    let bad_signature = attempt(|credential| {
        let mut signature = URL_SAFE_NO_PAD.decode(credential["response"]["signature"].as_str().unwrap()).unwrap();
        let last = signature.len() - 1;
        signature[last] ^= 1;
        credential["response"]["signature"] = json!(URL_SAFE_NO_PAD.encode(signature));
    })
    .await;

    for (case, (status, answer)) in [("unknown credential", unknown), ("wrong user handle", wrong_user), ("bad signature", bad_signature)] {
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}");
        assert_eq!(answer, json!({ "error": "loginFailed" }), "{case}");
    }
    assert!(client.cookie.is_none(), "a failed sign-in got a session");
}

#[tokio::test]
async fn other_accounts_passkey_is_rejected() {
    let app = spawn_app().await;
    let (_, mut mine, _) = passkey_provider(&app, "praxis-muster").await;
    let (_, theirs, _) = passkey_provider(&app, "praxis-other").await;
    let mut client = app.client();
    client.login("praxis-muster@praxis.example", PASSWORD).await;

    // The server requests this account's credential. Sign with the other account's instead.
    let (_, started) = json_of(client.post_json("/login/passkey/start", &json!({})).await).await;
    let mut options = started["options"].clone();
    let (other_id, _) = theirs.credentials[0].clone();
    options["publicKey"]["allowCredentials"] = json!([{ "type": "public-key", "id": URL_SAFE_NO_PAD.encode(&other_id) }]);
    mine.soft = theirs.soft;
    let credential = mine.get(&options);
    let (status, answer) = json_of(client.post_json("/login/passkey/finish", &json!({ "credential": credential })).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["error"], "failed");
    assert_eq!(client.get("/dashboard").await.headers()["location"], "/login");
}

#[tokio::test]
async fn account_registration_needs_fresh_authentication() {
    let app = spawn_app().await;
    let mut provider = app.provider("praxis-muster").await;
    let mut authenticator = Authenticator::new(&app);
    let (_, account) = provider.get_text("/account").await;
    assert!(account.contains("id=\"passkey-none\""), "a new account lists passkeys");

    let pool = sqlx::SqlitePool::connect(&database_url(&app)).await.unwrap();
    sqlx::query("UPDATE sessions SET authenticated_at = authenticated_at - 301").execute(&pool).await.unwrap();
    let (status, answer) = json_of(provider.post_json("/account/passkeys/register/start", &json!({})).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(answer["redirect"], "/account/confirm?next=/account");

    let response = provider.post_form("/account/confirm", &[("password", PASSWORD), ("next", "/account")]).await;
    assert_eq!(response.headers()["location"], "/account");
    let (status, answer) = register(&mut provider, &mut authenticator, "Security key").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, json!({ "redirect": "/account" }), "an added passkey renewed the recovery codes");

    let (_, account) = provider.get_text("/account").await;
    assert!(account.contains("<td>Security key</td>"), "the passkey is not listed by name");
    // The notice goes out in the background, after the enrolment notice.
    let notice = app.wait_for_mail("praxis-muster@", "Security key").await;
    assert!(notice.is_some(), "no notice names the passkey: {:?}", app.mails().last().map(|mail| &mail.body));

    // The next registration excludes the credential already registered.
    let (status, started) = json_of(provider.post_json("/account/passkeys/register/start", &json!({})).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(started["options"]["publicKey"]["excludeCredentials"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn last_factor_cannot_be_removed() {
    let app = spawn_app().await;
    let (mut client, mut authenticator, _) = passkey_provider(&app, "praxis-muster").await;
    let pool = sqlx::SqlitePool::connect(&database_url(&app)).await.unwrap();
    let first: i64 = sqlx::query_scalar("SELECT id FROM passkeys").fetch_one(&pool).await.unwrap();

    let response = client.post_form("/account/passkeys/remove", &[("passkey", &first.to_string())]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.text().await.unwrap().contains("last second factor"));
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passkeys").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 1, "the last factor was removed");

    let (status, _) = register(&mut client, &mut authenticator, "Spare key").await;
    assert_eq!(status, StatusCode::OK);

    sqlx::query("UPDATE sessions SET authenticated_at = authenticated_at - 301").execute(&pool).await.unwrap();
    let response = client.post_form("/account/passkeys/remove", &[("passkey", &first.to_string())]).await;
    assert_eq!(response.headers()["location"], "/account/confirm?next=/account", "removal without fresh authentication");
    client.post_form("/account/confirm", &[("password", PASSWORD), ("next", "/account")]).await;

    let response = client.post_form("/account/passkeys/remove", &[("passkey", &first.to_string())]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/account");
    let (_, account) = client.get_text("/account").await;
    assert!(!account.contains("<td>Office laptop</td>"), "the removed passkey is still listed");
    assert!(account.contains("<td>Spare key</td>"));
    assert!(account.contains("Passkey removed"), "no security event");
}

#[tokio::test]
async fn passkey_only_setting_refuses_totp() {
    let app = spawn_app_with(|settings| settings.second_factor = visite::config::SecondFactor::Passkey).await;
    let mut client = half_way(&app, "praxis-muster").await;
    let (status, setup) = client.get_text("/account/setup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!setup.contains("totp-secret"), "the setup page offers an authenticator app");
    assert!(setup.contains("id=\"passkey-register\""), "the setup page offers no passkey");
    let response = client.post_form("/account/setup", &[("code", "123456")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "an authenticator app was accepted");

    let mut authenticator = Authenticator::new(&app);
    let (status, answer) = register(&mut client, &mut authenticator, "").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let recovery = answer["recoveryCodes"][0].as_str().unwrap().to_owned();

    // An authenticator app from before the setting changed.
    let secret = [42u8; 20];
    let pool = sqlx::SqlitePool::connect(&database_url(&app)).await.unwrap();
    sqlx::query("INSERT INTO totp_factors (provider_id, secret, last_step, created_at) SELECT id, $1, 0, 0 FROM providers")
        .bind(&secret[..])
        .execute(&pool)
        .await
        .unwrap();

    let mut next = app.client();
    let response = next.login("praxis-muster@praxis.example", PASSWORD).await;
    assert_eq!(response.headers()["location"], "/login/code");
    let code = visite::accounts::totp::code_at(&secret, now_seconds());
    let response = next.post_form("/login/code", &[("code", &code)]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "an authenticator-app code was accepted");
    let response = next.post_form("/login/code", &[("code", &recovery)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a recovery code was refused");
    assert_eq!(response.headers()["location"], "/dashboard");
}
