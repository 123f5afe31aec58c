use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn signup_leads_to_dashboard_with_room_link() {
    let app = spawn_app().await;
    let mut client = app.client();

    let response = client.signup(&Signup::new("praxis-muster")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/dashboard");

    let (status, body) = client.get_text("/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&format!("http://localhost:{}/r/praxis-muster", app.address.port())), "no room link");
}

#[tokio::test]
async fn session_cookie_attributes() {
    let app = spawn_app().await;
    let mut client = app.client();

    let response = client.signup(&Signup::new("praxis-muster")).await;
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
    let cases: [(&str, fn(&mut Signup), &str); 7] = [
        ("short password", |s| s.password = "elf Zeichen".into(), "mindestens 12 Zeichen"),
        ("password equals email", |s| s.password = s.email.to_uppercase(), "nicht Ihre E-Mail-Adresse"),
        ("password equals name", |s| { s.name = "Dr. Erika Mustermann".into(); s.password = "dr. erika mustermann".into() }, "oder Ihr Name"),
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
        assert!(!body.contains(&signup.password) || signup.password.is_empty(), "{case}: password echoed back");
        assert!(client.cookie.is_none(), "{case}: a session was started");
    }

    // Nothing was created: the valid signup still gets the slug and email.
    assert_eq!(client.signup(&Signup::new("praxis-muster")).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn signup_rejects_taken_slug_and_email() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mut client = app.client();

    let mut same_slug = Signup::new("praxis-muster");
    same_slug.email = "other@praxis.example".into();
    let response = client.signup(&same_slug).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("already taken"));

    let mut same_email = Signup::new("other-room");
    same_email.email = "PRAXIS-MUSTER@praxis.example".into();
    let response = client.signup(&same_email).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(client.cookie.is_none());
}

#[tokio::test]
async fn login_failure_does_not_tell_which_part_was_wrong() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mut client = app.client();

    let wrong_password = client.login("praxis-muster@praxis.example", "wrong password here").await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    let wrong_password = wrong_password.text().await.unwrap();
    let unknown_email = client.login("nobody@praxis.example", "wrong password here").await;
    assert_eq!(unknown_email.status(), StatusCode::UNAUTHORIZED);
    let unknown_email = unknown_email.text().await.unwrap();

    let message = "Email address or password is wrong.";
    assert!(wrong_password.contains(message));
    assert!(unknown_email.contains(message));
    assert_eq!(
        wrong_password.replace("praxis-muster@", "X@"),
        unknown_email.replace("nobody@", "X@"),
        "the two failures render different pages"
    );
    assert!(client.cookie.is_none());
}

#[tokio::test]
async fn login_and_logout() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mut client = app.client();

    let response = client.login("  Praxis-Muster@praxis.example ", "correct horse battery staple").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session = client.cookie.clone().unwrap();
    assert_eq!(client.get("/dashboard").await.status(), StatusCode::OK);

    let response = client.post_form("/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(client.cookie.is_none(), "logout did not clear the cookie");

    // The old token is dead on the server too.
    client.cookie = Some(session);
    let response = client.get("/dashboard").await;
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

    // Nothing was created.
    assert_eq!(app.client().signup(&signup).await.status(), StatusCode::SEE_OTHER);
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
