//! The main account, visit, throttling, session, retention and operator
//! flows on a server whose database is PostgreSQL, each test in a fresh
//! database of its own. The other test files run the same flows on SQLite.

use std::process::{Command, Output};

use reqwest::StatusCode;
use serde_json::json;
use visite::config::Settings;
use visite::http::IpNetwork;
use visite::retention::{SECONDS_PER_DAY, delete_expired};

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery staple";

/// Runs the real binary with `args` on the app's data folder and database.
fn visite(app: &TestApp, args: &[&str]) -> Output {
    let url = app.database_url().expect("a PostgreSQL app").expose().to_owned();
    let data_dir = app.data_dir.path().to_str().unwrap().to_owned();
    Command::new(env!("CARGO_BIN_EXE_visite"))
        // Settings from the environment of the test run must not leak in.
        .env_clear()
        .args(&args[..1])
        .args(["--data-dir", &data_dir, "--database-url", &url])
        .args(&args[1..])
        .output()
        .unwrap()
}

#[tokio::test]
async fn account_setup_and_second_factor() {
    let app = spawn_app_on_postgres().await;
    let provider = app.provider("praxis-pg").await;
    assert_eq!(provider.get("/dashboard").await.status(), StatusCode::OK);

    let mut again = app.client();
    again.totp_secret = provider.totp_secret.clone();
    let response = again.login_with_code("praxis-pg@praxis.example", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the login with a code failed");
    assert_eq!(again.get("/dashboard").await.status(), StatusCode::OK);

    let mut wrong = app.client();
    let response = wrong.login("praxis-pg@praxis.example", "wrong password here").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn data_folder_holds_no_database() {
    let app = spawn_app_on_postgres().await;
    app.provider("praxis-pg").await;

    let names: Vec<String> =
        app.data_files().iter().map(|(path, _)| path.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|name| name.starts_with("visite.db")), "a SQLite file appeared: {names:?}");
    // The upkeep's first round runs at start, and with SQLite it writes a backup then.
    assert!(!app.data_dir.path().join("backups").exists(), "the daily backup ran on PostgreSQL");
}

#[tokio::test]
async fn full_visit_records_the_call() {
    let app = spawn_app_on_postgres().await;
    let provider = app.provider("praxis-pg").await;
    let mut host = provider.host_socket("praxis-pg").await;
    let mut patient = Socket::patient(&app, "praxis-pg").await;
    patient.check_in("Ada Lovelace").await;

    let queue = host.queue_of(1).await;
    host.send(json!({"type": "admit", "patient": queue["patients"][0]["id"].clone()})).await;
    patient.recv_type("call_started").await;
    host.recv_type("call_started").await;
    let offer = json!({"type": "description", "description": {"type": "offer", "sdp": offer_sdp()}});
    host.send(offer.clone()).await;
    assert_eq!(patient.recv().await, offer);

    host.send(json!({"type": "hang_up"})).await;
    assert_eq!(patient.recv().await, json!({"type": "call_ended", "reason": "hung_up"}));
    let calls = app.wait_for_calls("praxis-pg", 1).await;
    assert_eq!(calls.len(), 1, "the call was not recorded: {calls:?}");
    assert!(calls[0].duration_seconds >= 0);
}

#[tokio::test]
async fn parallel_guesses_share_the_gate() {
    let app = spawn_app_on_postgres_with(|settings| {
        settings.trusted_proxies = vec![IpNetwork::parse("127.0.0.1").unwrap()];
    })
    .await;
    app.provider("praxis-pg").await;

    let checked = app.parallel_wrong_logins("praxis-pg@praxis.example", 40, |n| format!("10.60.0.{}", n + 1)).await;
    assert!(checked >= 1, "no guess was checked at all");
    assert!(checked <= 5, "{checked} parallel guesses were checked instead of at most 5");
    let (rows, highest) = app.counters("account:%").await;
    assert_eq!(rows, 1);
    assert_eq!(highest, checked as i64, "the account counter differs from the checked guesses");
}

#[tokio::test]
async fn other_sessions_end() {
    let app = spawn_app_on_postgres().await;
    let mut provider = app.provider("praxis-pg").await;
    let mut second = app.client();
    second.totp_secret = provider.totp_secret.clone();
    second.login_with_code("praxis-pg@praxis.example", PASSWORD).await;
    let (_, page) = provider.get_text("/account").await;
    assert_eq!(page.matches("name=\"session\" value=\"").count(), 2, "one other session plus the end-all form");

    provider.post_form("/account/sessions/end", &[("session", "others")]).await;
    assert_eq!(second.get("/dashboard").await.headers()["location"], "/login");
    assert_eq!(provider.get("/dashboard").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn retention_deletes_expired_calls() {
    let app = spawn_app_on_postgres().await;
    let provider = app.provider("praxis-pg").await;
    let store = app.store().await;
    let id = store.provider_by_slug("praxis-pg").await.unwrap().unwrap().id;
    let now = visite::store::unix_now();
    let old = now - 91 * SECONDS_PER_DAY;
    let recent = now - SECONDS_PER_DAY;
    store.record_call(id, old, 600).await.unwrap();
    store.record_call(id, recent, 300).await.unwrap();

    let settings = Settings { data_dir: app.data_dir.path().to_path_buf(), ..Settings::default() };
    let deleted = delete_expired(&store, &settings, now).await.unwrap();
    store.close().await;

    assert_eq!(deleted.calls, 1);
    let (_, dashboard) = provider.get_text("/dashboard").await;
    assert!(!dashboard.contains(&visite::http::rfc3339(old)), "a call older than 90 days is still shown");
    assert!(dashboard.contains(&visite::http::rfc3339(recent)), "a call from yesterday was deleted");
}

#[tokio::test]
async fn admin_disables_an_account() {
    let app = spawn_app_on_postgres().await;
    let provider = app.provider("praxis-pg").await;

    let listed = visite(&app, &["admin", "list"]);
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "visite admin list failed: {}", String::from_utf8_lossy(&listed.stderr));
    assert!(stdout.contains("praxis-pg@praxis.example"), "{stdout}");

    let disabled = visite(&app, &["admin", "disable", "praxis-pg@praxis.example"]);
    let stdout = String::from_utf8_lossy(&disabled.stdout);
    assert!(disabled.status.success(), "visite admin disable failed: {}", String::from_utf8_lossy(&disabled.stderr));
    assert!(stdout.contains("1 sessions ended"), "{stdout}");
    assert_ne!(provider.get("/dashboard").await.status(), StatusCode::OK, "the session outlived the disable");
    let response = app.client().login("praxis-pg@praxis.example", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a disabled account logged in");
}

#[tokio::test]
async fn backup_and_restore_point_to_pg_dump() {
    let app = spawn_app_on_postgres().await;
    let backup = tempfile::NamedTempFile::new().unwrap();
    for args in [vec!["backup"], vec!["restore", backup.path().to_str().unwrap()]] {
        let output = visite(&app, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "visite {args:?} succeeded on PostgreSQL");
        assert!(stderr.contains("pg_dump"), "visite {args:?}: {stderr}");
        assert!(stderr.contains("pg_restore"), "visite {args:?}: {stderr}");
    }
}
