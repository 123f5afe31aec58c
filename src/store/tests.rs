use super::*;

fn new_provider<'a>(email: &'a str, slug: &'a str) -> NewProvider<'a> {
    NewProvider {
        email,
        name: "Dr. Erika Muster",
        practice_name: "Praxis Muster",
        slug,
        password_hash: "$argon2id$stub",
        locale: "de",
    }
}

async fn open_temp() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    (dir, store)
}

#[tokio::test]
async fn provider_unique_email_and_slug() {
    let (_dir, store) = open_temp().await;
    store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();

    let email = store.create_provider(new_provider("a@example.org", "praxis-b")).await.unwrap_err();
    assert!(matches!(email, WriteError::Taken(UniqueViolation::Email)), "{email:?}");
    let slug = store.create_provider(new_provider("b@example.org", "praxis-a")).await.unwrap_err();
    assert!(matches!(slug, WriteError::Taken(UniqueViolation::Slug)), "{slug:?}");
}

#[tokio::test]
async fn session_expires_when_idle() {
    let (_dir, store) = open_temp().await;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    store.create_session(b"hash", id, SessionStage::Full, "", 1_000).await.unwrap();

    assert!(store.session_provider(b"hash", 1_000 + SESSION_IDLE_SECONDS - 1).await.unwrap().is_some());
    let later = 1_000 + 2 * SESSION_IDLE_SECONDS;
    assert!(store.session_provider(b"hash", later).await.unwrap().is_none());
    assert!(store.session_provider(b"hash", 1_001).await.unwrap().is_none(), "expired session was kept");
}

#[tokio::test]
async fn session_expires_after_absolute_limit() {
    let (_dir, store) = open_temp().await;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    store.create_session(b"hash", id, SessionStage::Full, "", 0).await.unwrap();

    let mut now = 0;
    while now + SESSION_IDLE_SECONDS / 2 < SESSION_ABSOLUTE_SECONDS {
        now += SESSION_IDLE_SECONDS / 2;
        assert!(store.session_provider(b"hash", now).await.unwrap().is_some(), "ended early at {now}");
    }
    assert!(store.session_provider(b"hash", SESSION_ABSOLUTE_SECONDS + 1).await.unwrap().is_none());
}

#[tokio::test]
async fn calls_newest_first() {
    let (_dir, store) = open_temp().await;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    store.record_call(id, 100, 60).await.unwrap();
    store.record_call(id, 200, 30).await.unwrap();

    let calls = store.recent_calls(id, 10).await.unwrap();
    assert_eq!(calls, vec![
        CallRecord { started_at: 200, duration_seconds: 30 },
        CallRecord { started_at: 100, duration_seconds: 60 },
    ]);
}
