use reqwest::StatusCode;
use visite::retention::{Retention, SECONDS_PER_DAY};
use visite::store::{NewProvider, SecurityEvent, Store};

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn backup_under_load_restores_every_account() {
    let mut app = spawn_app().await;
    let mut secrets = Vec::new();
    for slug in ["praxis-eins", "praxis-zwei", "praxis-drei"] {
        let provider = app.provider(slug).await;
        secrets.push((slug, provider.totp_secret.clone().unwrap()));
    }

    // Signups keep writing while the backup runs.
    let origin = app.origin.clone();
    let load = tokio::spawn(async move {
        let http = reqwest::Client::new();
        for n in 0..20 {
            let slug = format!("last-minute-{n}");
            let form = [
                ("name", "Dr. Erika Muster".to_owned()),
                ("practice_name", "Praxis Muster".to_owned()),
                ("email", format!("{slug}@praxis.example")),
                ("slug", slug),
                ("password", PASSWORD.to_owned()),
            ];
            let _ = http.post(format!("{origin}/signup")).header("origin", &origin).form(&form).send().await;
        }
    });
    let store = Store::open(app.data_dir.path()).await.unwrap();
    let file = visite::backup::create(&store, app.data_dir.path(), 14, Retention::default()).await.unwrap();
    store.close().await;
    load.await.unwrap();
    app.stop().await;

    let fresh = tempfile::tempdir().unwrap();
    visite::backup::restore(&file, fresh.path()).await.unwrap();
    let restored_dir = fresh.path().to_path_buf();
    let restored = spawn_app_with(move |settings| settings.data_dir = restored_dir).await;

    for (slug, secret) in secrets {
        let mut client = restored.client();
        client.totp_secret = Some(secret);
        let response = client.login_with_code(&format!("{slug}@praxis.example"), PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{slug} cannot log in after the restore");
        assert_eq!(client.get("/dashboard").await.status(), StatusCode::OK, "{slug} lost the dashboard");
        assert_eq!(restored.client().get(&format!("/r/{slug}")).await.status(), StatusCode::OK, "{slug} lost the room");
    }
}

#[tokio::test]
async fn restore_refuses_a_running_server() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let store = Store::open(app.data_dir.path()).await.unwrap();
    let file = visite::backup::create(&store, app.data_dir.path(), 14, Retention::default()).await.unwrap();

    let error = visite::backup::restore(&file, app.data_dir.path()).await.unwrap_err();
    assert!(format!("{error:#}").contains("stop it first"), "{error:#}");
    assert_eq!(app.client().get("/r/praxis-muster").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn restore_rejects_damaged_and_foreign_files() {
    let folder = tempfile::tempdir().unwrap();
    let target = tempfile::tempdir().unwrap();

    let garbage = folder.path().join("garbage.db");
    std::fs::write(&garbage, b"SQLite format 3\0 but not really, just bytes".repeat(50)).unwrap();
    let error = visite::backup::restore(&garbage, target.path()).await.unwrap_err();
    assert!(format!("{error:#}").contains("garbage.db"), "{error:#}");

    let foreign = folder.path().join("foreign.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", foreign.display())).await.unwrap();
    sqlx::query("CREATE TABLE notes (text TEXT)").execute(&pool).await.unwrap();
    pool.close().await;
    let error = visite::backup::restore(&foreign, target.path()).await.unwrap_err();
    assert!(format!("{error:#}").contains("not a visite database"), "{error:#}");

    let partial = folder.path().join("partial.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", partial.display())).await.unwrap();
    sqlx::query("CREATE TABLE providers (x INTEGER)").execute(&pool).await.unwrap();
    sqlx::query("CREATE TABLE _sqlx_migrations (version INTEGER, success BOOLEAN)").execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO _sqlx_migrations VALUES (20261204000001, 1)").execute(&pool).await.unwrap();
    pool.close().await;
    let error = visite::backup::restore(&partial, target.path()).await.unwrap_err();
    assert!(format!("{error:#}").contains("partial.db"), "{error:#}");

    assert!(!target.path().join("visite.db").exists(), "a rejected file was restored");
}

#[tokio::test]
async fn backups_keep_the_newest() {
    // No server here: its own daily backup would land in the same folder.
    let data_dir = tempfile::tempdir().unwrap();
    let store = Store::open(data_dir.path()).await.unwrap();
    let mut made = Vec::new();
    for _ in 0..4 {
        made.push(visite::backup::create(&store, data_dir.path(), 2, Retention::default()).await.unwrap());
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    let kept = visite::backup::list(data_dir.path()).unwrap();
    assert_eq!(kept, made[2..].to_vec());
    let leftovers: Vec<_> = std::fs::read_dir(data_dir.path().join("backups"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[tokio::test]
async fn backup_leaves_out_expiring_records() {
    let data_dir = tempfile::tempdir().unwrap();
    let store = Store::open(data_dir.path()).await.unwrap();
    let provider = NewProvider {
        email: "a@praxis.example",
        name: "Dr. Erika Muster",
        practice_name: "Praxis Muster",
        slug: "praxis-muster",
        password_hash: "$argon2id$stub",
        locale: "de",
    };
    let id = store.create_provider(provider).await.unwrap();
    let now = visite::store::unix_now();
    let day = SECONDS_PER_DAY;
    for age in [80, 70, 1] {
        store.record_call(id, now - age * day, 60).await.unwrap();
    }
    store.record_security_event(id, SecurityEvent::Login, "Expiring Browser", now - 85 * day).await.unwrap();
    store.record_security_event(id, SecurityEvent::Login, "Recent Browser", now - 10 * day).await.unwrap();

    // 14 daily backups with 90 days of retention: the backup keeps 76 days.
    let file = visite::backup::create(&store, data_dir.path(), 14, Retention::default()).await.unwrap();
    store.close().await;

    let bytes = std::fs::read(&file).unwrap();
    let contains = |text: &str| bytes.windows(text.len()).any(|window| window == text.as_bytes());
    assert!(contains("Recent Browser"), "the backup lost a recent security event");
    assert!(!contains("Expiring Browser"), "the backup keeps a security event past its retention period");
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(&file, copy.path().join("visite.db")).unwrap();
    let restored = Store::open(copy.path()).await.unwrap();
    let starts: Vec<i64> = restored.recent_calls(id, 10).await.unwrap().iter().map(|call| call.started_at).collect();
    restored.close().await;
    assert_eq!(starts, [now - day, now - 70 * day]);
}

#[tokio::test]
async fn backups_past_their_period_are_deleted() {
    let data_dir = tempfile::tempdir().unwrap();
    let store = Store::open(data_dir.path()).await.unwrap();
    let old = visite::backup::create(&store, data_dir.path(), 14, Retention::default()).await.unwrap();
    let new = visite::backup::create(&store, data_dir.path(), 14, Retention::default()).await.unwrap();
    store.close().await;
    let replaced = data_dir.path().join("backups/replaced-20260101T000000.000Z.db");
    std::fs::write(&replaced, "an old database").unwrap();
    let fifteen_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(15 * 24 * 60 * 60);
    for path in [&old, &replaced] {
        std::fs::File::options().write(true).open(path).unwrap().set_modified(fifteen_days_ago).unwrap();
    }

    let deleted = visite::backup::delete_older_than(data_dir.path(), visite::store::unix_now(), 14 * SECONDS_PER_DAY).unwrap();

    assert_eq!(deleted, 2);
    assert!(!old.exists(), "a backup older than 14 days was kept");
    assert!(!replaced.exists(), "a replaced database older than 14 days was kept");
    assert!(new.exists(), "a fresh backup was deleted");
}

#[tokio::test]
async fn restore_ends_the_sessions_of_the_backup() {
    let mut app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let store = Store::open(app.data_dir.path()).await.unwrap();
    let file = visite::backup::create(&store, app.data_dir.path(), 14, Retention::default()).await.unwrap();
    store.close().await;
    app.stop().await;

    let fresh = tempfile::tempdir().unwrap();
    visite::backup::restore(&file, fresh.path()).await.unwrap();
    let restored_dir = fresh.path().to_path_buf();
    let restored = spawn_app_with(move |settings| settings.data_dir = restored_dir).await;
    let mut old_session = restored.client();
    old_session.cookie = provider.cookie.clone();
    assert!(old_session.cookie.is_some());
    let response = old_session.get("/dashboard").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a session from the backup still works");
}
