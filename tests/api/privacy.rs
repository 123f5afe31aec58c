use serde_json::{Value, json};

use crate::helpers::*;

/// After a full visit, the patient's name is nowhere in the data folder
/// (database, WAL, journal) and in no log line.
#[tokio::test]
async fn patient_name_is_not_stored_or_logged() {
    let name = "Quirinus Zwetschgenbaum";
    let mut app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let mut host = provider.host_socket("praxis-muster").await;

    let mut patient = Socket::patient(&app, "praxis-muster").await;
    let token = patient.check_in(name).await;
    let queue = host.queue_of(1).await;
    assert_eq!(queue["patients"][0]["name"], name, "the name never reached the server");
    let id = queue["patients"][0]["id"].clone();

    // Invalid messages that carry the name must not echo it into a log either.
    patient.send(json!({"type": "check_in", "name": 42, "extra": name})).await;
    patient.recv_type("error").await;
    host.send(json!({"type": "admit", "patient": id})).await;
    patient.recv_type("call_started").await;
    host.send(json!({"type": "description", "description": {"type": "offer", "sdp": offer_sdp()}})).await;
    patient.recv_type("description").await;
    patient.send(json!({"type": "hang_up"})).await;
    host.recv_type("call_ended").await;
    drop(patient);
    drop(host);
    app.stop().await;

    let files = app.data_files();
    assert!(files.iter().any(|(path, _)| path.ends_with("visite.db")), "no database file found");
    for (path, bytes) in &files {
        for needle in [name.as_bytes(), token.as_bytes()] {
            assert!(
                !bytes.windows(needle.len()).any(|window| window == needle),
                "{} contains a patient's name or token",
                path.display()
            );
        }
    }
    let logs = captured_logs();
    assert!(logs.contains("call ended"), "logs were not captured");
    assert!(!logs.contains(name), "the name appears in the log");
    assert!(!logs.contains("Zwetschgenbaum"), "part of the name appears in the log");
    assert!(!logs.contains(&token), "the rejoin token appears in the log");
    assert!(!logs.contains("a=candidate-like-padding"), "an SDP appears in the log");
    // Provider data from every test of this binary shares the captured log.
    assert!(!logs.contains("@praxis.example"), "an email address appears in the log");
    assert!(!logs.contains("correct horse battery staple"), "a password appears in the log");
    assert!(!logs.contains("token="), "a link token appears in the log");
    if let Some(line) = logs.lines().find(|line| line.contains("127.0.0.1")) {
        panic!("a client IP address appears in the log: {line}");
    }
}

/// Runs a whole practice day in one server with client hashes turned on.
/// The provider signs up, follows the email link, enrols an authenticator
/// and logs in again. A patient waits, gets a note, is admitted, exchanges SDP
/// and ICE candidates, loses the connection and resumes, and so does the
/// provider. No protected value may reach the log, and the connection's lines
/// must carry their request id and client hash.
#[tokio::test]
async fn full_flows_log_no_protected_values() {
    let name = "Philomena Quastenflosser";
    let note = "Bitte noch Geduld, Frau Quastenflosser";
    let slug = "praxis-protokoll";
    let mut app = spawn_app_with(|settings| settings.log_client_ip_hashes = true).await;
    let mut provider = app.provider(slug).await;
    let session_cookie = provider.cookie.clone().expect("a session after enrolment");
    let response = provider.post_form("/logout", &[]).await;
    assert!(response.status().is_redirection(), "logout failed: {}", response.status());
    let email = format!("{slug}@praxis.example");
    let response = provider.login_with_code(&email, "correct horse battery staple").await;
    assert!(response.status().is_redirection(), "second login failed: {}", response.status());
    let second_cookie = provider.cookie.clone().expect("a session after the second login");

    let mut host = provider.host_socket(slug).await;
    let mut patient = Socket::patient(&app, slug).await;
    let waiting_ticket = patient.check_in(name).await;
    let queue = host.queue_of(1).await;
    let id = queue["patients"][0]["id"].clone();
    host.send(json!({"type": "note_patient", "patient": id, "text": note})).await;
    assert_eq!(patient.recv_type("status").await["note"], note);

    host.send(json!({"type": "admit", "patient": id})).await;
    let patient_ticket = patient.recv_type("ticket").await["token"].as_str().unwrap().to_owned();
    patient.recv_type("call_started").await;
    let host_ticket = host.recv_type("ticket").await["token"].as_str().unwrap().to_owned();
    host.recv_type("call_started").await;
    host.send(json!({"type": "description", "description": {"type": "offer", "sdp": offer_sdp()}})).await;
    patient.recv_type("description").await;
    host.send(json!({"type": "candidate", "candidate": candidate(7)})).await;
    patient.recv_type("candidate").await;

    drop(patient);
    let mut patient = Socket::patient(&app, slug).await;
    patient.send(json!({"type": "resume", "token": patient_ticket, "name": name})).await;
    patient.recv_type("call_resumed").await;
    drop(host);
    let mut host = provider.host_socket(slug).await;
    host.send(json!({"type": "resume_call", "token": host_ticket})).await;
    host.recv_type("call_resumed").await;
    patient.send(json!({"type": "hang_up"})).await;
    host.recv_type("call_ended").await;
    drop(patient);
    drop(host);
    app.stop().await;

    let store = visite::store::Store::open(app.data_dir.path()).await.unwrap();
    let key = store.server_key("log-client-ip", Vec::new()).await.unwrap();
    store.close().await;
    let loopback_hash = visite::http::ClientIpHasher::new(key).hash("127.0.0.1".parse().unwrap());

    let logs = captured_logs();
    // Other tests of this binary log into the same buffer: pick this test's room.
    let call_ended = logs
        .lines()
        .find(|line| line.contains("call ended") && line.contains(&format!("path=/r/{slug}/")))
        .expect("the call's end was not logged inside a request span");
    assert!(call_ended.contains("request{id="), "a connection's line has no request id: {call_ended}");
    assert!(call_ended.contains(&format!("client={loopback_hash}")), "no client hash: {call_ended}");
    let protected = [
        ("the patient's name", name.to_owned()),
        ("part of the patient's name", "Quastenflosser".to_owned()),
        ("the note to the patient", note.to_owned()),
        ("the provider's email address", email.clone()),
        ("the provider's name", "Erika Muster".to_owned()),
        ("the password", "correct horse battery staple".to_owned()),
        ("the waiting ticket", waiting_ticket),
        ("the patient's call ticket", patient_ticket),
        ("the provider's call ticket", host_ticket),
        ("the first session cookie", session_cookie.split('=').nth(1).unwrap().to_owned()),
        ("the second session cookie", second_cookie.split('=').nth(1).unwrap().to_owned()),
        ("an SDP line", "a=candidate-like-padding".to_owned()),
        ("an ICE candidate address", "192.0.2.7".to_owned()),
        ("a link token", "token=".to_owned()),
    ];
    for (what, value) in protected {
        if let Some(line) = logs.lines().find(|line| line.contains(&value)) {
            panic!("{what} appears in the log: {line}");
        }
    }
    if let Some(line) = logs.lines().find(|line| line.contains("127.0.0.1")) {
        panic!("a client IP address appears in the log: {line}");
    }
}

/// With `--log-format json` every line is one JSON object, and a response's
/// line names the request id that the client got in `X-Request-Id`.
#[tokio::test]
async fn json_log_lines_carry_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::process::ServerProcess::start(&dir.path().join("data"), &["--log-format".as_ref(), "json".as_ref()]);
    // Probes log their response at debug level, so a page request is used here.
    let response = reqwest::get(format!("http://127.0.0.1:{}/terms", server.port)).await.unwrap();
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    server.wait_for_stderr(&request_id).await;

    let stderr = server.stderr();
    let lines: Vec<Value> = stderr
        .lines()
        .filter(|line| !line.starts_with("visite is ready"))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("a log line is not JSON: {line}")))
        .collect();
    let response_line = lines
        .iter()
        .find(|line| line["span"]["id"] == request_id.as_str() && line["fields"]["status"] == 200)
        .unwrap_or_else(|| panic!("no response line with request id {request_id}:\n{stderr}"));
    assert_eq!(response_line["span"]["path"], "/terms");
}
