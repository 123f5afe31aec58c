use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::protocol::*;
use super::room::*;

const PROVIDER: ConnId = ConnId(1);
const ALICE: ConnId = ConnId(10);
const BOB: ConnId = ConnId(11);

fn token(value: &str) -> impl FnOnce() -> RejoinToken {
    let value = value.to_owned();
    move || RejoinToken(value)
}

fn no_token() -> RejoinToken {
    panic!("a token was drawn for a message that is not a check-in")
}

fn offer() -> ClientMessage {
    ClientMessage::Description {
        description: SessionDescription { kind: DescriptionKind::Offer, sdp: "v=0\r\n".into() },
    }
}

fn sends_to(effects: &[Effect], conn: ConnId) -> Vec<&ServerMessage> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send { to, message } if *to == conn => Some(message),
            _ => None,
        })
        .collect()
}

fn queue_ids(effects: &[Effect], conn: ConnId) -> Vec<u64> {
    match sends_to(effects, conn).into_iter().rev().find(|m| matches!(m, ServerMessage::Queue { .. })) {
        Some(ServerMessage::Queue { patients, .. }) => patients.iter().map(|p| p.id.0).collect(),
        _ => panic!("no queue message for {conn:?}"),
    }
}

/// A room with a provider and Alice checked in as patient 1.
fn room_with_alice() -> Room {
    let mut room = Room::new(Limits::default());
    room.provider_connected(PROVIDER);
    room.patient_connected(ALICE, 0);
    room.handle(ALICE, ClientMessage::CheckIn { name: "Alice".into() }, 1_000, token("tok-a"));
    room
}

#[test]
fn check_in_shows_in_queue_only_for_provider() {
    let mut room = Room::new(Limits::default());
    room.provider_connected(PROVIDER);
    room.patient_connected(ALICE, 0);
    room.patient_connected(BOB, 0);
    room.handle(ALICE, ClientMessage::CheckIn { name: "Alice".into() }, 1_000, token("tok-a"));

    let effects = room.handle(BOB, ClientMessage::CheckIn { name: "Bob".into() }, 2_000, token("tok-b"));

    assert_eq!(queue_ids(&effects, PROVIDER), vec![1, 2]);
    assert!(sends_to(&effects, ALICE).is_empty(), "Alice learned of Bob's check-in");
    assert_eq!(sends_to(&effects, BOB), vec![
        &ServerMessage::CheckedIn { token: "tok-b".into() },
        &ServerMessage::Status { state: PatientStatus::Waiting },
    ]);
}

#[test]
fn invalid_name_is_rejected() {
    let mut room = Room::new(Limits::default());
    room.provider_connected(PROVIDER);
    room.patient_connected(ALICE, 0);

    let effects = room.handle(ALICE, ClientMessage::CheckIn { name: "\u{202E}x".into() }, 0, token("t"));

    assert_eq!(sends_to(&effects, ALICE), vec![&ServerMessage::Error { code: ErrorCode::InvalidName }]);
    assert!(sends_to(&effects, PROVIDER).is_empty());
    assert_eq!(room.waiting_count(), 0);
}

#[test]
fn one_network_cannot_fill_the_room() {
    let mut room = Room::new(Limits { max_waiting_per_client: 2, ..Limits::default() });
    for n in 0..3u64 {
        room.patient_connected(ConnId(20 + n), 7);
    }
    room.patient_connected(ConnId(30), 8);
    room.handle(ConnId(20), ClientMessage::CheckIn { name: "Ada".into() }, 0, token("a"));
    room.handle(ConnId(21), ClientMessage::CheckIn { name: "Grace".into() }, 0, token("b"));

    let effects = room.handle(ConnId(22), ClientMessage::CheckIn { name: "Linus".into() }, 0, token("c"));
    assert_eq!(sends_to(&effects, ConnId(22)), vec![&ServerMessage::Error { code: ErrorCode::RateLimited }]);
    let effects = room.handle(ConnId(30), ClientMessage::CheckIn { name: "Margaret".into() }, 0, token("d"));
    assert!(matches!(sends_to(&effects, ConnId(30))[0], ServerMessage::CheckedIn { .. }), "another network was refused");
}

#[test]
fn queue_cap_rejects_check_in() {
    let mut room = Room::new(Limits { max_waiting: 1, ..Limits::default() });
    room.patient_connected(ALICE, 1);
    room.patient_connected(BOB, 2);
    room.handle(ALICE, ClientMessage::CheckIn { name: "Alice".into() }, 0, token("a"));

    let effects = room.handle(BOB, ClientMessage::CheckIn { name: "Bob".into() }, 0, token("b"));

    assert_eq!(sends_to(&effects, BOB), vec![&ServerMessage::Error { code: ErrorCode::QueueFull }]);
    assert_eq!(room.waiting_count(), 1);
}

#[test]
fn waiting_patient_cannot_signal() {
    let mut room = room_with_alice();

    for message in [offer(), ClientMessage::Candidate { candidate: None },
        ClientMessage::MediaState { audio: true, video: false, screen: false }, ClientMessage::HangUp {}] {
        let effects = room.handle(ALICE, message, 2_000, no_token);

        assert!(effects.contains(&Effect::Refused { conn: ALICE, refusal: Refusal::NotAdmitted }));
        assert!(sends_to(&effects, PROVIDER).is_empty(), "a refused message reached the provider");
    }
}

#[test]
fn patient_cannot_admit_or_remove() {
    let mut room = room_with_alice();

    for message in [ClientMessage::Admit { patient: PatientId(1) }, ClientMessage::Remove { patient: PatientId(1) }] {
        let effects = room.handle(ALICE, message, 2_000, no_token);

        assert!(effects.contains(&Effect::Refused { conn: ALICE, refusal: Refusal::NotProvider }));
        assert!(!effects.iter().any(|e| matches!(e, Effect::CallStarted { .. })));
    }
    assert_eq!(room.waiting_count(), 1);
}

#[test]
fn admit_starts_call_and_relays_both_ways() {
    let mut room = room_with_alice();

    let effects = room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000, no_token);
    assert!(effects.contains(&Effect::CallStarted { call: CallId(1), at: 5_000 }));
    assert!(sends_to(&effects, ALICE).contains(&&ServerMessage::CallStarted {
        call: CallId(1), polite: true, ice_servers: vec![]
    }));

    let effects = room.handle(PROVIDER, offer(), 5_100, no_token);
    assert!(matches!(sends_to(&effects, ALICE)[..], [ServerMessage::Description { .. }]));

    let effects = room.handle(ALICE, ClientMessage::Candidate { candidate: None }, 5_200, no_token);
    assert_eq!(sends_to(&effects, PROVIDER), vec![&ServerMessage::Candidate { candidate: None }]);
}

#[test]
fn hang_up_ends_call_on_both_sides() {
    let mut room = room_with_alice();
    room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000, no_token);

    let effects = room.handle(ALICE, ClientMessage::HangUp {}, 65_000, no_token);

    assert!(effects.contains(&Effect::CallEnded {
        call: CallId(1), started_at: 5_000, ended_at: 65_000, reason: EndReason::HungUp
    }));
    assert!(sends_to(&effects, ALICE).contains(&&ServerMessage::CallEnded { reason: EndReason::HungUp }));
    assert!(effects.contains(&Effect::Close { conn: ALICE }));
    assert!(sends_to(&effects, PROVIDER).contains(&&ServerMessage::CallEnded { reason: EndReason::HungUp }));
    assert!(room.is_idle() || room.waiting_count() == 0);
}

#[test]
fn replay_after_call_end_gets_nothing() {
    let mut room = room_with_alice();
    room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000, no_token);
    room.handle(PROVIDER, ClientMessage::HangUp {}, 6_000, no_token);

    let effects = room.handle(ALICE, offer(), 7_000, no_token);
    assert!(effects.is_empty(), "the closed patient connection still had effects: {effects:?}");

    let effects = room.handle(PROVIDER, offer(), 7_000, no_token);
    assert!(effects.contains(&Effect::Refused { conn: PROVIDER, refusal: Refusal::NoCall }));
    assert!(sends_to(&effects, ALICE).is_empty());
}

#[test]
fn removed_patient_cannot_resume() {
    let mut room = room_with_alice();

    let effects = room.handle(PROVIDER, ClientMessage::Remove { patient: PatientId(1) }, 2_000, no_token);
    assert!(sends_to(&effects, ALICE).contains(&&ServerMessage::CallEnded { reason: EndReason::Removed }));

    room.patient_connected(BOB, 0);
    let effects = room.handle(BOB, ClientMessage::Resume { token: "tok-a".into() }, 3_000, no_token);
    assert_eq!(sends_to(&effects, BOB), vec![&ServerMessage::Error { code: ErrorCode::ResumeFailed }]);
}

#[test]
fn reload_within_grace_keeps_place() {
    let mut room = room_with_alice();
    room.patient_connected(BOB, 0);
    room.handle(BOB, ClientMessage::CheckIn { name: "Bob".into() }, 2_000, token("tok-b"));

    room.disconnected(ALICE, 3_000);
    room.tick(60_000);
    let reloaded = ConnId(12);
    room.patient_connected(reloaded, 0);
    let effects = room.handle(reloaded, ClientMessage::Resume { token: "tok-a".into() }, 60_000, no_token);

    assert_eq!(sends_to(&effects, reloaded), vec![&ServerMessage::Status { state: PatientStatus::Waiting }]);
    assert_eq!(queue_ids(&effects, PROVIDER), vec![1, 2]);
}

#[test]
fn reload_after_grace_loses_place() {
    let mut room = room_with_alice();
    room.disconnected(ALICE, 3_000);

    let effects = room.tick(3_000 + Limits::default().rejoin_grace_ms);
    assert_eq!(queue_ids(&effects, PROVIDER), Vec::<u64>::new());

    let reloaded = ConnId(12);
    room.patient_connected(reloaded, 0);
    let effects = room.handle(reloaded, ClientMessage::Resume { token: "tok-a".into() }, 200_000, no_token);
    assert_eq!(sends_to(&effects, reloaded), vec![&ServerMessage::Error { code: ErrorCode::ResumeFailed }]);
}

#[test]
fn disconnected_patient_cannot_be_admitted() {
    let mut room = room_with_alice();
    room.disconnected(ALICE, 2_000);

    let effects = room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 2_500, no_token);
    assert_eq!(sends_to(&effects, PROVIDER), vec![&ServerMessage::Error { code: ErrorCode::PatientNotConnected }]);
}

#[test]
fn provider_login_admits_nobody() {
    let mut room = Room::new(Limits::default());
    room.patient_connected(ALICE, 0);
    room.handle(ALICE, ClientMessage::CheckIn { name: "Alice".into() }, 1_000, token("a"));

    let effects = room.provider_connected(PROVIDER);

    assert_eq!(queue_ids(&effects, PROVIDER), vec![1]);
    assert!(!effects.iter().any(|e| matches!(e, Effect::CallStarted { .. })));
    assert!(sends_to(&effects, ALICE).is_empty());
}

#[test]
fn second_provider_tab_cannot_join_call() {
    let mut room = room_with_alice();
    let other_tab = ConnId(2);
    room.provider_connected(other_tab);
    room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000, no_token);

    let effects = room.handle(other_tab, offer(), 5_100, no_token);

    assert!(effects.contains(&Effect::Refused { conn: other_tab, refusal: Refusal::NoCall }));
    assert!(sends_to(&effects, ALICE).is_empty());
}

#[test]
fn provider_disconnect_ends_call() {
    let mut room = room_with_alice();
    room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000, no_token);

    let effects = room.disconnected(PROVIDER, 9_000);

    assert!(sends_to(&effects, ALICE).contains(&&ServerMessage::CallEnded { reason: EndReason::ProviderLeft }));
    assert!(effects.iter().any(|e| matches!(e, Effect::CallEnded { ended_at: 9_000, .. })));
}

// Property test: whatever the order of events, signaling reaches a patient
// connection only while that connection is in a call, and a patient never
// sees the queue.

#[derive(Debug, Clone)]
enum Event {
    ConnectProvider(u8),
    ConnectPatient(u8),
    Disconnect(u8),
    CheckIn(u8),
    Resume(u8, u8),
    Admit(u8, u8),
    Remove(u8, u8),
    Signal(u8),
    HangUp(u8),
    Leave(u8),
    Tick(u32),
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (0u8..2).prop_map(Event::ConnectProvider),
        (2u8..8).prop_map(Event::ConnectPatient),
        (0u8..8).prop_map(Event::Disconnect),
        (0u8..8).prop_map(Event::CheckIn),
        ((0u8..8), (0u8..8)).prop_map(|(c, t)| Event::Resume(c, t)),
        ((0u8..8), (1u8..6)).prop_map(|(c, p)| Event::Admit(c, p)),
        ((0u8..8), (1u8..6)).prop_map(|(c, p)| Event::Remove(c, p)),
        (0u8..8).prop_map(Event::Signal),
        (0u8..8).prop_map(Event::HangUp),
        (0u8..8).prop_map(Event::Leave),
        (0u32..200_000).prop_map(Event::Tick),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn signaling_reaches_only_admitted_patients(events in prop::collection::vec(event(), 1..80)) {
        let mut room = Room::new(Limits { max_waiting: 3, max_waiting_per_client: 2, rejoin_grace_ms: 50_000 });
        let mut now = 0u64;
        // Patient connections that received CallStarted and not yet CallEnded.
        let mut in_call: HashSet<ConnId> = HashSet::new();
        let mut patients: HashSet<ConnId> = HashSet::new();
        let mut next_conn = 100u64;
        // Slot number to its current connection; a reconnect gets a new ConnId.
        let mut slots: HashMap<u8, ConnId> = HashMap::new();
        let mut tokens: Vec<String> = Vec::new();

        for event in events {
            now += 1_000;
            let conn = |slot: &u8| slots.get(slot).copied().unwrap_or(ConnId(u64::MAX));
            let effects = match &event {
                Event::ConnectProvider(slot) | Event::ConnectPatient(slot) => {
                    let mut effects = Vec::new();
                    if let Some(old) = slots.remove(slot) {
                        in_call.remove(&old);
                        effects.extend(room.disconnected(old, now));
                    }
                    next_conn += 1;
                    let fresh = ConnId(next_conn);
                    slots.insert(*slot, fresh);
                    if matches!(event, Event::ConnectProvider(_)) {
                        effects.extend(room.provider_connected(fresh));
                    } else {
                        patients.insert(fresh);
                        effects.extend(room.patient_connected(fresh, 0));
                    }
                    effects
                }
                Event::Disconnect(slot) => {
                    let old = conn(slot);
                    slots.remove(slot);
                    in_call.remove(&old);
                    room.disconnected(old, now)
                }
                Event::CheckIn(slot) => {
                    let name = format!("Patient {}", "x".repeat(usize::from(*slot) + 1));
                    let token = format!("token-{slot}-{now}");
                    tokens.push(token.clone());
                    room.handle(conn(slot), ClientMessage::CheckIn { name }, now, move || RejoinToken(token))
                }
                Event::Resume(slot, from) => {
                    let token = tokens.get(usize::from(*from) % tokens.len().max(1)).cloned().unwrap_or_default();
                    room.handle(conn(slot), ClientMessage::Resume { token }, now, no_token)
                }
                Event::Admit(slot, patient) => {
                    room.handle(conn(slot), ClientMessage::Admit { patient: PatientId(u64::from(*patient)) }, now, no_token)
                }
                Event::Remove(slot, patient) => {
                    room.handle(conn(slot), ClientMessage::Remove { patient: PatientId(u64::from(*patient)) }, now, no_token)
                }
                Event::Signal(slot) => room.handle(conn(slot), offer(), now, no_token),
                Event::HangUp(slot) => room.handle(conn(slot), ClientMessage::HangUp {}, now, no_token),
                Event::Leave(slot) => room.handle(conn(slot), ClientMessage::Leave {}, now, no_token),
                Event::Tick(delta) => {
                    now += u64::from(*delta);
                    room.tick(now)
                }
            };

            for effect in &effects {
                let Effect::Send { to, message } = effect else { continue };
                if !patients.contains(to) {
                    continue;
                }
                match message {
                    ServerMessage::CallStarted { .. } => {
                        prop_assert!(in_call.insert(*to), "second CallStarted for {:?}", to);
                        prop_assert_eq!(in_call.len(), 1, "two patients in a call");
                    }
                    ServerMessage::CallEnded { .. } => { in_call.remove(to); }
                    ServerMessage::Description { .. } | ServerMessage::Candidate { .. }
                    | ServerMessage::MediaState { .. } => {
                        prop_assert!(in_call.contains(to), "signaling reached a patient not in a call: {:?}", event);
                    }
                    ServerMessage::Queue { .. } => prop_assert!(false, "a patient received the queue"),
                    ServerMessage::CheckedIn { .. } | ServerMessage::Status { .. }
                    | ServerMessage::Error { .. } => {}
                }
            }
        }
    }
}
