//! Attacks on accounts and limits, each with the input that used to work.

use reqwest::StatusCode;
use visite::http::IpNetwork;

use crate::helpers::*;

const EMAIL: &str = "praxis-muster@praxis.example";
const PASSWORD: &str = "correct horse battery staple";

/// Start a server behind a reverse proxy on 127.0.0.1.
async fn behind_proxy() -> TestApp {
    spawn_app_with(|settings| settings.trusted_proxies = vec![IpNetwork::parse("127.0.0.1").unwrap()]).await
}

async fn login_from(app: &TestApp, client_ip: &str, email: &str, password: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/login"))
        .header("origin", &app.origin)
        .header("x-forwarded-for", client_ip)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn limits_follow_the_client_behind_a_trusted_proxy() {
    let app = behind_proxy().await;
    app.provider("praxis-muster").await;

    for n in 0..3 {
        let response = login_from(&app, "192.0.2.1", &format!("nobody{n}@praxis.example"), "wrong password here").await;
        assert_ne!(response.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(app.counters("net:%").await, (1, 3), "the forwarded client was not counted on its own");
    app.hold_counters("net:%", 12).await;

    assert_eq!(login_from(&app, "192.0.2.1", EMAIL, PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login_from(&app, "192.0.2.2", EMAIL, PASSWORD).await.status(), StatusCode::SEE_OTHER, "another client was throttled");
}

#[tokio::test]
async fn forwarded_for_is_ignored_from_untrusted_peers() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;

    for n in 0..3 {
        login_from(&app, &format!("192.0.2.{n}"), &format!("nobody{n}@praxis.example"), "wrong password here").await;
    }
    assert_eq!(app.counters("net:%").await, (1, 3), "a forged X-Forwarded-For split the network counter");
}

#[tokio::test]
async fn known_password_does_not_reset_code_guessing() {
    let app = behind_proxy().await;
    let provider = app.provider("praxis-muster").await;
    let secret = provider.totp_secret.clone().unwrap();
    let wrong = if visite::accounts::totp::code_at(&secret, now_seconds()) == "000000" { "111111" } else { "000000" };

    // Each round comes from a new network, so only the account counter can stop it.
    let mut throttled = false;
    for round in 0..3 {
        let ip = format!("198.51.100.{round}");
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let response = http
            .post(app.url("/login"))
            .header("origin", &app.origin)
            .header("x-forwarded-for", &ip)
            .form(&[("email", EMAIL), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            throttled = true;
            break;
        }
        let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        for _ in 0..5 {
            http.post(app.url("/login/code"))
                .header("origin", &app.origin)
                .header("x-forwarded-for", &ip)
                .header("cookie", &cookie)
                .form(&[("code", wrong)])
                .send()
                .await
                .unwrap();
        }
    }
    // On a slow machine the delays may have passed between rounds; the count
    // itself must then show that the right password did not reset it.
    let (_, account_count) = app.counters("account:%").await;
    assert!(throttled || account_count >= 6, "a known password reset the count ({account_count})");
}

#[tokio::test]
async fn known_browser_skips_the_account_counter() {
    let app = behind_proxy().await;
    let mut owner = app.provider("praxis-muster").await;
    owner.post_form("/logout", &[]).await;

    // An attacker who only knows the address fails from many networks.
    for n in 0..8 {
        login_from(&app, &format!("203.0.113.{n}"), EMAIL, "wrong password here").await;
    }
    app.hold_counters("account:%", 12).await;
    assert_eq!(
        login_from(&app, "203.0.113.200", EMAIL, PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a new browser was not delayed"
    );
    let response = owner.login_with_code(EMAIL, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the owner's own browser was locked out");
}

#[tokio::test]
async fn taken_email_reserves_the_room_link() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mut attacker = app.client();

    let mut probe = Signup::new("probe-room");
    probe.email = EMAIL.into();
    assert_eq!(attacker.signup(&probe).await.status(), StatusCode::OK);

    let mut second = Signup::new("probe-room");
    second.email = "fresh@praxis.example".into();
    let response = attacker.signup(&second).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "the room link was free, so the address had an account");
    assert!(response.text().await.unwrap().contains("already taken"));
}

#[tokio::test]
async fn taken_email_notice_is_rate_limited() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let before = app.mails().len();

    for n in 0..5 {
        let mut signup = Signup::new(&format!("other-room-{n}"));
        signup.email = EMAIL.into();
        app.client().signup(&signup).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.mails().len(), before + 1, "the owner's inbox was flooded");
}

#[tokio::test]
async fn unconfirmed_accounts_expire() {
    let app = spawn_app().await;
    let signup = Signup::new("squatted-room");
    app.client().signup(&signup).await;
    assert!(!app.client().get_text("/r/squatted-room").await.1.is_empty());

    let store = visite::store::Store::open(app.data_dir.path()).await.unwrap();
    let now = now_seconds() as i64;
    assert_eq!(store.delete_unverified(now - 60, now).await.unwrap(), 0, "a fresh registration was deleted");
    assert_eq!(store.delete_unverified(now + 1, now).await.unwrap(), 1);

    let mut victim = Signup::new("squatted-room");
    victim.password = "another good passphrase here".into();
    assert_eq!(app.client().signup(&victim).await.status(), StatusCode::OK);
    for _ in 0..100 {
        if app.mails().iter().filter(|mail| mail.to.contains(&victim.email)).count() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let link = app.mail_link(&victim.email, "/verify-email").await;
    assert_eq!(app.client().follow_link(&link).await.0, StatusCode::OK);
}

#[tokio::test]
async fn network_counter_forgets_after_an_hour() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    app.client().login("nobody@praxis.example", "wrong password here").await;
    app.hold_counters("net:%", 12).await;
    assert_eq!(app.client().login(EMAIL, PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.data_dir.path().join("visite.db").display())).await.unwrap();
    sqlx::query("UPDATE login_failures SET last_failure_at = last_failure_at - 3601").execute(&pool).await.unwrap();
    assert_eq!(app.client().login(EMAIL, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let response = app.client().login("nobody@praxis.example", "wrong password here").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "an old count came back");
}

#[tokio::test]
async fn meter_rejects_bad_json_in_users_language() {
    let app = spawn_app().await;
    let response = reqwest::Client::new()
        .post(app.url("/password/check"))
        .header("origin", &app.origin)
        .header("accept-language", "de")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = response.text().await.unwrap();
    assert!(!body.contains("Failed to"), "a raw parser message reached the user: {body}");
}

#[tokio::test]
async fn parallel_guesses_share_the_gate() {
    let app = behind_proxy().await;
    app.provider("praxis-muster").await;

    let started = std::time::Instant::now();
    let checked = app.parallel_wrong_logins(EMAIL, 40, |n| format!("10.50.{}.{}", n / 200, n % 200 + 1)).await;
    // Five failures are free, then the gate waits 1, 2, 4 ... seconds, counted
    // in whole seconds. A burst that a busy machine stretches over a second
    // boundary may therefore check one more guess per wait that passed.
    let seconds = started.elapsed().as_secs() + 1;
    let waits_passed = (0..20).take_while(|k| (1u64 << k) <= seconds).count();
    let allowed = 5 + waits_passed;
    assert!(checked <= allowed, "{checked} parallel guesses were checked instead of at most {allowed} in {seconds} s");
}

#[tokio::test]
async fn proxy_appended_forwarded_line_counts() {
    let app = behind_proxy().await;
    let http = reqwest::Client::new();
    let mut limited = false;
    for n in 0..25 {
        // The client writes its own line; the proxy appends the real address.
        let response = http
            .post(app.url("/password/forgot"))
            .header("origin", &app.origin)
            .header("x-forwarded-for", format!("10.60.0.{n}"))
            .header("x-forwarded-for", "192.0.2.77")
            .form(&[("email", "nobody@praxis.example")])
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "a client-written X-Forwarded-For line escaped the limit");
}

#[tokio::test]
async fn unconfirmed_and_known_accounts_count_alike() {
    let app = behind_proxy().await;
    let signup = Signup::new("fresh-room");
    app.client().signup(&signup).await;

    for n in 0..3 {
        let response = login_from(&app, &format!("10.70.0.{n}"), &signup.email, &signup.password).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    // The right password of an unconfirmed account stays counted, like a wrong one.
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(signup.email.as_bytes());
    let subject = format!("account:{}", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.data_dir.path().join("visite.db").display())).await.unwrap();
    let failures: i64 = sqlx::query_scalar("SELECT failures FROM login_failures WHERE subject = $1")
        .bind(&subject)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(failures, 3, "an unconfirmed account's right password was not counted");
}
