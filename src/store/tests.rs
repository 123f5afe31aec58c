use super::*;

fn new_provider<'a>(email: &'a str, slug: &'a str) -> NewProvider<'a> {
    NewProvider::example(email, slug)
}

/// A store on a fresh database, deleted with this value: a SQLite file in a
/// temporary folder, or a PostgreSQL database of its own.
struct TestDatabase {
    store: Store,
    dir: tempfile::TempDir,
    _postgres: Option<scratch::ScratchDatabase>,
}

async fn open(backend: Backend) -> TestDatabase {
    let dir = tempfile::tempdir().unwrap();
    let postgres = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(scratch::ScratchDatabase::create().await.expect("PostgreSQL for the store tests")),
    };
    let url = postgres.as_ref().map(|database| database.url());
    let store = Store::connect(url, dir.path()).await.unwrap();
    assert_eq!(store.backend(), backend);
    TestDatabase { store, dir, _postgres: postgres }
}

/// Defines each listed test, an `async fn(Backend)`, once per backend:
/// as `sqlite::NAME` and as `postgres::NAME`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Backend::Sqlite).await
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Backend::Postgres).await
            })*
        }
    };
}

async fn provider_unique_email_and_slug(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();

    let email = store.create_provider(new_provider("a@example.org", "praxis-b")).await.unwrap_err();
    assert!(matches!(email, WriteError::Taken(UniqueViolation::Email)), "{email:?}");
    let slug = store.create_provider(new_provider("b@example.org", "praxis-a")).await.unwrap_err();
    assert!(matches!(slug, WriteError::Taken(UniqueViolation::Slug)), "{slug:?}");
}

async fn session_expires_when_idle(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    store.create_session(b"hash", id, SessionStage::Full, "", 1_000).await.unwrap();

    assert!(store.session_provider(b"hash", 1_000 + SESSION_IDLE_SECONDS - 1).await.unwrap().is_some());
    let later = 1_000 + 2 * SESSION_IDLE_SECONDS;
    assert!(store.session_provider(b"hash", later).await.unwrap().is_none());
    assert!(store.session_provider(b"hash", 1_001).await.unwrap().is_none(), "expired session was kept");
}

async fn session_expires_after_absolute_limit(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    store.create_session(b"hash", id, SessionStage::Full, "", 0).await.unwrap();

    let mut now = 0;
    while now + SESSION_IDLE_SECONDS / 2 < SESSION_ABSOLUTE_SECONDS {
        now += SESSION_IDLE_SECONDS / 2;
        assert!(store.session_provider(b"hash", now).await.unwrap().is_some(), "ended early at {now}");
    }
    assert!(store.session_provider(b"hash", SESSION_ABSOLUTE_SECONDS + 1).await.unwrap().is_none());
}

async fn calls_newest_first(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    store.record_call(id, 100, 60).await.unwrap();
    store.record_call(id, 200, 30).await.unwrap();

    let calls = store.recent_calls(id, 10).await.unwrap();
    assert_eq!(calls, vec![
        CallRecord { started_at: 200, duration_seconds: 30 },
        CallRecord { started_at: 100, duration_seconds: 60 },
    ]);
}

async fn call_recorded_twice_keeps_longer_row(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    store.record_call(id, 100, 40).await.unwrap();
    store.record_call(id, 100, 90).await.unwrap();
    store.record_call(id, 100, 10).await.unwrap();

    let calls = store.recent_calls(id, 10).await.unwrap();
    assert_eq!(calls, vec![CallRecord { started_at: 100, duration_seconds: 90 }]);
}

async fn ended_visits_are_refused_until_they_expire(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    store.end_visit(id, 7, Some(9), 5_000).await.unwrap();

    assert!(store.visit_ended(id, 7, None, 4_999).await.unwrap(), "the patient");
    assert!(store.visit_ended(id, 8, Some(9), 4_999).await.unwrap(), "the call");
    assert!(!store.visit_ended(id, 8, Some(10), 4_999).await.unwrap(), "another visit");
    assert!(!store.visit_ended(id, 7, None, 5_000).await.unwrap(), "after the expiry");
    assert_eq!(store.prune_ended_visits(5_000).await.unwrap(), 2);
}

async fn records_are_written_together_or_not_at_all(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    let call = VisitRecord::Call { provider: id, started_at: 100, duration_seconds: 60 };
    let ended = VisitRecord::Ended { provider: id, patient: 7, call: Some(9), expires_at: 5_000 };
    let unknown = VisitRecord::Call { provider: ProviderId(id.0 + 1_000), started_at: 200, duration_seconds: 5 };

    store.write_records(&[call, ended, unknown]).await.expect_err("a record for an unknown provider was written");
    assert_eq!(store.recent_calls(id, 10).await.unwrap(), vec![], "a failed batch left a call record");
    assert!(!store.visit_ended(id, 7, None, 0).await.unwrap(), "a failed batch left an ended visit");

    store.write_records(&[call, ended, VisitRecord::Call { provider: id, started_at: 100, duration_seconds: 70 }]).await.unwrap();
    assert_eq!(store.recent_calls(id, 10).await.unwrap(), vec![CallRecord { started_at: 100, duration_seconds: 70 }]);
    assert!(store.visit_ended(id, 7, None, 0).await.unwrap());
}

async fn server_key_is_created_once(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let first = store.server_key("tickets", vec![1; 32]).await.unwrap();
    let second = store.server_key("tickets", vec![2; 32]).await.unwrap();
    assert_eq!(first, vec![1; 32]);
    assert_eq!(second, first);
}

async fn attempt_gate_matches_delay_rule(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let now = 1_000_000;
    for failures in 0..40u32 {
        let subject = format!("account:test-{failures}");
        if failures > 0 {
            execute!(
                store,
                sqlx::query("INSERT INTO login_failures (subject, failures, last_failure_at) VALUES ($1, $2, $3)")
                    .bind(&subject)
                    .bind(i64::from(failures))
                    .bind(now)
            )
            .unwrap();
        }
        let delay = crate::accounts::throttle::delay_after(failures);
        if delay > 0 {
            let early = store.begin_attempt(&subject, now + delay - 1).await.unwrap();
            assert_eq!(early, Err(1), "{failures} failures: attempt allowed too early");
        }
        let on_time = store.begin_attempt(&subject, now + delay).await.unwrap();
        assert_eq!(on_time, Ok(failures + 1), "{failures} failures: attempt refused on time");
    }
}

async fn parallel_attempts_are_counted_before_checking(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.begin_attempt("account:race", 5_000).await.unwrap() }));
    }
    let mut allowed = 0;
    for task in tasks {
        if task.await.unwrap().is_ok() {
            allowed += 1;
        }
    }
    assert_eq!(allowed, crate::accounts::throttle::FREE_FAILURES, "parallel attempts passed the gate together");
}

const DAY: i64 = 24 * 60 * 60;

async fn prune_calls_deletes_only_expired(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    let now = 1_000 * DAY;
    store.record_call(id, now - 91 * DAY, 60).await.unwrap();
    store.record_call(id, now - 90 * DAY, 50).await.unwrap();
    store.record_call(id, now - DAY, 40).await.unwrap();

    assert_eq!(store.prune_calls(now, 90 * DAY).await.unwrap(), 1);
    let calls = store.recent_calls(id, 10).await.unwrap();
    assert_eq!(calls, vec![
        CallRecord { started_at: now - DAY, duration_seconds: 40 },
        CallRecord { started_at: now - 90 * DAY, duration_seconds: 50 },
    ]);

    assert_eq!(store.prune_calls(now, 30 * DAY).await.unwrap(), 1, "a shorter period deletes more");
    assert_eq!(store.recent_calls(id, 10).await.unwrap().len(), 1);
}

async fn prune_security_events_deletes_only_expired(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    let now = 1_000 * DAY;
    store.record_security_event(id, SecurityEvent::Login, "old", now - 31 * DAY).await.unwrap();
    store.record_security_event(id, SecurityEvent::Login, "new", now - 29 * DAY).await.unwrap();

    assert_eq!(store.prune_security_events(now, 30 * DAY).await.unwrap(), 1);
    let labels: Vec<_> = store.security_events(id, 10).await.unwrap().into_iter().map(|row| row.device_label).collect();
    assert_eq!(labels, ["new"]);
}

/// SQLite only: PostgreSQL has no `secure_delete`, so its operators rely on
/// VACUUM and an encrypted disk instead.
#[tokio::test]
async fn pruned_rows_leave_no_trace_in_the_file() {
    let database = open(Backend::Sqlite).await;
    let (dir, store) = (&database.dir, &database.store);
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    let label = "Kestrel Browser on Plan 9";
    store.record_security_event(id, SecurityEvent::Login, label, 0).await.unwrap();
    store.checkpoint().await.unwrap();
    let database = dir.path().join(DATABASE_FILE);
    let contains_label = |bytes: &[u8]| bytes.windows(label.len()).any(|window| window == label.as_bytes());
    assert!(contains_label(&std::fs::read(&database).unwrap()), "the label never reached the file");

    store.prune_security_events(100 * DAY, 90 * DAY).await.unwrap();
    store.checkpoint().await.unwrap();
    assert!(!contains_label(&std::fs::read(&database).unwrap()), "the deleted row is still readable in the file");
}

async fn expired_login_records_are_pruned(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let id = store.create_provider(new_provider("a@example.org", "praxis-a")).await.unwrap();
    let now = 1_000 * DAY;
    store.create_session(b"idle", id, SessionStage::Full, "", now - SESSION_IDLE_SECONDS - 1).await.unwrap();
    store.create_session(b"live", id, SessionStage::Full, "", now - 60).await.unwrap();
    store.create_email_token(b"expired", id, TokenPurpose::Reset, now - 120, now - 60).await.unwrap();
    store.create_email_token(b"valid", id, TokenPurpose::Unlock, now - 120, now + 60).await.unwrap();
    store.record_login_failure("net:old", now - 2 * 60 * 60).await.unwrap();
    store.record_login_failure("net:recent", now - 60).await.unwrap();
    store.record_login_failure("account:old", now - 2 * 60 * 60).await.unwrap();

    assert_eq!(store.prune_sessions(now).await.unwrap(), 1);
    assert_eq!(store.prune_email_tokens(now).await.unwrap(), 1);
    assert_eq!(store.prune_network_failures(now).await.unwrap(), 1);

    assert!(store.session(b"idle", now).await.unwrap().is_none());
    assert!(store.session(b"live", now).await.unwrap().is_some(), "a live session was deleted");
    assert_eq!(store.login_failures("net:recent").await.unwrap().0, 1, "a recent network counter was deleted");
    assert_eq!(store.login_failures("account:old").await.unwrap().0, 1, "an account counter was deleted");
    assert_eq!(store.login_failures("net:old").await.unwrap().0, 0);
    let remaining: i64 =
        with_pool!(store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM email_tokens").fetch_one(pool).await).unwrap();
    assert_eq!(remaining, 1, "the unexpired link was deleted or the expired one kept");
}

async fn idle_account_counters_are_pruned_unless_locked(backend: Backend) {
    let database = open(backend).await;
    let store = &database.store;
    let now = 1_000 * DAY;
    let locked = i64::from(crate::accounts::throttle::LOCK_AFTER);
    for (subject, failures, last_failure_at) in [
        ("account:idle", 7, now - 91 * DAY),
        ("account:locked", locked, now - 91 * DAY),
        ("account:recent", 7, now - 89 * DAY),
        ("net:idle", 7, now - 91 * DAY),
    ] {
        execute!(
            store,
            sqlx::query("INSERT INTO login_failures (subject, failures, last_failure_at) VALUES ($1, $2, $3)")
                .bind(subject)
                .bind(failures)
                .bind(last_failure_at)
        )
        .unwrap();
    }

    assert_eq!(store.prune_account_failures(now, 90 * DAY).await.unwrap(), 1);

    assert_eq!(store.login_failures("account:idle").await.unwrap().0, 0);
    assert_eq!(store.login_failures("account:locked").await.unwrap().0, crate::accounts::throttle::LOCK_AFTER, "a lock was lifted");
    assert_eq!(store.login_failures("account:recent").await.unwrap().0, 7);
    assert_eq!(store.login_failures("net:idle").await.unwrap().0, 7, "network counters are pruned elsewhere");
}

/// `sslmode` and `sslrootcert` in a PostgreSQL URL reach the driver: the
/// connection is encrypted, and with `verify-full` a certificate for another
/// host name is refused. The machine's PostgreSQL serves TLS with its own
/// certificate for localhost, whose file the test reads from the server's
/// settings.
#[tokio::test]
async fn postgres_connects_with_tls_and_checks_the_certificate() {
    let scratch = scratch::ScratchDatabase::create().await.expect("PostgreSQL for the store tests");
    let with_params = |params: &[(&str, &str)]| {
        let mut url = url::Url::parse(scratch.url().expose()).unwrap();
        url.query_pairs_mut().extend_pairs(params);
        DatabaseUrl::parse(url.as_str()).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let plain = Store::connect(Some(scratch.url()), dir.path()).await.unwrap();
    let Pool::Postgres(pool) = &plain.pool else { unreachable!() };
    let ssl: String = sqlx::query_scalar("SHOW ssl").fetch_one(pool).await.unwrap();
    assert_eq!(ssl, "on", "the PostgreSQL on this machine must serve TLS for this test");
    let certificate: String = sqlx::query_scalar("SHOW ssl_cert_file").fetch_one(pool).await.unwrap();
    plain.close().await;

    let verified = with_params(&[("sslmode", "verify-ca"), ("sslrootcert", &certificate)]);
    let store = Store::connect(Some(&verified), dir.path()).await.expect("a TLS connection checked against the server's certificate");
    let Pool::Postgres(pool) = &store.pool else { unreachable!() };
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetch_one(pool).await.unwrap();
    assert!(encrypted, "sslmode=verify-ca gave an unencrypted connection");
    store.close().await;

    // The certificate names localhost, and this URL 127.0.0.1.
    let mut other_name = url::Url::parse(with_params(&[("sslmode", "verify-full"), ("sslrootcert", &certificate)]).expose()).unwrap();
    other_name.set_host(Some("127.0.0.1")).unwrap();
    let other_name = DatabaseUrl::parse(other_name.as_str()).unwrap();
    let refused = Store::connect(Some(&other_name), dir.path()).await.err().expect("sslmode=verify-full accepted a certificate for another host name");
    let refused = format!("{refused:#}");
    assert!(refused.contains("certificate"), "not refused for the certificate: {refused}");
    assert!(refused.contains("127.0.0.1"), "not refused for the host name: {refused}");
}

on_both_backends!(
    provider_unique_email_and_slug,
    session_expires_when_idle,
    session_expires_after_absolute_limit,
    calls_newest_first,
    call_recorded_twice_keeps_longer_row,
    ended_visits_are_refused_until_they_expire,
    records_are_written_together_or_not_at_all,
    server_key_is_created_once,
    attempt_gate_matches_delay_rule,
    parallel_attempts_are_counted_before_checking,
    prune_calls_deletes_only_expired,
    prune_security_events_deletes_only_expired,
    expired_login_records_are_pruned,
    idle_account_counters_are_pruned_unless_locked,
);
