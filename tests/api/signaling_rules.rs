use serde_json::json;

use crate::helpers::*;

/// A provider with a socket and one admitted patient in a call.
async fn call_in_progress(app: &TestApp, slug: &str) -> (Socket, Socket) {
    let provider = app.provider(slug).await;
    let mut host = provider.host_socket(slug).await;
    let mut patient = Socket::patient(app, slug).await;
    patient.check_in("Ada").await;
    let id = host.queue_of(1).await["patients"][0]["id"].clone();
    host.send(json!({"type": "admit", "patient": id})).await;
    patient.recv_type("call_started").await;
    host.recv_type("call_started").await;
    host.recv_type("queue").await;
    (host, patient)
}

#[tokio::test]
async fn waiting_patient_receives_only_own_status() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let mut host = provider.host_socket("praxis-muster").await;
    let mut waiting = Socket::patient(&app, "praxis-muster").await;
    waiting.check_in("Grace").await;
    let mut admitted = Socket::patient(&app, "praxis-muster").await;
    admitted.check_in("Ada").await;
    let queue = host.queue_of(2).await;
    let ada = queue["patients"][1]["id"].clone();

    host.send(json!({"type": "admit", "patient": ada})).await;
    admitted.recv_type("call_started").await;
    host.send(json!({"type": "description", "description": {"type": "offer", "sdp": offer_sdp()}})).await;
    host.send(json!({"type": "candidate", "candidate": candidate(1)})).await;
    admitted.send(json!({"type": "candidate", "candidate": candidate(2)})).await;
    let mut third = Socket::patient(&app, "praxis-muster").await;
    third.check_in("Linus").await;
    host.send(json!({"type": "hang_up"})).await;

    assert_eq!(waiting.try_recv().await, None, "a waiting patient received someone else's event");
}

#[tokio::test]
async fn signaling_before_admission_is_refused() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let mut host = provider.host_socket("praxis-muster").await;

    // A fresh patient for each message: five violations would close one socket.
    for message in [
        json!({"type": "description", "description": {"type": "offer", "sdp": offer_sdp()}}),
        json!({"type": "candidate", "candidate": candidate(1)}),
        json!({"type": "media_state", "audio": false, "video": false}),
        json!({"type": "hang_up"}),
        json!({"type": "admit", "patient": 1}),
        json!({"type": "remove", "patient": 1}),
    ] {
        let mut patient = Socket::patient(&app, "praxis-muster").await;
        patient.check_in("Ada").await;
        host.recv_type("queue").await;
        patient.send(message.clone()).await;
        assert_eq!(patient.recv().await, json!({"type": "error", "code": "not_allowed"}), "{message}");
        assert_eq!(host.try_recv().await, None, "a refused {message} reached the provider");
        patient.send(json!({"type": "leave"})).await;
        host.recv_type("queue").await;
    }
    assert!(captured_logs().contains("message refused"), "the refusal was not logged");
}

#[tokio::test]
async fn sender_field_is_not_trusted() {
    let app = spawn_app().await;
    let (mut host, mut patient) = call_in_progress(&app, "praxis-muster").await;

    // Extra fields that try to name a sender or a target are rejected outright.
    for message in [
        json!({"type": "hang_up", "from": "provider"}),
        json!({"type": "description", "to": 2, "description": {"type": "offer", "sdp": "v=0"}}),
        json!({"type": "admit", "patient": 1, "as": "provider"}),
    ] {
        patient.send(message.clone()).await;
        assert_eq!(patient.recv().await, json!({"type": "error", "code": "invalid_message"}), "{message}");
    }
    assert_eq!(host.try_recv().await, None);
}

#[tokio::test]
async fn replay_after_call_end_gets_nothing() {
    let app = spawn_app().await;
    let (mut host, mut patient) = call_in_progress(&app, "praxis-muster").await;
    host.send(json!({"type": "hang_up"})).await;
    patient.recv_type("call_ended").await;
    host.recv_type("call_ended").await;
    host.recv_type("queue").await;

    // The patient page reconnects and replays a description: it is not in a call.
    let mut replay = Socket::patient(&app, "praxis-muster").await;
    replay.send(json!({"type": "description", "description": {"type": "answer", "sdp": "v=0"}})).await;
    assert_eq!(replay.recv().await, json!({"type": "error", "code": "not_allowed"}));
    // Provider messages for the ended call go nowhere either.
    host.send(json!({"type": "candidate", "candidate": candidate(1)})).await;
    assert_eq!(host.recv().await, json!({"type": "error", "code": "no_call"}));
    assert_eq!(replay.try_recv().await, None);
}

#[tokio::test]
async fn removed_patient_cannot_resume() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let mut host = provider.host_socket("praxis-muster").await;
    let mut patient = Socket::patient(&app, "praxis-muster").await;
    let token = patient.check_in("Ada").await;
    let id = host.queue_of(1).await["patients"][0]["id"].clone();

    host.send(json!({"type": "remove", "patient": id})).await;
    assert_eq!(patient.recv().await, json!({"type": "call_ended", "reason": "removed"}));

    let mut again = Socket::patient(&app, "praxis-muster").await;
    again.send(json!({"type": "resume", "token": token, "name": "Ada"})).await;
    assert_eq!(again.recv().await, json!({"type": "error", "code": "resume_failed"}));
}

#[tokio::test]
async fn malformed_messages_get_errors_and_repeated_abuse_closes() {
    let app = spawn_app().await;
    let other = app.provider("other-room").await;
    let mut other_host = other.host_socket("other-room").await;
    let mut bystander = Socket::patient(&app, "other-room").await;
    bystander.check_in("Grace").await;
    other_host.queue_of(1).await;

    app.provider("praxis-muster").await;
    let mut patient = Socket::patient(&app, "praxis-muster").await;
    let cases = [
        ("{not json".to_owned(), "invalid_message"),
        (r#"{"type":"become_provider"}"#.to_owned(), "invalid_message"),
        (r#"{"type":"check_in","name":"A","name":"B"}"#.to_owned(), "invalid_message"),
        (format!(r#"{{"type":"check_in","name":"{}"}}"#, "a".repeat(70 * 1024)), "message_too_large"),
    ];
    for (text, code) in cases {
        patient.send_text(text).await;
        assert_eq!(patient.recv().await, json!({"type": "error", "code": code}));
    }

    patient.send_text("[]".into()).await;
    assert_eq!(patient.recv().await["code"], "invalid_message");
    assert_eq!(patient.closed().await, Some(1008), "five violations did not close the socket");

    // The other room noticed nothing and still works.
    assert_eq!(other_host.try_recv().await, None);
    assert_eq!(bystander.try_recv().await, None);
    let mut newcomer = Socket::patient(&app, "other-room").await;
    newcomer.check_in("Linus").await;
    other_host.queue_of(2).await;
}

#[tokio::test]
async fn oversized_frame_closes_connection() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let mut patient = Socket::patient(&app, "praxis-muster").await;

    patient.send_text("x".repeat(512 * 1024)).await;

    let code = patient.closed().await;
    assert!(matches!(code, Some(1009) | None), "unexpected close code {code:?}");
}

#[tokio::test]
async fn invalid_display_names_are_rejected() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let mut host = provider.host_socket("praxis-muster").await;
    let mut patient = Socket::patient(&app, "praxis-muster").await;

    for name in ["", "   ", "\u{202E}adA", "Ada\u{0007}", &"a".repeat(65), "<script>"] {
        patient.send(json!({"type": "check_in", "name": name})).await;
        assert_eq!(patient.recv().await, json!({"type": "error", "code": "invalid_name"}), "{name:?}");
    }
    assert_eq!(host.try_recv().await, None, "the provider saw a rejected check-in");
}

#[tokio::test]
async fn socket_origin_is_checked_before_upgrade() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;

    for path in ["/r/praxis-muster/ws", "/r/praxis-muster/host"] {
        for origin in [None, Some("null"), Some("https://evil.example"), Some("http://127.0.0.1:1")] {
            let status = handshake_status(provider.try_socket(path, origin).await);
            assert_eq!(status, 403, "{path} with origin {origin:?}");
        }
        let status = handshake_status(provider.try_socket(path, Some(&app.origin)).await);
        assert_eq!(status, 101, "{path} with our origin");
    }
}

#[tokio::test]
async fn provider_socket_needs_own_room() {
    let app = spawn_app().await;
    app.provider("praxis-muster").await;
    let intruder = app.provider("other-room").await;

    let status = handshake_status(intruder.try_socket("/r/praxis-muster/host", Some(&app.origin)).await);
    assert_eq!(status, 403, "another provider's session opened the room");
    let status = handshake_status(app.client().try_socket("/r/praxis-muster/host", Some(&app.origin)).await);
    assert_eq!(status, 401, "an anonymous client opened the provider socket");
    let status = handshake_status(intruder.try_socket("/r/no-such-room/ws", Some(&app.origin)).await);
    assert_eq!(status, 404);
}

#[tokio::test]
async fn check_ins_are_rate_limited_per_ip() {
    let app = spawn_app_with(|settings| settings.check_ins_per_minute = 3).await;
    app.provider("praxis-muster").await;

    for n in 0..3 {
        let mut patient = Socket::patient(&app, "praxis-muster").await;
        patient.check_in(&format!("Patient {}", "x".repeat(n + 1))).await;
    }
    let mut patient = Socket::patient(&app, "praxis-muster").await;
    patient.send(json!({"type": "check_in", "name": "Ada"})).await;
    assert_eq!(patient.recv().await, json!({"type": "error", "code": "rate_limited"}));
}

#[tokio::test]
async fn queue_has_a_cap() {
    let app = spawn_app_with(|settings| settings.max_waiting_patients = 2).await;
    app.provider("praxis-muster").await;
    let mut first = Socket::patient(&app, "praxis-muster").await;
    first.check_in("Ada").await;
    let mut second = Socket::patient(&app, "praxis-muster").await;
    second.check_in("Grace").await;

    let mut third = Socket::patient(&app, "praxis-muster").await;
    third.send(json!({"type": "check_in", "name": "Linus"})).await;
    assert_eq!(third.recv().await, json!({"type": "error", "code": "queue_full"}));
}

#[tokio::test]
async fn second_provider_tab_cannot_take_over_call() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let mut host = provider.host_socket("praxis-muster").await;
    let mut other_tab = provider.host_socket("praxis-muster").await;
    let mut patient = Socket::patient(&app, "praxis-muster").await;
    patient.check_in("Ada").await;
    let id = host.queue_of(1).await["patients"][0]["id"].clone();
    host.send(json!({"type": "admit", "patient": id})).await;
    patient.recv_type("call_started").await;

    other_tab.send(json!({"type": "description", "description": {"type": "offer", "sdp": "v=0"}})).await;
    assert_eq!(other_tab.recv_type("error").await["code"], "no_call");
    other_tab.send(json!({"type": "admit", "patient": id})).await;
    assert_eq!(other_tab.recv_type("error").await["code"], "call_in_progress");
    assert_eq!(patient.try_recv().await, None);
}

#[tokio::test]
async fn provider_that_stops_reading_is_dropped() {
    // The patient sends faster than the message rate limit allows, to fill
    // the provider's queue quickly; this test is about the queue, not the rate.
    let app = spawn_app_with(|settings| {
        settings.ws_messages_per_second = 10_000;
        settings.ws_message_burst = 10_000;
    })
    .await;
    let (mut host, mut patient) = call_in_progress(&app, "praxis-muster").await;

    // The provider's page stops reading; the patient keeps sending large candidates.
    let filler = "x".repeat(60_000);
    for n in 0..600 {
        let candidate = json!({"type": "candidate", "candidate": {"candidate": format!("candidate:{n} {filler}"), "sdpMid": "0", "sdpMLineIndex": 0}});
        patient.send(candidate).await;
        assert_eq!(patient.try_recv_now().await, None, "the patient was told something");
    }
    // The server closed the silent provider's socket instead of buffering
    // without end; the call waits for the provider's page to resume it.
    let mut received = 0;
    while host.try_recv().await.is_some() {
        received += 1;
    }
    assert!(received < 600, "every candidate was delivered to a provider that did not read");
    assert_eq!(patient.try_recv().await, None, "the patient was told something");
}
