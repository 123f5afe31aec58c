use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

const EMAIL: &str = "praxis-muster@praxis.example";
const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn password_change_needs_current_password() {
    let app = spawn_app().await;
    let mut provider = app.provider("praxis-muster").await;
    let mut other = app.client();
    other.totp_secret = provider.totp_secret.clone();
    other.login_with_code(EMAIL, PASSWORD).await;

    let response = provider.post_form("/account/password", &[("current_password", "not my password"), ("password", "a brand new passphrase here")]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = provider.post_form("/account/password", &[("current_password", PASSWORD), ("password", "Passwort123456")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "a common password was accepted");

    let mails_before = app.mails().len();
    let response = provider.post_form("/account/password", &[("current_password", PASSWORD), ("password", "a brand new passphrase here")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(provider.get("/dashboard").await.status(), StatusCode::OK, "the changing session ended");
    assert_eq!(other.get("/dashboard").await.headers()["location"], "/login", "another session survived");
    let notice = app.mail_after(mails_before).await;
    assert!(notice.subject.contains("=?utf-8?") || notice.body.contains("password"), "no notice mail");
    let response = app.client().login(EMAIL, "a brand new passphrase here").await;
    assert_eq!(response.headers()["location"], "/login/code");
}

#[tokio::test]
async fn email_change_waits_for_confirmation() {
    let app = spawn_app().await;
    let mut provider = app.provider("praxis-muster").await;

    let response = provider.post_form("/account/email", &[("current_password", "wrong password here"), ("email", "new@praxis.example")]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = provider.post_form("/account/email", &[("current_password", PASSWORD), ("email", "new@praxis.example")]).await;
    assert_eq!(response.status(), StatusCode::OK);

    let notice = app.mails().into_iter().filter(|m| m.to.contains(EMAIL)).next_back().unwrap();
    assert!(notice.body.contains("new@praxis.example") == false, "the notice names the new address");
    // Until confirmed, the old address still logs in.
    assert_eq!(app.client().login(EMAIL, PASSWORD).await.status(), StatusCode::SEE_OTHER);

    let link = app.mail_link("new@praxis.example", "/account/email/confirm").await;
    let (status, _) = app.client().follow_link(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.client().login(EMAIL, PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.client().login("new@praxis.example", PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn factor_changes_need_fresh_authentication() {
    let app = spawn_app().await;
    let mut provider = app.provider("praxis-muster").await;

    // Right after login the authentication is fresh.
    let response = provider.post_form("/account/recovery-codes", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap().matches("<li><code>").count(), 10);

    // Five minutes later it is not: age the session in the database.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.data_dir.path().join("visite.db").display())).await.unwrap();
    sqlx::query("UPDATE sessions SET authenticated_at = authenticated_at - 301").execute(&pool).await.unwrap();
    let response = provider.post_form("/account/recovery-codes", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/account/confirm?next=/account/recovery-codes");

    let response = provider.post_form("/account/confirm", &[("password", "wrong password here"), ("next", "/account/recovery-codes")]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = provider.post_form("/account/confirm", &[("password", PASSWORD), ("next", "https://evil.example/")]).await;
    assert_eq!(response.headers()["location"], "/account", "confirmation redirected off-site");
    let response = provider.post_form("/account/recovery-codes", &[]).await;
    assert_eq!(response.status(), StatusCode::OK, "fresh authentication did not take");
}

#[tokio::test]
async fn strength_meter_uses_server_policy() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let check = |password: &str| {
        http.post(app.url("/password/check?lang=de"))
            .header("origin", &app.origin)
            .json(&json!({"password": password, "name": "Erika Muster", "email": "erika@praxis.example", "practice_name": "Praxis Muster", "slug": "praxis-muster"}))
            .send()
    };

    let weak: serde_json::Value = check("Passwort123456").await.unwrap().json().await.unwrap();
    assert_eq!(weak["ok"], false);
    assert!(weak["message"].as_str().unwrap().contains("Liste"), "{weak}");
    let personal: serde_json::Value = check("ErikaMuster2024!").await.unwrap().json().await.unwrap();
    assert_eq!(personal["ok"], false);
    let strong: serde_json::Value = check("Zwetschgen-Baum wächst leise").await.unwrap().json().await.unwrap();
    assert_eq!(strong["ok"], true, "{strong}");
    assert!(strong["score"].as_u64().unwrap() >= 3);

    let response = http.post(app.url("/password/check")).header("origin", &app.origin).json(&json!({"password": "x", "extra": 1})).send().await.unwrap();
    assert!(response.status().is_client_error(), "unknown fields were accepted");
}

#[tokio::test]
async fn authenticator_can_be_replaced() {
    let app = spawn_app().await;
    let mut provider = app.provider("praxis-muster").await;
    let old_secret = provider.totp_secret.clone().unwrap();

    provider.enrol_totp().await;
    let new_secret = provider.totp_secret.clone().unwrap();
    assert_ne!(old_secret, new_secret);
    assert_eq!(provider.get("/dashboard").await.status(), StatusCode::OK, "replacing ended the session");

    let mut old_app = app.client();
    old_app.totp_secret = Some(old_secret);
    let response = old_app.login_with_code(EMAIL, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "the old app still works");
}
