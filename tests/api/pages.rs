use reqwest::StatusCode;
use visite::core::protocol::IceServer;

use crate::helpers::*;

#[tokio::test]
async fn security_headers_on_every_page() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let client = app.client();

    for path in ["/", "/signup", "/login", "/terms", "/privacy", "/r/praxis-muster", "/nope", "/static/js/room.js"] {
        let response = client.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}");
        assert!(csp.contains("script-src 'self';"), "{path}: scripts not limited to self");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert!(!csp.contains("http"), "{path}: another origin in the CSP");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        let permissions = headers["permissions-policy"].to_str().unwrap();
        assert!(permissions.contains("camera=(self)") && permissions.contains("microphone=(self)"), "{path}");
        // Screen sharing in the call view calls getDisplayMedia, which this policy must allow.
        assert!(permissions.contains("display-capture=(self)"), "{path}: screen sharing blocked");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers.contains_key("x-request-id"));
    }
}

#[tokio::test]
async fn pages_have_no_inline_script_or_other_origin() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;

    let mut pages = Vec::new();
    for path in ["/", "/signup", "/login", "/terms", "/privacy", "/r/praxis-muster"] {
        pages.push((path, app.client().get_text(path).await.1));
    }
    pages.push(("/dashboard", provider.get_text("/dashboard").await.1));

    for (path, body) in pages {
        for needle in ["<script>", "<script type=\"text/javascript\">", " onclick=", " onload=", " style=\""] {
            assert!(!body.contains(needle), "{path} contains {needle}");
        }
        for src in body.split(['"', '\'']).filter(|part| part.starts_with("http://") || part.starts_with("https://") || part.starts_with("//")) {
            // Room links point at our own origin; nothing else may appear.
            assert!(src.starts_with(&format!("http://localhost:{}", app.address.port())), "{path} refers to {src}");
        }
    }
}

#[tokio::test]
async fn language_follows_header_and_choice() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();

    let german = http.get(app.url("/")).header("accept-language", "de-AT,de;q=0.9").send().await.unwrap();
    assert!(german.text().await.unwrap().contains("<html lang=\"de\">"));
    let english = http.get(app.url("/")).header("accept-language", "fr, en;q=0.5").send().await.unwrap();
    assert!(english.text().await.unwrap().contains("<html lang=\"en\">"));

    let chosen = http.get(app.url("/terms?lang=de")).header("accept-language", "en").send().await.unwrap();
    let cookie = chosen.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-visite-lang=de;"), "{cookie}");
    assert!(chosen.text().await.unwrap().contains("Nutzungsbedingungen"));

    let remembered = http
        .get(app.url("/"))
        .header("accept-language", "en")
        .header("cookie", "__Host-visite-lang=de")
        .send()
        .await
        .unwrap();
    assert!(remembered.text().await.unwrap().contains("<html lang=\"de\">"));
}

#[tokio::test]
async fn room_page_shows_provider_and_unknown_room_is_404() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;

    let (status, body) = app.client().get_text("/r/praxis-muster").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Dr. Erika Muster"));
    assert!(body.contains("Praxis Muster"));

    for path in ["/r/no-such-room", "/r/UPPER", "/r/..%2F..%2Fetc"] {
        let response = app.client().get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn terms_readable_without_login() {
    let app = spawn_app().await;
    for (path, text) in [("/terms?lang=en", "Terms of use"), ("/privacy?lang=de", "Datenschutzhinweise")] {
        let (status, body) = app.client().get_text(path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains(text), "{path}");
    }
}

#[tokio::test]
async fn provider_name_is_escaped() {
    let app = spawn_app().await;
    let mut signup = Signup::new("praxis-muster");
    signup.name = "<img src=x onerror=alert(1)>".into();
    app.provider_from(signup).await;

    let (_, body) = app.client().get_text("/r/praxis-muster").await;
    assert!(!body.contains("<img src=x"), "provider name rendered unescaped");
    assert!(body.contains("&lt;img src=x") || body.contains("&#60;img src=x"), "provider name missing");
}

#[tokio::test]
async fn turn_credentials_only_on_dashboard() {
    let app = spawn_app_with(|settings| {
        settings.ice_servers = vec![
            IceServer {
                urls: vec!["stun:stun.example.org:3478".into()],
                username: None,
                credential: None,
            },
            IceServer {
                urls: vec!["turn:turn.example.org:3478".into()],
                username: Some("turn-user".into()),
                credential: Some("turn-credential-x7".into()),
            },
        ];
    })
    .await;
    let provider = app.provider("praxis-muster").await;

    let (status, room) = app.client().get_text("/r/praxis-muster").await;
    assert_eq!(status, StatusCode::OK);
    assert!(room.contains("data-ice-servers="), "the room page has no ICE server list");
    assert!(room.contains("stun:stun.example.org:3478"), "the room page lacks the STUN server");
    assert!(!room.contains("turn:turn.example.org"), "the room page lists the TURN server");
    assert!(!room.contains("turn-credential-x7"), "the room page contains the TURN credential");

    let (status, dashboard) = provider.get_text("/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(dashboard.contains("turn:turn.example.org:3478"), "the dashboard lacks the TURN server");
    assert!(dashboard.contains("turn-credential-x7"), "the dashboard lacks the TURN credential");
}
