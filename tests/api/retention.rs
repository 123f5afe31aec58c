//! Deletion of expired records with a fake clock, the check of the
//! retention settings at startup, security.txt and the operator's legal texts.

use std::time::Duration;

use reqwest::StatusCode;
use visite::config::Settings;
use visite::retention::{Deleted, SECONDS_PER_DAY, delete_expired};
use visite::store::Store;

use crate::helpers::*;

#[tokio::test]
async fn expired_calls_leave_the_dashboard() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let store = Store::open(app.data_dir.path()).await.unwrap();
    let id = store.provider_by_slug("praxis-muster").await.unwrap().unwrap().id;
    let now = visite::store::unix_now();
    let old = now - 91 * SECONDS_PER_DAY;
    let recent = now - SECONDS_PER_DAY;
    store.record_call(id, old, 600).await.unwrap();
    store.record_call(id, recent, 300).await.unwrap();
    let (_, before) = provider.get_text("/dashboard").await;
    assert!(before.contains(&visite::http::rfc3339(old)), "the old call was never shown");

    let settings = Settings { data_dir: app.data_dir.path().to_path_buf(), ..Settings::default() };
    let deleted = delete_expired(&store, &settings, now).await.unwrap();
    store.close().await;

    assert_eq!(deleted.calls, 1);
    let (_, after) = provider.get_text("/dashboard").await;
    assert!(!after.contains(&visite::http::rfc3339(old)), "a call older than 90 days is still shown");
    assert!(after.contains(&visite::http::rfc3339(recent)), "a call from yesterday was deleted");
}

#[tokio::test]
async fn outbox_mails_deleted_after_seven_days() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mails = app.mails().len();
    assert!(mails >= 2, "signup wrote {mails} mails");
    let store = Store::open(app.data_dir.path()).await.unwrap();
    let settings = Settings { data_dir: app.data_dir.path().to_path_buf(), ..Settings::default() };
    let now = visite::store::unix_now();

    let after_six_days = delete_expired(&store, &settings, now + 6 * SECONDS_PER_DAY).await.unwrap();
    assert_eq!(after_six_days.outbox_mails, 0);
    assert_eq!(app.mails().len(), mails);

    let after_eight_days = delete_expired(&store, &settings, now + 8 * SECONDS_PER_DAY).await.unwrap();
    store.close().await;
    assert_eq!(after_eight_days.outbox_mails, mails);
    assert!(app.mails().is_empty(), "mails older than 7 days are kept");
}

#[tokio::test]
async fn nothing_to_delete_at_start() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let store = Store::open(app.data_dir.path()).await.unwrap();
    let settings = Settings { data_dir: app.data_dir.path().to_path_buf(), ..Settings::default() };
    let deleted = delete_expired(&store, &settings, visite::store::unix_now()).await.unwrap();
    store.close().await;
    assert_eq!(deleted, Deleted::default());
}

/// The real binary stops with a clear message instead of serving.
#[tokio::test]
async fn serve_rejects_call_retention_over_90_days() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("visite.toml");
    let data_dir = dir.path().join("data");
    let text = format!("listen = \"127.0.0.1:0\"\ndata_dir = {:?}\ncall_retention_days = 120\n", data_dir.display().to_string());
    std::fs::write(&config, text).unwrap();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_visite"))
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("visite serve started with call_retention_days = 120");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();

    assert!(!status.success(), "visite serve exited successfully");
    assert!(stderr.contains("call_retention_days is 120, but must be between 1 and 90 days"), "{stderr}");
    assert!(!data_dir.join("visite.db").exists(), "a database was created before the check");
}

#[tokio::test]
async fn security_txt_is_404_without_contact() {
    let app = spawn_app().await;
    let (status, _) = app.client().get_text("/.well-known/security.txt").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn security_txt_from_settings() {
    let app = spawn_app_with(|settings| {
        settings.security_contact = Some("mailto:security@praxis.example".into());
        settings.security_policy_url = Some("https://praxis.example/security-policy".into());
    })
    .await;

    let response = app.client().get("/.well-known/security.txt").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    let body = response.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert!(lines.contains(&"Contact: mailto:security@praxis.example"), "{body}");
    assert!(lines.contains(&"Policy: https://praxis.example/security-policy"), "{body}");
    assert!(lines.contains(&"Preferred-Languages: de, en"), "{body}");
    assert!(!body.contains("Canonical:"), "a development server has no public URL to name: {body}");

    let expires = lines.iter().find_map(|line| line.strip_prefix("Expires: ")).expect("an Expires field");
    let now = visite::store::unix_now();
    let earliest = visite::http::rfc3339(now + 179 * SECONDS_PER_DAY);
    let latest = visite::http::rfc3339(now + 365 * SECONDS_PER_DAY);
    assert!(expires > earliest.as_str(), "Expires {expires} is less than half a year ahead");
    assert!(expires < latest.as_str(), "Expires {expires} is a year or more ahead");
}

#[tokio::test]
async fn operator_terms_replace_the_default() {
    let legal = tempfile::tempdir().unwrap();
    let text = "Nutzungsbedingungen der Praxis Muster\nfür die Videosprechstunde.\n\n<script>alert(1)</script> Zweiter Absatz\n";
    std::fs::write(legal.path().join("terms.de.txt"), text).unwrap();
    let legal_dir = legal.path().to_path_buf();
    let app = spawn_app_with(|settings| settings.legal_dir = Some(legal_dir)).await;
    let client = app.client();

    let (status, german) = client.get_text("/terms?lang=de").await;
    assert_eq!(status, StatusCode::OK);
    assert!(german.contains("<p>Nutzungsbedingungen der Praxis Muster für die Videosprechstunde.</p>"), "{german}");
    assert!(german.contains("&#60;script&#62;alert(1)&#60;/script&#62; Zweiter Absatz"), "{german}");
    assert!(!german.contains("<script>alert"), "the file's markup reached the page");
    assert!(!german.contains("Die Praxis, die Ihnen den Link gegeben hat"), "the built-in terms are still shown");

    let (_, english) = client.get_text("/terms?lang=en").await;
    assert!(english.contains("visite connects patients with their provider"), "English lost its built-in terms");
    let (_, privacy) = client.get_text("/privacy?lang=de").await;
    assert!(privacy.contains("Ihr Name liegt nur im Arbeitsspeicher des Servers"), "the built-in privacy notice is missing");
}

#[tokio::test]
async fn missing_legal_dir_stops_the_start() {
    let data_dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.path().to_path_buf(),
        legal_dir: Some(data_dir.path().join("legal")),
        ..Settings::default()
    };
    let Err(error) = visite::server::Server::bind(settings).await else {
        panic!("the server started without its legal_dir");
    };
    assert!(format!("{error:#}").contains("is not a folder"), "{error:#}");
}

#[tokio::test]
async fn account_page_states_log_retention() {
    let app = spawn_app_with(|settings| settings.security_log_retention_days = 30).await;
    let provider = app.provider("praxis-muster").await;

    let (status, page) = provider.get_text("/account?lang=en").await;

    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Logins and changes to your account in the last 30 days."), "{page}");
}
