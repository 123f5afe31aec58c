use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn full_visit_over_websockets() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let mut host = provider.host_socket("praxis-muster").await;

    let mut patient = Socket::patient(&app, "praxis-muster").await;
    patient.check_in("  Ada   Lovelace ").await;

    let queue = host.queue_of(1).await;
    let entry = &queue["patients"][0];
    assert_eq!(entry["name"], "Ada Lovelace");
    assert_eq!(entry["connected"], true);
    let patient_id = entry["id"].clone();

    host.send(json!({"type": "admit", "patient": patient_id})).await;
    assert_eq!(patient.recv().await["type"], "ticket", "the patient's ticket did not come first");
    let started = patient.recv().await;
    assert_eq!(started["type"], "call_started");
    assert_eq!(started["polite"], true);
    let started = host.recv_type("call_started").await;
    assert_eq!(started["polite"], false);

    let offer = json!({"type": "description", "description": {"type": "offer", "sdp": offer_sdp()}});
    host.send(offer.clone()).await;
    assert_eq!(patient.recv().await, offer);

    let answer = json!({"type": "description", "description": {"type": "answer", "sdp": sdp_of_size(4_700)}});
    patient.send(answer.clone()).await;
    assert_eq!(host.recv_type("description").await, answer);

    for n in 1..=10 {
        let from_host = json!({"type": "candidate", "candidate": candidate(n)});
        host.send(from_host.clone()).await;
        assert_eq!(patient.recv().await, from_host);
        let from_patient = json!({"type": "candidate", "candidate": candidate(100 + n)});
        patient.send(from_patient.clone()).await;
        assert_eq!(host.recv().await, from_patient);
    }
    patient.send(json!({"type": "candidate", "candidate": null})).await;
    assert_eq!(host.recv().await, json!({"type": "candidate", "candidate": null}));

    // A client that predates screen sharing omits `screen`; the relay always carries it.
    patient.send(json!({"type": "media_state", "audio": true, "video": false})).await;
    assert_eq!(host.recv().await, json!({"type": "media_state", "audio": true, "video": false, "screen": false}));
    let sharing = json!({"type": "media_state", "audio": false, "video": true, "screen": true});
    host.send(sharing.clone()).await;
    assert_eq!(patient.recv().await, sharing);

    host.send(json!({"type": "hang_up"})).await;
    assert_eq!(patient.recv().await, json!({"type": "call_ended", "reason": "hung_up"}));
    assert_eq!(patient.closed().await, Some(1000));
    assert_eq!(host.recv_type("call_ended").await["reason"], "hung_up");
    assert_eq!(host.recv_type("queue").await, json!({"type": "queue", "patients": [], "call": null}));

    // The call's start and duration reach the dashboard.
    let mut recorded = false;
    for _ in 0..50 {
        let (_, body) = provider.get_text("/dashboard").await;
        if body.contains("<time datetime=\"") {
            recorded = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(recorded, "the call was not recorded");
}

#[tokio::test]
async fn patient_hang_up_ends_both_sides() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let mut host = provider.host_socket("praxis-muster").await;
    let mut patient = Socket::patient(&app, "praxis-muster").await;
    patient.check_in("Ada").await;
    let id = host.queue_of(1).await["patients"][0]["id"].clone();
    host.send(json!({"type": "admit", "patient": id})).await;
    patient.recv_type("call_started").await;

    patient.send(json!({"type": "hang_up"})).await;

    assert_eq!(patient.recv().await, json!({"type": "call_ended", "reason": "hung_up"}));
    assert_eq!(host.recv_type("call_ended").await["reason"], "hung_up");
}

#[tokio::test]
async fn provider_login_admits_nobody() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let mut patient = Socket::patient(&app, "praxis-muster").await;
    patient.check_in("Ada").await;

    let (socket, _) = provider.try_socket("/r/praxis-muster/host", Some(&app.origin)).await.unwrap();
    let mut host = Socket(socket);
    let queue = host.recv().await;
    assert_eq!(queue["type"], "queue");
    assert_eq!(queue["patients"].as_array().unwrap().len(), 1);
    assert_eq!(queue["call"], json!(null));
    assert_eq!(host.try_recv().await, None, "the provider got more than the queue");
    assert_eq!(patient.try_recv().await, None, "the patient was told something");
}

#[tokio::test]
async fn reload_within_grace_keeps_queue_place() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let mut host = provider.host_socket("praxis-muster").await;
    let mut first = Socket::patient(&app, "praxis-muster").await;
    let token = first.check_in("Ada").await;
    let mut second = Socket::patient(&app, "praxis-muster").await;
    second.check_in("Grace").await;
    host.queue_of(2).await;

    drop(first);
    let queue = host.recv_type("queue").await;
    assert_eq!(queue["patients"][0]["connected"], false);

    let mut reloaded = Socket::patient(&app, "praxis-muster").await;
    reloaded.send(json!({"type": "resume", "token": token, "name": "Ada"})).await;
    assert_eq!(reloaded.recv().await, json!({"type": "status", "state": "waiting"}));

    let queue = host.recv_type("queue").await;
    let names: Vec<_> = queue["patients"].as_array().unwrap().iter().map(|p| p["name"].clone()).collect();
    assert_eq!(names, vec![json!("Ada"), json!("Grace")]);
    assert_eq!(queue["patients"][0]["connected"], true);
}

#[tokio::test]
async fn leave_removes_patient() {
    let app = spawn_app().await;
    let provider = app.provider("praxis-muster").await;
    let mut host = provider.host_socket("praxis-muster").await;
    let mut patient = Socket::patient(&app, "praxis-muster").await;
    patient.check_in("Ada").await;
    host.queue_of(1).await;

    patient.send(json!({"type": "leave"})).await;

    assert_eq!(patient.recv().await, json!({"type": "call_ended", "reason": "left"}));
    assert_eq!(host.recv_type("queue").await["patients"], json!([]));
}
