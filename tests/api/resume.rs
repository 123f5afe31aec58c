//! Lost connections and server restarts: waiting places and calls survive
//! them through signed tickets, and nothing else brings a visit back.

use serde_json::{Value, json};

use crate::helpers::*;

const SLUG: &str = "praxis-muster";

/// Starts a call and returns the provider and patient sockets with the
/// tickets each side received at its start.
async fn call_with_tickets(app: &TestApp, provider: &Client) -> (Socket, Socket, String, String) {
    let mut host = provider.host_socket(SLUG).await;
    let mut patient = Socket::patient(app, SLUG).await;
    patient.check_in("Ada").await;
    let id = loop {
        let queue = host.recv_type("queue").await;
        let ada = queue["patients"].as_array().unwrap().iter().find(|entry| entry["name"] == "Ada").cloned();
        if let Some(ada) = ada {
            break ada["id"].clone();
        }
    };
    host.send(json!({"type": "admit", "patient": id})).await;
    let patient_ticket = token_of(patient.recv_type("ticket").await);
    patient.recv_type("call_started").await;
    let host_ticket = token_of(host.recv_type("ticket").await);
    host.recv_type("call_started").await;
    (host, patient, host_ticket, patient_ticket)
}

fn token_of(message: Value) -> String {
    message["token"].as_str().expect("a ticket carries a token").to_owned()
}

fn offer() -> Value {
    json!({"type": "description", "description": {"type": "offer", "sdp": offer_sdp()}})
}

#[tokio::test]
async fn patient_resumes_call_after_lost_connection() {
    let app = spawn_app().await;
    let provider = app.provider(SLUG).await;
    let (mut host, patient, _, ticket) = call_with_tickets(&app, &provider).await;
    host.recv_type("queue").await;

    drop(patient);
    // The provider's ICE restart offer waits for the patient's page.
    host.send(offer()).await;
    assert_eq!(host.try_recv().await.map(|m| m["type"].clone()), None, "the provider was told something");

    let mut back = Socket::patient(&app, SLUG).await;
    back.send(json!({"type": "resume", "token": ticket, "name": "Ada"})).await;
    assert_eq!(back.recv().await, json!({"type": "call_resumed"}));
    assert_eq!(back.recv().await["type"], "description", "the offer sent meanwhile was not delivered");
    back.send(json!({"type": "candidate", "candidate": candidate(1)})).await;
    assert_eq!(host.recv_type("candidate").await["candidate"], candidate(1));
    assert!(app.calls_of(SLUG).await.is_empty(), "the call was recorded as ended");
}

#[tokio::test]
async fn provider_resumes_call_with_own_ticket_only() {
    let app = spawn_app().await;
    let provider = app.provider(SLUG).await;
    let (host, mut patient, host_ticket, patient_ticket) = call_with_tickets(&app, &provider).await;
    drop(host);

    // Another tab of the same provider cannot take the call with the patient's ticket.
    let mut tab = provider.host_socket(SLUG).await;
    tab.send(json!({"type": "resume_call", "token": patient_ticket})).await;
    assert_eq!(tab.recv_type("error").await["code"], "resume_failed");
    tab.send(offer()).await;
    assert_eq!(tab.recv_type("error").await["code"], "no_call");

    tab.send(json!({"type": "resume_call", "token": host_ticket})).await;
    assert_eq!(tab.recv_type("call_resumed").await, json!({"type": "call_resumed"}));
    tab.send(offer()).await;
    assert_eq!(patient.recv_type("description").await["description"]["type"], "offer");
}

#[tokio::test]
async fn forged_or_foreign_ticket_resumes_nothing() {
    let app = spawn_app().await;
    let provider = app.provider(SLUG).await;
    let other = app.provider("praxis-andere").await;
    let mut host = provider.host_socket(SLUG).await;
    let mut patient = Socket::patient(&app, SLUG).await;
    let ticket = patient.check_in("Ada").await;
    host.queue_of(1).await;
    drop(patient);
    host.recv_type("queue").await;

    let (payload, tag) = ticket.split_once('.').unwrap();
    let mut forged_tag = tag.to_owned();
    forged_tag.replace_range(0..1, if tag.starts_with('A') { "B" } else { "A" });
    for token in [format!("{payload}.{forged_tag}"), format!("{payload}x.{tag}"), "not-a-ticket".to_owned()] {
        let mut socket = Socket::patient(&app, SLUG).await;
        socket.send(json!({"type": "resume", "token": token, "name": "Mallory"})).await;
        assert_eq!(socket.recv().await, json!({"type": "error", "code": "resume_failed"}));
    }
    // A ticket of one room is worth nothing in another.
    let _other_host = other.host_socket("praxis-andere").await;
    let mut socket = Socket::patient(&app, "praxis-andere").await;
    socket.send(json!({"type": "resume", "token": ticket, "name": "Ada"})).await;
    assert_eq!(socket.recv().await, json!({"type": "error", "code": "resume_failed"}));
    assert_eq!(host.try_recv().await, None, "the provider saw a change");
}

#[tokio::test]
async fn restart_keeps_queue_and_call() {
    let mut app = spawn_app().await;
    let provider = app.provider(SLUG).await;
    let mut waiting = Socket::patient(&app, SLUG).await;
    let waiting_ticket = waiting.check_in("Grace").await;
    let (mut host, mut patient, host_ticket, patient_ticket) = call_with_tickets(&app, &provider).await;
    let before = host.recv_type("queue").await;
    let grace_since = before["patients"][0]["waiting_since"].clone();
    let call_started_at = before["call"]["started_at"].clone();

    let restart = app.restart();
    // Every socket closes with code 1012 (service restart), the signal to reconnect.
    let (host_code, patient_code, waiting_code, ()) = tokio::join!(host.closed(), patient.closed(), waiting.closed(), restart);
    assert_eq!((host_code, patient_code, waiting_code), (Some(1012), Some(1012), Some(1012)));

    let mut host = provider.host_socket(SLUG).await;
    host.send(json!({"type": "resume_call", "token": host_ticket})).await;
    host.recv_type("call_resumed").await;
    host.send(offer()).await;

    let mut patient = Socket::patient(&app, SLUG).await;
    patient.send(json!({"type": "resume", "token": patient_ticket, "name": "Ada"})).await;
    assert_eq!(patient.recv().await, json!({"type": "call_resumed"}));
    assert_eq!(patient.recv().await["type"], "description");

    let mut waiting = Socket::patient(&app, SLUG).await;
    waiting.send(json!({"type": "resume", "token": waiting_ticket, "name": "Grace"})).await;
    assert_eq!(waiting.recv().await, json!({"type": "status", "state": "waiting"}));

    let queue = host.queue_of(1).await;
    assert_eq!(queue["patients"][0]["name"], "Grace");
    assert_eq!(queue["patients"][0]["waiting_since"], grace_since, "the place moved");
    assert_eq!(queue["call"]["name"], "Ada");
    assert_eq!(queue["call"]["started_at"], call_started_at);

    // The call ends once and is recorded once, with its whole length.
    host.send(json!({"type": "hang_up"})).await;
    assert_eq!(patient.recv_type("call_ended").await["reason"], "hung_up");
    // The server records the end in the background.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let calls = app.wait_for_calls(SLUG, 1).await;
    assert_eq!(calls.len(), 1, "the call was recorded twice: {calls:?}");
    assert_eq!(calls[0].started_at, call_started_at.as_i64().unwrap() / 1000);
}

#[tokio::test]
async fn removed_patient_checks_in_anew() {
    let app = spawn_app().await;
    let provider = app.provider(SLUG).await;
    let mut host = provider.host_socket(SLUG).await;
    let mut patient = Socket::patient(&app, SLUG).await;
    let ticket = patient.check_in("Ada").await;
    let first_id = host.queue_of(1).await["patients"][0]["id"].clone();

    host.send(json!({"type": "remove", "patient": first_id})).await;
    assert_eq!(patient.recv().await, json!({"type": "call_ended", "reason": "removed"}));
    host.queue_of(0).await;

    let mut again = Socket::patient(&app, SLUG).await;
    again.send(json!({"type": "resume", "token": ticket, "name": "Ada"})).await;
    assert_eq!(again.recv().await, json!({"type": "error", "code": "resume_failed"}));
    again.check_in("Ada").await;
    let entry = host.queue_of(1).await["patients"][0].clone();
    assert_ne!(entry["id"], first_id, "the removed entry came back");
}

#[tokio::test]
async fn provider_note_reaches_one_patient() {
    let app = spawn_app().await;
    let provider = app.provider(SLUG).await;
    let mut host = provider.host_socket(SLUG).await;
    let mut ada = Socket::patient(&app, SLUG).await;
    ada.check_in("Ada").await;
    let mut grace = Socket::patient(&app, SLUG).await;
    grace.check_in("Grace").await;
    let queue = host.queue_of(2).await;
    let grace_id = queue["patients"][1]["id"].clone();

    host.send(json!({"type": "note_patient", "patient": grace_id, "text": "Noch etwa 5 Minuten"})).await;
    assert_eq!(grace.recv().await, json!({"type": "status", "state": "waiting", "note": "Noch etwa 5 Minuten"}));
    assert_eq!(ada.try_recv().await, None, "another patient saw the note");

    host.send(json!({"type": "note_patient", "patient": grace_id, "text": "x".repeat(201)})).await;
    assert_eq!(host.recv_type("error").await["code"], "invalid_note");
    assert_eq!(grace.try_recv().await, None, "an invalid note reached the patient");
    ada.send(json!({"type": "note_patient", "patient": grace_id, "text": "hi"})).await;
    assert_eq!(ada.recv().await, json!({"type": "error", "code": "not_allowed"}));
    assert_eq!(grace.try_recv().await, None);
}

#[tokio::test]
async fn resume_after_many_queued_messages_keeps_connection() {
    let app = spawn_app().await;
    let provider = app.provider(SLUG).await;
    let (mut host, patient, _, ticket) = call_with_tickets(&app, &provider).await;
    host.recv_type("queue").await;
    drop(patient);

    for n in 1..=80 {
        host.send(json!({"type": "candidate", "candidate": candidate(n)})).await;
    }
    // The reply to a later message shows that the server handled all 80.
    host.send(json!({"type": "admit", "patient": 1})).await;
    assert_eq!(host.recv_type("error").await["code"], "call_in_progress");
    let mut back = Socket::patient(&app, SLUG).await;
    back.send(json!({"type": "resume", "token": ticket, "name": "Ada"})).await;
    assert_eq!(back.recv().await, json!({"type": "call_resumed"}));
    let mut delivered = 0;
    while let Some(message) = back.try_recv().await {
        if message["type"] == "candidate" {
            delivered += 1;
        }
    }
    assert_eq!(delivered, 32, "the queued messages were not delivered, or not capped");
    // The resumed connection still works in both directions.
    back.send(json!({"type": "candidate", "candidate": candidate(1)})).await;
    assert_eq!(host.recv_type("candidate").await["candidate"], candidate(1));
    host.send(json!({"type": "candidate", "candidate": candidate(2)})).await;
    assert_eq!(back.recv_type("candidate").await["candidate"], candidate(2));
}

#[tokio::test]
async fn restart_refuses_tickets_of_ended_visits() {
    let mut app = spawn_app().await;
    let provider = app.provider(SLUG).await;
    let mut removed = Socket::patient(&app, SLUG).await;
    let removed_ticket = removed.check_in("Grace").await;
    let (mut host, mut patient, _, call_ticket) = call_with_tickets(&app, &provider).await;
    let grace_id = host.recv_type("queue").await["patients"][0]["id"].clone();
    host.send(json!({"type": "remove", "patient": grace_id})).await;
    assert_eq!(removed.recv().await, json!({"type": "call_ended", "reason": "removed"}));
    host.send(json!({"type": "hang_up"})).await;
    assert_eq!(patient.recv_type("call_ended").await["reason"], "hung_up");

    app.restart().await;

    let _host = provider.host_socket(SLUG).await;
    for (ticket, name) in [(removed_ticket, "Grace"), (call_ticket, "Ada")] {
        let mut socket = Socket::patient(&app, SLUG).await;
        socket.send(json!({"type": "resume", "token": ticket, "name": name})).await;
        assert_eq!(socket.recv().await, json!({"type": "error", "code": "resume_failed"}), "{name} came back");
    }
    let calls = app.calls_of(SLUG).await;
    assert_eq!(calls.len(), 1, "{calls:?}");
}
