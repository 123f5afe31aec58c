use reqwest::StatusCode;

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn dashboard_shows_room_link() {
    let app = spawn_app().await;
    let client = app.provider("praxis-muster").await;

    let (status, body) = client.get_text("/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&format!("http://localhost:{}/r/praxis-muster", app.address.port())), "no room link");
}

#[tokio::test]
async fn session_cookie_attributes() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mut client = app.client();

    let response = client.login("praxis-muster@praxis.example", PASSWORD).await;
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();

    assert!(cookie.starts_with("__Host-visite-session="), "{cookie}");
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing in {cookie}");
    }
    assert!(!cookie.contains("Domain="), "a __Host- cookie must not name a domain");
}

#[tokio::test]
async fn signup_rejects_bad_input_in_users_language() {
    let app = spawn_app().await;
    let mut client = app.client();
    let cases: [(&str, fn(&mut Signup), &str); 11] = [
        ("short password", |s| s.password = "elf Zeichen".into(), "mindestens 12 Zeichen"),
        ("password", |s| s.password = "password".into(), "mindestens 12 Zeichen"),
        ("123", |s| s.password = "123".into(), "mindestens 12 Zeichen"),
        ("common password", |s| s.password = "Passwort123456".into(), "Liste häufiger"),
        ("practice password", |s| s.password = "praxis2024praxis".into(), "Passwort"),
        ("password equals email", |s| s.password = s.email.to_uppercase(), "Ihrer E-Mail-Adresse"),
        ("password from name", |s| { s.name = "Erika Mustermann".into(); s.password = "ErikaMustermann2024!".into() }, "aus Ihrem Namen"),
        ("reserved slug", |s| s.slug = "admin".into(), "reserviert"),
        ("invalid slug", |s| s.slug = "praxis_muster".into(), "Kleinbuchstaben"),
        ("invalid email", |s| s.email = "erika(at)praxis".into(), "gültige E-Mail-Adresse"),
        ("missing name", |s| s.name = "   ".into(), "Bitte geben Sie Ihren Namen ein"),
    ];

    for (case, change, expected) in cases {
        let mut signup = Signup::new("praxis-muster");
        change(&mut signup);
        let response = client
            .post_form("/signup?lang=de", &[
                ("name", &signup.name),
                ("practice_name", &signup.practice_name),
                ("email", &signup.email),
                ("slug", &signup.slug),
                ("password", &signup.password),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{case}");
        let body = response.text().await.unwrap();
        assert!(body.contains(expected), "{case}: message {expected:?} missing");
        assert!(!body.contains(&format!("value=\"{}\"", signup.password)), "{case}: password echoed back");
    }
    assert!(app.mails().is_empty(), "a rejected signup sent mail");

    // Nothing was created: the valid signup still gets the slug and email.
    let response = client.signup(&Signup::new("praxis-muster")).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn signup_with_taken_email_reads_the_same() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mut client = app.client();

    let mut new_address = Signup::new("another-room");
    new_address.email = "new@praxis.example".into();
    let fresh = client.signup(&new_address).await.text().await.unwrap();

    let mut same_email = Signup::new("third-room");
    same_email.email = "PRAXIS-MUSTER@praxis.example".into();
    let response = client.signup(&same_email).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), fresh, "a taken email changes the page");

    // The provider's verification and enrolment notice, the fresh address's
    // verification, then the notice about the taken address.
    let to_owner: Vec<_> = app.wait_for_mails(4).await.into_iter().filter(|m| m.to.contains("praxis-muster@praxis.example")).collect();
    assert!(to_owner.last().unwrap().body.contains("already have an account"), "the owner was not told");
    assert_eq!(app.client().get("/r/third-room").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn signup_rejects_taken_slug() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mut client = app.client();

    let mut same_slug = Signup::new("praxis-muster");
    same_slug.email = "other@praxis.example".into();
    let response = client.signup(&same_slug).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("already taken"));
}

#[tokio::test]
async fn room_opens_after_verification_and_second_factor() {
    let app = spawn_app().await;
    let signup = Signup::new("praxis-muster");
    let mut client = app.client();
    assert_eq!(client.signup(&signup).await.status(), StatusCode::OK);
    assert_eq!(app.client().get("/r/praxis-muster").await.status(), StatusCode::NOT_FOUND, "open before verification");

    let link = app.mail_link(&signup.email, "/verify-email").await;
    let (status, _) = client.follow_link(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.client().get("/r/praxis-muster").await.status(), StatusCode::NOT_FOUND, "open before 2FA");

    let response = client.login(&signup.email, &signup.password).await;
    assert_eq!(response.headers()["location"], "/account/setup");
    let response = client.get("/dashboard").await;
    assert_eq!(response.headers()["location"], "/login", "dashboard reachable without a second factor");
    let status = handshake_status(client.try_socket("/r/praxis-muster/host", Some(&app.origin)).await);
    assert_eq!(status, 401, "provider socket open before 2FA");
    let status = handshake_status(app.client().try_socket("/r/praxis-muster/ws", Some(&app.origin)).await);
    assert_eq!(status, 404, "patient socket open before 2FA");

    client.enrol_totp().await;
    assert_eq!(client.get("/dashboard").await.status(), StatusCode::OK);
    assert_eq!(app.client().get("/r/praxis-muster").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn verification_link_works_once() {
    let app = spawn_app().await;
    let signup = Signup::new("praxis-muster");
    app.client().signup(&signup).await;
    let link = app.mail_link(&signup.email, "/verify-email").await;

    let (status, _) = app.client().follow_link(&link).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.client().follow_link(&link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(body.contains("expired"));
}

#[tokio::test]
async fn unverified_login_fails_generically_and_resends_link() {
    let app = spawn_app().await;
    let signup = Signup::new("praxis-muster");
    app.client().signup(&signup).await;
    let first = app.mail_link(&signup.email, "/verify-email").await;

    // Within ten minutes of the last link, a login sends no new one.
    let response = app.client().login(&signup.email, &signup.password).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.text().await.unwrap().contains("Email address or password is wrong."));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.mails().len(), 1, "a login sent another link right away");

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.data_dir.path().join("visite.db").display())).await.unwrap();
    sqlx::query("UPDATE email_tokens SET created_at = created_at - 601").execute(&pool).await.unwrap();
    app.client().login(&signup.email, &signup.password).await;
    app.wait_for_mails(2).await;
    let second = app.mail_link(&signup.email, "/verify-email").await;
    assert_ne!(first, second, "no new link was sent");
    let (status, _) = app.client().follow_link(&first).await;
    assert_eq!(status, StatusCode::GONE, "the replaced link still works");
}

#[tokio::test]
async fn login_failure_message_is_generic() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mut client = app.client();

    let wrong_password = client.login("praxis-muster@praxis.example", "wrong password here").await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    let wrong_password = wrong_password.text().await.unwrap();
    let unknown_email = client.login("nobody@praxis.example", "wrong password here").await;
    assert_eq!(unknown_email.status(), StatusCode::UNAUTHORIZED);
    let unknown_email = unknown_email.text().await.unwrap();

    assert!(wrong_password.contains("Email address or password is wrong."));
    assert_eq!(
        wrong_password.replace("praxis-muster@", "X@"),
        unknown_email.replace("nobody@", "X@"),
        "the two failures render different pages"
    );
    assert!(client.cookie.is_none());
}

#[tokio::test]
async fn login_needs_current_code_once() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let secret = provider.totp_secret.clone().unwrap();
    let mut client = app.client();

    let response = client.login("praxis-muster@praxis.example", PASSWORD).await;
    assert_eq!(response.headers()["location"], "/login/code");
    assert_eq!(client.get("/dashboard").await.headers()["location"], "/login");

    let old = visite::accounts::totp::code_at(&secret, now_seconds() - 120);
    let response = client.post_form("/login/code", &[("code", &old)]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a code from two minutes ago was accepted");

    // Enrolment used the current step: its code cannot be used again.
    let current = visite::accounts::totp::code_at(&secret, now_seconds());
    let next = visite::accounts::totp::code_at(&secret, now_seconds() + 30);
    let response = client.post_form("/login/code", &[("code", &current)]).await;
    let accepted_current = response.status() == StatusCode::SEE_OTHER;
    if !accepted_current {
        // The step had not advanced since enrolment: the next step's code works (skew).
        let response = client.post_form("/login/code", &[("code", &next)]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "the next step's code was rejected");
    }
    assert_eq!(client.get("/dashboard").await.status(), StatusCode::OK);

    // The same code in a second login is a replay.
    let mut again = app.client();
    again.login("praxis-muster@praxis.example", PASSWORD).await;
    let replayed = if accepted_current { current } else { next };
    let response = again.post_form("/login/code", &[("code", &replayed)]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a used code was accepted again");
}

#[tokio::test]
async fn recovery_code_works_once() {
    let app = spawn_app().await;
    let signup = Signup::new("praxis-muster");
    let mut client = app.client();
    client.signup(&signup).await;
    let link = app.mail_link(&signup.email, "/verify-email").await;
    client.follow_link(&link).await;
    client.login(&signup.email, &signup.password).await;
    let (_, page) = client.get_text("/account/setup").await;
    let secret = base32_decode(&page.split("id=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().replace(' ', ""));
    let code = visite::accounts::totp::code_at(&secret, now_seconds());
    let response = client.post_form("/account/setup", &[("code", &code)]).await;
    let page = response.text().await.unwrap();
    let codes: Vec<String> = page
        .split("<li><code>")
        .skip(1)
        .map(|part| part.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes expected");

    let mut other = app.client();
    other.login(&signup.email, &signup.password).await;
    let response = other.post_form("/login/code", &[("code", &codes[3].to_lowercase())]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "recovery code rejected");

    let mut third = app.client();
    third.login(&signup.email, &signup.password).await;
    let response = third.post_form("/login/code", &[("code", &codes[3])]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a used recovery code worked twice");
}

#[tokio::test]
async fn failures_grow_delays_across_both_steps() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mut client = app.client();

    for attempt in 0..4 {
        let response = client.login("praxis-muster@praxis.example", "wrong password here").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    // The right password stays counted until the code is right too.
    let response = client.login("praxis-muster@praxis.example", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.counters("account:%").await, (1, 5), "the right password was not counted");

    // With a long delay on the account, the code step waits too: one counter.
    app.hold_counters("account:%", 12).await;
    let response = client.post_form("/login/code", &[("code", "000000")]).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "the code step ignored the account's count");
    assert!(response.text().await.unwrap().contains("wait"));

    // Another account from the same network waits when the network's count is high.
    app.hold_counters("net:%", 12).await;
    let response = app.client().login("someone@praxis.example", "whatever it is").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "the network counter did not apply");
}

#[tokio::test]
async fn hundred_failures_lock_account_until_unlocked() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let email = "praxis-muster@praxis.example";

    // Put the counters just below the threshold, with the delay long past.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.data_dir.path().join("visite.db").display())).await.unwrap();
    sqlx::query("INSERT INTO login_failures (subject, failures, last_failure_at) VALUES ($1, 99, 0)")
        .bind(visite_account_subject(email))
        .execute(&pool)
        .await
        .unwrap();

    let response = app.client().login(email, "wrong password here").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let link = app.mail_link(email, "/account/unlock").await;

    sqlx::query("UPDATE login_failures SET last_failure_at = 0").execute(&pool).await.unwrap();
    let response = app.client().login(email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a locked account let the right password in");

    let (status, _) = app.client().follow_link(&link).await;
    assert_eq!(status, StatusCode::OK);
    sqlx::query("DELETE FROM login_failures WHERE subject LIKE 'net:%'").execute(&pool).await.unwrap();
    let response = app.client().login(email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "unlock did not work");
}

fn visite_account_subject(email: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(email.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("account:{hex}")
}

#[tokio::test]
async fn new_device_login_alerts_owner() {
    let app = spawn_app().await;
    let mut provider = app.provider("praxis-muster").await;
    let before = app.mails().len();

    // The same browser logs in again: no alert.
    provider.post_form("/logout", &[]).await;
    provider.login_with_code("praxis-muster@praxis.example", PASSWORD).await;
    assert_eq!(app.mails().len(), before, "a known device caused an alert");

    // Another browser: alert with a lockdown link that ends every session.
    let mut stranger = app.client();
    stranger.totp_secret = provider.totp_secret.clone();
    stranger.login_with_code("praxis-muster@praxis.example", PASSWORD).await;
    let alert = app.wait_for_mails(before + 1).await.pop().unwrap();
    assert!(alert.body.contains("has not logged in before"), "no new-device alert");
    let link = alert.link("/account/lockdown").unwrap();

    let (status, body) = app.client().follow_link(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Set a new password"));
    assert_eq!(stranger.get("/dashboard").await.headers()["location"], "/login", "the stranger's session survived");
    assert_eq!(provider.get("/dashboard").await.headers()["location"], "/login");
}

#[tokio::test]
async fn password_reset_ends_sessions_and_keeps_second_factor() {
    let app = spawn_app().await;
    let mut provider = app.provider("praxis-muster").await;
    let email = "praxis-muster@praxis.example";

    let response = app.client().post_form("/password/forgot", &[("email", "nobody@praxis.example")]).await;
    let unknown_page = response.text().await.unwrap();
    let mails_before = app.mails().len();
    let response = app.client().post_form("/password/forgot", &[("email", email)]).await;
    assert_eq!(response.text().await.unwrap(), unknown_page, "the page tells accounts apart");
    assert_eq!(app.wait_for_mails(mails_before + 1).await.len(), mails_before + 1);

    let link = app.mail_link(email, "/password/reset").await;
    let mut browser = app.client();
    let (status, _) = browser.follow_link(&link).await;
    assert_eq!(status, StatusCode::OK);
    let response = browser.post_form("/password/reset", &[("password", "Passwort123456")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "a common password was accepted");
    let response = browser.post_form("/password/reset", &[("password", "a brand new passphrase here")]).await;
    assert_eq!(response.status(), StatusCode::OK);

    assert_eq!(provider.get("/dashboard").await.headers()["location"], "/login", "an old session survived the reset");
    let response = app.client().login(email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "the old password still works");
    let response = provider.login(email, "a brand new passphrase here").await;
    assert_eq!(response.headers()["location"], "/login/code", "the reset skipped the second factor");
    let (status, _) = app.client().follow_link(&link).await;
    assert_eq!(status, StatusCode::GONE, "the reset link worked twice");
}

#[tokio::test]
async fn account_page_lists_and_ends_sessions() {
    let app = spawn_app().await;
    let mut provider = app.provider("praxis-muster").await;
    let mut second = app.client();
    second.totp_secret = provider.totp_secret.clone();
    second.login_with_code("praxis-muster@praxis.example", PASSWORD).await;

    let (status, page) = provider.get_text("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches("name=\"session\" value=\"").count(), 2, "one other session plus the end-all form");
    assert!(page.contains("Authenticator app set up"));
    assert!(page.contains("Login from a new device"), "security log lacks the new device");

    provider.post_form("/account/sessions/end", &[("session", "others")]).await;
    assert_eq!(second.get("/dashboard").await.headers()["location"], "/login");
    assert_eq!(provider.get("/dashboard").await.status(), StatusCode::OK);

    let response = provider.post_form("/account/sessions/end", &[("session", "00ff")]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn login_and_logout() {
    let app = spawn_app().await;
    let mut provider = app.provider("praxis-muster").await;
    let session = provider.cookie.clone().unwrap();

    let response = provider.post_form("/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(provider.cookie.is_none(), "logout did not clear the cookie");

    // The old token is dead on the server too.
    provider.cookie = Some(session);
    let response = provider.get("/dashboard").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/login");
}

#[tokio::test]
async fn dashboard_requires_login() {
    let app = spawn_app().await;
    let response = app.client().get("/dashboard").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/login");
}

#[tokio::test]
async fn cross_origin_form_is_rejected() {
    let app = spawn_app().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let signup = Signup::new("praxis-muster");
    let form = [
        ("name", signup.name.as_str()),
        ("practice_name", signup.practice_name.as_str()),
        ("email", signup.email.as_str()),
        ("slug", signup.slug.as_str()),
        ("password", signup.password.as_str()),
    ];

    for (origin, fetch_site) in [(Some("https://evil.example"), "cross-site"), (None, "cross-site"), (Some("null"), "cross-site")] {
        let mut request = http.post(app.url("/signup")).header("sec-fetch-site", fetch_site).header("accept-language", "de");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.form(&form).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "origin {origin:?}");
        assert!(response.text().await.unwrap().contains("von einer anderen Website"), "message not in German");
    }

    assert!(app.mails().is_empty(), "a rejected form sent mail");
    assert_eq!(app.client().signup(&signup).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn room_settings_change_the_link() {
    let app = spawn_app().await;
    let mut provider = app.provider("praxis-muster").await;
    app.provider("taken-room").await;

    let response = provider
        .post_form("/dashboard/room", &[("slug", "Neue-Praxis"), ("waiting_message", "Bitte halten Sie Ihre Karte bereit.")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    assert_eq!(app.client().get("/r/praxis-muster").await.status(), StatusCode::NOT_FOUND);
    let (status, body) = app.client().get_text("/r/neue-praxis").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Bitte halten Sie Ihre Karte bereit."));

    for (slug, message) in [("taken-room", "already taken"), ("login", "reserved"), ("a", "at least 3")] {
        let response = provider.post_form("/dashboard/room", &[("slug", slug), ("waiting_message", "")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{slug}");
        assert!(response.text().await.unwrap().contains(message), "{slug}: {message:?} missing");
    }
    assert_eq!(app.client().get("/r/neue-praxis").await.status(), StatusCode::OK, "a rejected change took effect");
}

#[tokio::test]
async fn same_origin_form_with_null_origin_passes() {
    // Chromium sends `Origin: null` for form posts from no-referrer pages.
    let app = spawn_app().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = http
        .post(app.url("/login"))
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", "nobody@praxis.example"), ("password", "wrong password here")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a same-origin form post was rejected");

    let response = http
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", "nobody@praxis.example"), ("password", "wrong password here")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "a foreign Origin passed with a same-origin claim");
}
