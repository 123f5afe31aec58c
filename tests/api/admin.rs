//! `visite admin`, run as the real binary next to a running test server on
//! the same data folder, as an operator runs it next to a live server.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery staple";

/// Run `visite admin ARGS` on the app's data folder, with `stdin` as input.
fn admin_with_input(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    let data_dir = app.data_dir.path().to_str().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_visite"))
        // Settings from the environment of the test run must not leak in.
        .env_clear()
        .args(["admin", "--data-dir", data_dir, "--public-origin", &app.origin])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Run `visite admin ARGS` and return its standard output; panics if it fails.
async fn admin(app: &TestApp, args: &[&str]) -> String {
    let output = admin_with_input(app, args, "");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "visite admin {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

/// Read messages until the server closes the socket, and return them with
/// the close code.
async fn messages_until_close(socket: &mut Socket) -> (Vec<serde_json::Value>, Option<u16>) {
    let mut messages = Vec::new();
    while let Some(message) = socket.try_recv_now().await {
        messages.push(message);
    }
    // The room check runs every two seconds: allow a few rounds.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    loop {
        let frame = tokio::time::timeout_at(deadline, futures_util::StreamExt::next(&mut socket.0)).await.expect("socket not closed within 8 seconds");
        match frame {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) => messages.push(serde_json::from_str(&text).unwrap()),
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame))) => return (messages, frame.map(|f| u16::from(f.code))),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return (messages, None),
        }
    }
}

#[tokio::test]
async fn disable_closes_sessions_and_sockets() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-aus").await;
    let mut host = provider.host_socket("praxis-aus").await;
    let mut waiting = Socket::patient(&app, "praxis-aus").await;
    waiting.check_in("Ada").await;
    let mut in_call = Socket::patient(&app, "praxis-aus").await;
    in_call.check_in("Grace").await;
    let queue = host.queue_of(2).await;
    let grace = queue["patients"][1]["id"].clone();
    host.send(json!({"type": "admit", "patient": grace})).await;
    host.recv_type("call_started").await;
    in_call.recv_type("call_started").await;

    let started = Instant::now();
    let output = admin(&app, &["disable", "praxis-aus@praxis.example"]).await;
    assert!(output.contains("1 sessions ended"), "unexpected output: {output}");

    // Read all three at once, as browsers do: a socket left unread may lose
    // its close frame when the server drops the connection.
    let (host_end, waiting_end, in_call_end) =
        tokio::join!(messages_until_close(&mut host), messages_until_close(&mut waiting), messages_until_close(&mut in_call));
    for (who, (messages, code)) in [("provider", host_end), ("waiting patient", waiting_end), ("patient in the call", in_call_end)] {
        assert!(
            messages.contains(&json!({"type": "call_ended", "reason": "room_closed"})),
            "the {who} got no room_closed message: {messages:?}"
        );
        assert_eq!(code, Some(1000), "the {who} socket closed with another code");
    }
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(6), "closing the room took {elapsed:?}");

    assert_ne!(provider.get("/dashboard").await.status(), StatusCode::OK, "the session outlived the disable");
    let mut again = app.client();
    let response = again.login("praxis-aus@praxis.example", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a disabled account logged in");
    let (status, page) = app.client().get_text("/r/praxis-aus").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("not available"), "the room page does not say the room is unavailable");
    let reopened = app.client().try_socket("/r/praxis-aus/ws", Some(&app.origin)).await;
    assert_eq!(handshake_status(reopened), 404, "a patient socket opened to a disabled room");
}

#[tokio::test]
async fn login_fails_like_wrong_password() {
    let app = spawn_app().await;
    app.provider("praxis-still").await;
    admin(&app, &["disable", "praxis-still@praxis.example"]).await;

    let mut disabled = app.client();
    let response = disabled.login("praxis-still@praxis.example", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let disabled_page = response.text().await.unwrap();
    let mut wrong = app.client();
    let response = wrong.login("praxis-still@praxis.example", "not the password at all").await;
    let wrong_page = response.text().await.unwrap();
    assert_eq!(disabled_page, wrong_page, "the login page tells a disabled account apart");
    assert!(disabled.cookie.is_none(), "a disabled account got a session");
}

#[tokio::test]
async fn disable_voids_mailed_links() {
    let app = spawn_app().await;
    app.provider("praxis-links").await;
    let email = "praxis-links@praxis.example";
    app.client().post_form("/password/forgot", &[("email", email)]).await;
    let link = app.mail_link(email, "/password/reset").await;

    admin(&app, &["disable", email]).await;
    let mails_before = app.mails().len();
    app.client().post_form("/password/forgot", &[("email", email)]).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(app.mails().len(), mails_before, "a disabled account got a reset link");

    admin(&app, &["enable", email]).await;
    let (status, _) = app.client().follow_link(&link).await;
    assert_eq!(status, StatusCode::GONE, "a link mailed before the disable still works");
}

#[tokio::test]
async fn enable_restores_login() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-zurueck").await;
    admin(&app, &["disable", "praxis-zurueck@praxis.example"]).await;
    admin(&app, &["enable", "praxis-zurueck@praxis.example"]).await;

    let mut client = app.client();
    client.totp_secret = provider.totp_secret.clone();
    let response = client.login_with_code("praxis-zurueck@praxis.example", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/dashboard");
    assert_eq!(app.client().get("/r/praxis-zurueck").await.status(), StatusCode::OK, "the room stayed closed");

    let again = admin_with_input(&app, &["enable", "praxis-zurueck@praxis.example"], "");
    assert!(!again.status.success(), "enabling an enabled account succeeded");
}

#[tokio::test]
async fn reset_second_factor_leads_to_enrolment() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-neu").await;
    let mut host = provider.host_socket("praxis-neu").await;
    let mails_before = app.mails().len();

    let output = admin(&app, &["reset-second-factor", "--yes", "praxis-neu@praxis.example"]).await;
    assert!(output.contains("1 authenticator app"), "unexpected output: {output}");
    assert!(output.contains("1 sessions ended"), "unexpected output: {output}");

    let mails = app.wait_for_mails(mails_before + 1).await;
    let notice = mails.last().unwrap();
    assert!(notice.to.contains("praxis-neu@praxis.example"));
    assert!(notice.subject.contains("second factor"), "unexpected subject {}", notice.subject);
    let (messages, code) = messages_until_close(&mut host).await;
    assert!(messages.contains(&json!({"type": "call_ended", "reason": "room_closed"})), "no room_closed: {messages:?}");
    assert_eq!(code, Some(1000));

    assert_ne!(provider.get("/dashboard").await.status(), StatusCode::OK, "the session outlived the reset");
    let mut client = app.client();
    let response = client.login("praxis-neu@praxis.example", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/account/setup", "the next login skipped the enrolment");
    client.enrol_totp().await;
    assert_eq!(app.client().get("/r/praxis-neu").await.status(), StatusCode::OK, "the room stayed closed after enrolment");
}

#[tokio::test]
async fn reset_asks_for_confirmation() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-frage").await;

    let output = admin_with_input(&app, &["reset-second-factor", "praxis-frage@praxis.example"], "no\n");
    assert!(!output.status.success(), "the reset ran without a yes");
    assert_eq!(provider.get("/dashboard").await.status(), StatusCode::OK, "a cancelled reset ended the session");

    let output = admin_with_input(&app, &["reset-second-factor", "praxis-frage@praxis.example"], "yes\n");
    assert!(output.status.success(), "the reset failed after yes: {}", String::from_utf8_lossy(&output.stderr));
    assert_ne!(provider.get("/dashboard").await.status(), StatusCode::OK, "the reset kept the session");
}

#[tokio::test]
async fn list_shows_no_secrets() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-liste").await;
    admin(&app, &["disable", "praxis-liste@praxis.example"]).await;

    let output = admin(&app, &["list"]).await;
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines[0], "email\tslug\tname\tpractice\tverified\tsecond_factors\tdisabled\tcreated");
    assert_eq!(lines.len(), 2, "unexpected list: {output}");
    let fields: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(fields[0], "praxis-liste@praxis.example");
    assert_eq!(fields[1], "praxis-liste");
    assert_eq!(fields[4], "yes");
    assert_eq!(fields[5], "totp,recovery_codes(10)");
    assert_ne!(fields[6], "no", "the list does not show the account as disabled");

    let store = visite::store::Store::open(app.data_dir.path()).await.unwrap();
    let stored = store.provider_by_email("praxis-liste@praxis.example").await.unwrap().unwrap();
    store.close().await;
    assert!(!output.contains(&stored.password_hash), "the list shows the password hash");
    assert!(!output.contains("$argon2"), "the list shows a password hash");
    let secret = provider.totp_secret.unwrap();
    assert!(!output.contains(&base32_encode(&secret)), "the list shows the TOTP secret");
}

#[tokio::test]
async fn create_yields_working_account() {
    let app = spawn_app().await;
    let output = admin(
        &app,
        &["create", "--email", "Neu@Praxis.example", "--name", "Dr. Nora Neu", "--practice", "Praxis Neu", "--slug", "praxis-neu", "--locale", "en"],
    )
    .await;
    let link = output
        .split_whitespace()
        .find(|word| word.starts_with(&app.origin) && word.contains("/password/reset?token="))
        .unwrap_or_else(|| panic!("no link in the output: {output}"))
        .to_owned();
    let mails = app.wait_for_mails(1).await;
    assert_eq!(mails[0].link("/password/reset"), Some(link.clone()), "the mail and the output differ");
    assert!(mails[0].body.contains(&format!("{}/r/praxis-neu", app.origin)), "the mail lacks the room link");

    // The room opens only after the second factor.
    assert_eq!(app.client().get("/r/praxis-neu").await.status(), StatusCode::NOT_FOUND);
    let mut client = app.client();
    let (status, _) = client.follow_link(&link).await;
    assert_eq!(status, StatusCode::OK, "the link from the output does not open");
    let response = client.post_form("/password/reset", &[("password", PASSWORD)]).await;
    assert_eq!(response.status(), StatusCode::OK, "setting the first password failed");

    let response = client.login("neu@praxis.example", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/account/setup");
    client.enrol_totp().await;
    assert_eq!(client.get("/dashboard").await.status(), StatusCode::OK);
    assert_eq!(app.client().get("/r/praxis-neu").await.status(), StatusCode::OK);

    let taken_slug = admin_with_input(&app, &["create", "--email", "other@praxis.example", "--name", "Other", "--practice", "Other", "--slug", "praxis-neu"], "");
    assert!(!taken_slug.status.success(), "a second account got a taken room link");
    assert!(String::from_utf8_lossy(&taken_slug.stderr).contains("already taken"));
}

fn base32_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[tokio::test]
async fn admin_refuses_a_folder_without_a_database() {
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_visite"))
        .env_clear()
        .args(["admin", "--data-dir", empty.path().to_str().unwrap(), "list"])
        .output()
        .unwrap();
    assert!(!output.status.success(), "admin list ran on an empty folder");
    assert!(String::from_utf8_lossy(&output.stderr).contains("contains no visite database"));
    assert!(!empty.path().join("visite.db").exists(), "a new database was created");
}
