use serde_json::json;

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
