use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::protocol::*;
use super::room::*;

const PROVIDER: ConnId = ConnId(1);
const ALICE: ConnId = ConnId(10);
const BOB: ConnId = ConnId(11);

/// Returns the last ticket the room issued to `conn`.
fn ticket_for(effects: &[Effect], conn: ConnId) -> Ticket {
    effects
        .iter()
        .rev()
        .find_map(|effect| match effect {
            Effect::Ticket { to, ticket } if *to == conn => Some(*ticket),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no ticket for {conn:?}"))
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
    room.handle(ALICE, ClientMessage::CheckIn { name: "Alice".into() }, 1_000);
    room
}

#[test]
fn check_in_shows_in_queue_only_for_provider() {
    let mut room = Room::new(Limits::default());
    room.provider_connected(PROVIDER);
    room.patient_connected(ALICE, 0);
    room.patient_connected(BOB, 0);
    room.handle(ALICE, ClientMessage::CheckIn { name: "Alice".into() }, 1_000);

    let effects = room.handle(BOB, ClientMessage::CheckIn { name: "Bob".into() }, 2_000);

    assert_eq!(queue_ids(&effects, PROVIDER), vec![1, 2]);
    assert!(sends_to(&effects, ALICE).is_empty(), "Alice learned of Bob's check-in");
    assert_eq!(sends_to(&effects, BOB), vec![&ServerMessage::Status { state: PatientStatus::Waiting, note: None }]);
    let ticket = ticket_for(&effects, BOB);
    assert_eq!((ticket.role, ticket.patient, ticket.waiting_since, ticket.call), (TicketRole::Patient, PatientId(2), 2_000, None));
    assert_eq!(ticket.expires, 2_000 + Limits::default().rejoin_grace_ms);
}

#[test]
fn invalid_name_is_rejected() {
    let mut room = Room::new(Limits::default());
    room.provider_connected(PROVIDER);
    room.patient_connected(ALICE, 0);

    let effects = room.handle(ALICE, ClientMessage::CheckIn { name: "\u{202E}x".into() }, 0);

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
    room.handle(ConnId(20), ClientMessage::CheckIn { name: "Ada".into() }, 0);
    room.handle(ConnId(21), ClientMessage::CheckIn { name: "Grace".into() }, 0);

    let effects = room.handle(ConnId(22), ClientMessage::CheckIn { name: "Linus".into() }, 0);
    assert_eq!(sends_to(&effects, ConnId(22)), vec![&ServerMessage::Error { code: ErrorCode::RateLimited }]);
    let effects = room.handle(ConnId(30), ClientMessage::CheckIn { name: "Margaret".into() }, 0);
    assert!(matches!(sends_to(&effects, ConnId(30))[0], ServerMessage::Status { .. }), "another network was refused");
}

#[test]
fn queue_cap_rejects_check_in() {
    let mut room = Room::new(Limits { max_waiting: 1, ..Limits::default() });
    room.patient_connected(ALICE, 1);
    room.patient_connected(BOB, 2);
    room.handle(ALICE, ClientMessage::CheckIn { name: "Alice".into() }, 0);

    let effects = room.handle(BOB, ClientMessage::CheckIn { name: "Bob".into() }, 0);

    assert_eq!(sends_to(&effects, BOB), vec![&ServerMessage::Error { code: ErrorCode::QueueFull }]);
    assert_eq!(room.waiting_count(), 1);
}

#[test]
fn waiting_patient_cannot_signal() {
    let mut room = room_with_alice();

    for message in [offer(), ClientMessage::Candidate { candidate: None },
        ClientMessage::MediaState { audio: true, video: false, screen: false }, ClientMessage::HangUp {}] {
        let effects = room.handle(ALICE, message, 2_000);

        assert!(effects.contains(&Effect::Refused { conn: ALICE, refusal: Refusal::NotAdmitted }));
        assert!(sends_to(&effects, PROVIDER).is_empty(), "a refused message reached the provider");
    }
}

#[test]
fn patient_cannot_admit_or_remove() {
    let mut room = room_with_alice();

    for message in [ClientMessage::Admit { patient: PatientId(1) }, ClientMessage::Remove { patient: PatientId(1) }] {
        let effects = room.handle(ALICE, message, 2_000);

        assert!(effects.contains(&Effect::Refused { conn: ALICE, refusal: Refusal::NotProvider }));
        assert!(!effects.iter().any(|e| matches!(e, Effect::CallStarted { .. })));
    }
    assert_eq!(room.waiting_count(), 1);
}

#[test]
fn admit_starts_call_and_relays_both_ways() {
    let mut room = room_with_alice();

    let effects = room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000);
    assert!(effects.contains(&Effect::CallStarted { call: CallId(2), at: 5_000 }));
    assert!(sends_to(&effects, ALICE).contains(&&ServerMessage::CallStarted {
        call: CallId(2), polite: true, ice_servers: vec![], relay_only: false
    }));

    let effects = room.handle(PROVIDER, offer(), 5_100);
    assert!(matches!(sends_to(&effects, ALICE)[..], [ServerMessage::Description { .. }]));

    let effects = room.handle(ALICE, ClientMessage::Candidate { candidate: None }, 5_200);
    assert_eq!(sends_to(&effects, PROVIDER), vec![&ServerMessage::Candidate { candidate: None }]);
}

#[test]
fn hang_up_ends_call_on_both_sides() {
    let mut room = room_with_alice();
    room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000);

    let effects = room.handle(ALICE, ClientMessage::HangUp {}, 65_000);

    assert!(effects.contains(&Effect::CallRecord {
        call: CallId(2), started_at: 5_000, until: 65_000, ended: Some(EndReason::HungUp)
    }));
    assert!(sends_to(&effects, ALICE).contains(&&ServerMessage::CallEnded { reason: EndReason::HungUp }));
    assert!(effects.contains(&Effect::Close { conn: ALICE }));
    assert!(sends_to(&effects, PROVIDER).contains(&&ServerMessage::CallEnded { reason: EndReason::HungUp }));
    assert!(room.is_idle() || room.waiting_count() == 0);
}

#[test]
fn replay_after_call_end_gets_nothing() {
    let mut room = room_with_alice();
    room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000);
    room.handle(PROVIDER, ClientMessage::HangUp {}, 6_000);

    let effects = room.handle(ALICE, offer(), 7_000);
    assert!(effects.is_empty(), "the closed patient connection still had effects: {effects:?}");

    let effects = room.handle(PROVIDER, offer(), 7_000);
    assert!(effects.contains(&Effect::Refused { conn: PROVIDER, refusal: Refusal::NoCall }));
    assert!(sends_to(&effects, ALICE).is_empty());
}

/// Returns a room with a provider and Alice checked in as patient 1, and Alice's ticket.
fn room_with_alice_ticket() -> (Room, Ticket) {
    let mut room = Room::new(Limits::default());
    room.provider_connected(PROVIDER);
    room.patient_connected(ALICE, 0);
    let effects = room.handle(ALICE, ClientMessage::CheckIn { name: "Alice".into() }, 1_000);
    let ticket = ticket_for(&effects, ALICE);
    (room, ticket)
}

#[test]
fn removed_patient_cannot_resume() {
    let (mut room, ticket) = room_with_alice_ticket();

    let effects = room.handle(PROVIDER, ClientMessage::Remove { patient: PatientId(1) }, 2_000);
    assert!(sends_to(&effects, ALICE).contains(&&ServerMessage::CallEnded { reason: EndReason::Removed }));

    room.patient_connected(BOB, 0);
    let effects = room.resume(BOB, ticket, "Alice", 3_000);
    assert_eq!(sends_to(&effects, BOB), vec![&ServerMessage::Error { code: ErrorCode::ResumeFailed }]);
    assert_eq!(queue_ids(&room.provider_connected(PROVIDER), PROVIDER), Vec::<u64>::new());
}

#[test]
fn reload_within_grace_keeps_place() {
    let (mut room, ticket) = room_with_alice_ticket();
    room.patient_connected(BOB, 0);
    room.handle(BOB, ClientMessage::CheckIn { name: "Bob".into() }, 2_000);

    room.disconnected(ALICE, 3_000);
    room.tick(60_000);
    let reloaded = ConnId(12);
    room.patient_connected(reloaded, 0);
    let effects = room.resume(reloaded, ticket, "ignored", 60_000);

    assert_eq!(sends_to(&effects, reloaded), vec![&ServerMessage::Status { state: PatientStatus::Waiting, note: None }]);
    assert_eq!(queue_ids(&effects, PROVIDER), vec![1, 2]);
    assert_eq!(ticket_for(&effects, reloaded).expires, 60_000 + Limits::default().rejoin_grace_ms);
}

#[test]
fn reload_after_grace_loses_place() {
    let (mut room, ticket) = room_with_alice_ticket();
    room.disconnected(ALICE, 3_000);

    let effects = room.tick(3_000 + Limits::default().rejoin_grace_ms);
    assert_eq!(queue_ids(&effects, PROVIDER), Vec::<u64>::new());

    // Even a ticket that is still valid cannot bring back a place the room gave up.
    let reloaded = ConnId(12);
    room.patient_connected(reloaded, 0);
    let fresh = Ticket { expires: 1_000_000, ..ticket };
    let effects = room.resume(reloaded, fresh, "Alice", 200_000);
    assert_eq!(sends_to(&effects, reloaded), vec![&ServerMessage::Error { code: ErrorCode::ResumeFailed }]);
}

#[test]
fn expired_or_provider_ticket_cannot_resume_a_place() {
    let (mut room, ticket) = room_with_alice_ticket();
    room.disconnected(ALICE, 2_000);
    room.patient_connected(BOB, 0);

    let effects = room.resume(BOB, ticket, "Alice", ticket.expires);
    assert_eq!(sends_to(&effects, BOB), vec![&ServerMessage::Error { code: ErrorCode::ResumeFailed }]);
    let provider_ticket = Ticket { role: TicketRole::Provider, ..ticket };
    let effects = room.resume(BOB, provider_ticket, "Alice", 3_000);
    assert_eq!(sends_to(&effects, BOB), vec![&ServerMessage::Error { code: ErrorCode::ResumeFailed }]);
}

#[test]
fn restarted_room_keeps_check_in_order() {
    let (mut old, alice) = room_with_alice_ticket();
    old.patient_connected(BOB, 0);
    let bob = ticket_for(&old.handle(BOB, ClientMessage::CheckIn { name: "Bob".into() }, 2_000), BOB);

    let mut room = Room::with_first_id(Limits::default(), 500);
    room.provider_connected(PROVIDER);
    room.patient_connected(ConnId(21), 0);
    room.patient_connected(ConnId(20), 0);
    room.resume(ConnId(21), bob, "Bob", 30_000);
    let effects = room.resume(ConnId(20), alice, "Alice", 31_000);

    assert_eq!(queue_ids(&effects, PROVIDER), vec![1, 2], "Alice checked in first");
    // A resumption is no check-in: an invalid name still gets no place.
    room.patient_connected(ConnId(22), 0);
    let other = Ticket { patient: PatientId(9), ..alice };
    let effects = room.resume(ConnId(22), other, "\u{202E}x", 31_000);
    assert_eq!(sends_to(&effects, ConnId(22)), vec![&ServerMessage::Error { code: ErrorCode::InvalidName }]);
}

#[test]
fn lost_connection_keeps_call_and_queues() {
    let mut room = room_with_alice();
    let effects = room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000);
    let alice = ticket_for(&effects, ALICE);
    assert_eq!(alice.call.map(|claim| claim.started_at), Some(5_000));

    let effects = room.disconnected(ALICE, 6_000);
    assert!(!effects.iter().any(|e| matches!(e, Effect::CallRecord { .. })), "the call ended: {effects:?}");
    let effects = room.handle(PROVIDER, offer(), 7_000);
    assert!(effects.is_empty(), "an offer for the missing side was sent somewhere: {effects:?}");

    let back = ConnId(13);
    room.patient_connected(back, 0);
    let effects = room.resume(back, alice, "Alice", 8_000);
    let to_back = sends_to(&effects, back);
    assert_eq!(to_back[0], &ServerMessage::CallResumed {});
    assert!(matches!(to_back[1], ServerMessage::Description { .. }), "the offer was not delivered: {to_back:?}");

    let effects = room.handle(back, offer(), 8_100);
    assert_eq!(sends_to(&effects, PROVIDER).len(), 1, "the resumed side cannot signal");
}

#[test]
fn missing_side_ends_call_after_grace() {
    let mut room = room_with_alice();
    room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000);
    room.disconnected(ALICE, 6_000);

    assert!(room.tick(6_000 + Limits::default().rejoin_grace_ms - 1).iter().all(|e| !matches!(e, Effect::CallRecord { .. })));
    let effects = room.tick(6_000 + Limits::default().rejoin_grace_ms);
    assert!(sends_to(&effects, PROVIDER).contains(&&ServerMessage::CallEnded { reason: EndReason::PatientLeft }));
    assert!(effects.iter().any(|e| matches!(e, Effect::CallRecord { ended: Some(EndReason::PatientLeft), .. })));
}

#[test]
fn restarted_room_resumes_both_call_sides() {
    let mut old = room_with_alice();
    let effects = old.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000);
    let (alice, provider) = (ticket_for(&effects, ALICE), ticket_for(&effects, PROVIDER));
    let shutdown = old.shut_down(9_000);
    assert!(shutdown.contains(&Effect::CallRecord { call: CallId(2), started_at: 5_000, until: 9_000, ended: None }));

    let mut room = Room::with_first_id(Limits::default(), 500);
    let (dashboard, page) = (ConnId(40), ConnId(41));
    room.provider_connected(dashboard);
    let effects = room.resume_call(dashboard, provider, 20_000);
    assert_eq!(sends_to(&effects, dashboard).iter().filter(|m| matches!(m, ServerMessage::CallResumed {})).count(), 1);
    room.handle(dashboard, offer(), 20_100);

    room.patient_connected(page, 0);
    let effects = room.resume(page, alice, "Alice", 21_000);
    let to_page = sends_to(&effects, page);
    assert_eq!(to_page[0], &ServerMessage::CallResumed {});
    assert!(matches!(to_page[1], ServerMessage::Description { .. }));
    let Some(ServerMessage::Queue { patients, call: Some(call) }) = sends_to(&effects, dashboard).pop() else {
        panic!("no queue with the call");
    };
    assert!(patients.is_empty(), "the patient in the call is also listed as waiting");
    assert_eq!((call.id, call.started_at, call.name.as_str()), (CallId(2), 5_000, "Alice"));

    let effects = room.handle(page, ClientMessage::HangUp {}, 65_000);
    assert!(effects.contains(&Effect::CallRecord { call: CallId(2), started_at: 5_000, until: 65_000, ended: Some(EndReason::HungUp) }));
    // The ended call cannot be taken back with the old tickets.
    room.patient_connected(ConnId(42), 0);
    let effects = room.resume(ConnId(42), alice, "Alice", 66_000);
    assert_eq!(sends_to(&effects, ConnId(42)), vec![&ServerMessage::Error { code: ErrorCode::ResumeFailed }]);
    let effects = room.resume_call(dashboard, provider, 66_000);
    assert_eq!(sends_to(&effects, dashboard), vec![&ServerMessage::Error { code: ErrorCode::ResumeFailed }]);
}

#[test]
fn patient_ticket_cannot_resume_provider_side() {
    let mut room = room_with_alice();
    let effects = room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000);
    let alice = ticket_for(&effects, ALICE);
    room.disconnected(PROVIDER, 6_000);

    let tab = ConnId(50);
    room.provider_connected(tab);
    let effects = room.resume_call(tab, alice, 7_000);
    assert_eq!(sends_to(&effects, tab), vec![&ServerMessage::Error { code: ErrorCode::ResumeFailed }]);
    let effects = room.handle(ALICE, offer(), 7_100);
    assert!(sends_to(&effects, tab).is_empty());
}

#[test]
fn provider_note_reaches_only_that_waiting_patient() {
    let mut room = room_with_alice();
    room.patient_connected(BOB, 0);
    room.handle(BOB, ClientMessage::CheckIn { name: "Bob".into() }, 2_000);

    let note = ClientMessage::NotePatient { patient: PatientId(2), text: " about  5 minutes ".into() };
    let effects = room.handle(PROVIDER, note, 3_000);
    assert_eq!(sends_to(&effects, BOB), vec![&ServerMessage::Status {
        state: PatientStatus::Waiting,
        note: Some("about 5 minutes".into()),
    }]);
    assert!(sends_to(&effects, ALICE).is_empty());

    let bad = ClientMessage::NotePatient { patient: PatientId(2), text: "a\u{0007}".into() };
    let effects = room.handle(PROVIDER, bad, 3_100);
    assert_eq!(sends_to(&effects, PROVIDER), vec![&ServerMessage::Error { code: ErrorCode::InvalidNote }]);
    assert!(sends_to(&effects, BOB).is_empty());
    let from_patient = ClientMessage::NotePatient { patient: PatientId(1), text: "hi".into() };
    assert!(room.handle(BOB, from_patient, 3_200).contains(&Effect::Refused { conn: BOB, refusal: Refusal::NotProvider }));
}

#[test]
fn disconnected_patient_cannot_be_admitted() {
    let mut room = room_with_alice();
    room.disconnected(ALICE, 2_000);

    let effects = room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 2_500);
    assert_eq!(sends_to(&effects, PROVIDER), vec![&ServerMessage::Error { code: ErrorCode::PatientNotConnected }]);
}

#[test]
fn provider_login_admits_nobody() {
    let mut room = Room::new(Limits::default());
    room.patient_connected(ALICE, 0);
    room.handle(ALICE, ClientMessage::CheckIn { name: "Alice".into() }, 1_000);

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
    room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000);

    let effects = room.handle(other_tab, offer(), 5_100);

    assert!(effects.contains(&Effect::Refused { conn: other_tab, refusal: Refusal::NoCall }));
    assert!(sends_to(&effects, ALICE).is_empty());
}

#[test]
fn provider_disconnect_keeps_the_call_for_the_grace_period() {
    let mut room = room_with_alice();
    room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 5_000);

    let effects = room.disconnected(PROVIDER, 9_000);
    assert!(sends_to(&effects, ALICE).is_empty());

    let effects = room.tick(9_000 + Limits::default().rejoin_grace_ms);
    assert!(sends_to(&effects, ALICE).contains(&&ServerMessage::CallEnded { reason: EndReason::ProviderLeft }));
    assert!(effects.iter().any(|e| matches!(e, Effect::CallRecord { ended: Some(EndReason::ProviderLeft), .. })));
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
        let mut tickets: Vec<Ticket> = Vec::new();

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
                    room.handle(conn(slot), ClientMessage::CheckIn { name }, now)
                }
                Event::Resume(slot, from) => {
                    match tickets.get(usize::from(*from) % tickets.len().max(1)) {
                        Some(ticket) => room.resume(conn(slot), *ticket, "Returning", now),
                        None => Vec::new(),
                    }
                }
                Event::Admit(slot, patient) => {
                    room.handle(conn(slot), ClientMessage::Admit { patient: PatientId(u64::from(*patient)) }, now)
                }
                Event::Remove(slot, patient) => {
                    room.handle(conn(slot), ClientMessage::Remove { patient: PatientId(u64::from(*patient)) }, now)
                }
                Event::Signal(slot) => room.handle(conn(slot), offer(), now),
                Event::HangUp(slot) => room.handle(conn(slot), ClientMessage::HangUp {}, now),
                Event::Leave(slot) => room.handle(conn(slot), ClientMessage::Leave {}, now),
                Event::Tick(delta) => {
                    now += u64::from(*delta);
                    room.tick(now)
                }
            };

            for effect in &effects {
                if let Effect::Ticket { ticket, .. } = effect {
                    tickets.push(*ticket);
                }
                let Effect::Send { to, message } = effect else { continue };
                if !patients.contains(to) {
                    continue;
                }
                match message {
                    ServerMessage::CallStarted { .. } | ServerMessage::CallResumed {} => {
                        prop_assert!(in_call.insert(*to), "second CallStarted for {:?}", to);
                        prop_assert_eq!(in_call.len(), 1, "two patients in a call");
                    }
                    ServerMessage::CallEnded { .. } => { in_call.remove(to); }
                    ServerMessage::Description { .. } | ServerMessage::Candidate { .. }
                    | ServerMessage::MediaState { .. } => {
                        prop_assert!(in_call.contains(to), "signaling reached a patient not in a call: {:?}", event);
                    }
                    ServerMessage::Queue { .. } => prop_assert!(false, "a patient received the queue"),
                    ServerMessage::Ticket { .. } | ServerMessage::Status { .. }
                    | ServerMessage::Error { .. } => {}
                }
            }
        }
    }
}

#[test]
fn counts_follow_connections_and_call() {
    let mut room = room_with_alice();
    room.patient_connected(BOB, 0);
    assert_eq!(room.connection_counts(), (1, 2));
    assert_eq!(room.waiting_count(), 1);
    assert!(!room.has_call());

    room.handle(PROVIDER, ClientMessage::Admit { patient: PatientId(1) }, 2_000);
    assert!(room.has_call());
    assert_eq!(room.waiting_count(), 0);

    room.disconnected(BOB, 3_000);
    assert_eq!(room.connection_counts(), (1, 1));
    room.handle(PROVIDER, ClientMessage::HangUp {}, 4_000);
    assert!(!room.has_call());
    assert_eq!(room.connection_counts(), (1, 0), "the ended patient's connection still counts");
}

#[test]
fn keyed_ids_are_unique_and_unordered() {
    let key = [7u8; 32];
    let mut room = Room::with_id_key(Limits::default(), key);
    let ids: Vec<u64> = (0..2_000).map(|_| room.fresh_id_for_tests()).collect();
    let distinct: std::collections::HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "two numbers repeat");
    assert!(ids.iter().all(|id| *id > 0 && *id < 1 << 52), "a number is out of range");
    let rising = ids.windows(2).filter(|pair| pair[1] == pair[0] + 1).count();
    assert!(rising < 5, "{rising} numbers follow their predecessor");
    let other: Vec<u64> = {
        let mut room = Room::with_id_key(Limits::default(), [8u8; 32]);
        (0..10).map(|_| room.fresh_id_for_tests()).collect()
    };
    assert_ne!(&ids[..10], &other[..], "another key gives the same numbers");
}

#[test]
fn same_millisecond_check_ins_keep_their_order() {
    for key in 0..20u8 {
        let mut room = Room::with_id_key(Limits::default(), [key; 32]);
        room.provider_connected(PROVIDER);
        let mut names = Vec::new();
        for (index, conn) in [ALICE, BOB, ConnId(12)].into_iter().enumerate() {
            room.patient_connected(conn, index as u64);
            let effects = room.handle(conn, ClientMessage::CheckIn { name: ["Ada", "Grace", "Hedy"][index].to_owned() }, 1_000);
            names = match sends_to(&effects, PROVIDER).into_iter().rev().find(|m| matches!(m, ServerMessage::Queue { .. })) {
                Some(ServerMessage::Queue { patients, .. }) => patients.iter().map(|p| p.name.clone()).collect(),
                _ => panic!("no queue message for the provider: {effects:?}"),
            };
        }
        assert_eq!(names, ["Ada", "Grace", "Hedy"], "key {key} put them out of order");
    }
}
