//! Feeds arbitrary sequences of events into one room's state machine: the
//! provider's and patients' connections come and go, send any message, and
//! resume with tickets that this room issued or with tickets of arbitrary
//! claims from an earlier server process. After every event the effects must
//! keep the room's rules:
//!
//! - signaling reaches a patient connection only while it is in a call,
//! - at most one patient connection is in a call,
//! - a patient never receives the queue,
//! - nothing is sent to a connection that is closed or was never opened,
//! - a ticket goes only to a connection of the ticket's role,
//! - the queue never contains more patients than the room's limit.

#![no_main]

use std::collections::{HashMap, HashSet};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use visite::core::protocol::{
    CallId, ClientMessage, DescriptionKind, IceCandidate, PatientId, ServerMessage, SessionDescription,
};
use visite::core::room::{CallClaim, ConnId, Effect, Limits, Room, Ticket, TicketRole};

const LIMITS: Limits = Limits { max_waiting: 3, max_waiting_per_client: 2, rejoin_grace_ms: 50_000 };
/// Patient and call numbers of tickets from an earlier server process start
/// here, as a restarted server picks its first number at random.
const EARLIER_SERVER_IDS: u64 = 1_000_000;
const SLOTS: u8 = 8;

#[derive(Debug, Arbitrary)]
enum Event {
    ConnectProvider(u8),
    ConnectPatient { slot: u8, network: u8 },
    Disconnect(u8),
    Send { slot: u8, message: Message },
    /// Resume as a patient with the n-th ticket this room issued.
    Resume { slot: u8, ticket: u8, name: Name },
    /// Resume as a patient with a ticket of an earlier server.
    ResumeEarlier { slot: u8, ticket: EarlierTicket, name: Name },
    ResumeCall { slot: u8, ticket: u8 },
    ResumeCallEarlier { slot: u8, ticket: EarlierTicket },
    Tick(u32),
}

#[derive(Debug, Arbitrary)]
enum Message {
    CheckIn(Name),
    Resume,
    ResumeCall,
    Leave,
    Admit(u8),
    Remove(u8),
    NotePatient(u8, String),
    Offer(String),
    Candidate(Option<String>),
    MediaState { audio: bool, video: bool, screen: bool },
    HangUp,
}

/// A display name: mostly a valid one, so that check-ins succeed.
#[derive(Debug, Arbitrary)]
enum Name {
    Valid(u8),
    Any(String),
}

impl Name {
    fn text(&self) -> String {
        match self {
            Self::Valid(n) => format!("Patient {}", "x".repeat(usize::from(n % 8) + 1)),
            Self::Any(text) => text.clone(),
        }
    }
}

/// The claims of a ticket that an earlier server process signed.
#[derive(Debug, Arbitrary)]
struct EarlierTicket {
    provider: bool,
    patient: u8,
    waiting_since: u32,
    call: Option<(u8, u32)>,
    /// Milliseconds from now until the ticket expires; negative for an expired ticket.
    expires_in: i32,
}

impl EarlierTicket {
    fn claims(&self, now: u64) -> Ticket {
        Ticket {
            role: if self.provider { TicketRole::Provider } else { TicketRole::Patient },
            patient: PatientId(EARLIER_SERVER_IDS + u64::from(self.patient % 8)),
            waiting_since: u64::from(self.waiting_since),
            call: self.call.map(|(id, started_at)| CallClaim {
                id: CallId(EARLIER_SERVER_IDS + 100 + u64::from(id % 4)),
                started_at: u64::from(started_at),
            }),
            expires: now.saturating_add_signed(i64::from(self.expires_in)),
        }
    }
}

impl Message {
    fn client_message(&self, tickets: &[Ticket]) -> ClientMessage {
        match self {
            Self::CheckIn(name) => ClientMessage::CheckIn { name: name.text() },
            // The room gets resumptions through `resume`; a raw one must fail.
            Self::Resume => ClientMessage::Resume { token: String::new(), name: "Returning".into() },
            Self::ResumeCall => ClientMessage::ResumeCall { token: String::new() },
            Self::Leave => ClientMessage::Leave {},
            Self::Admit(n) => ClientMessage::Admit { patient: patient_id(*n, tickets) },
            Self::Remove(n) => ClientMessage::Remove { patient: patient_id(*n, tickets) },
            Self::NotePatient(n, text) => ClientMessage::NotePatient { patient: patient_id(*n, tickets), text: text.clone() },
            Self::Offer(sdp) => ClientMessage::Description {
                description: SessionDescription { kind: DescriptionKind::Offer, sdp: sdp.clone() },
            },
            Self::Candidate(candidate) => ClientMessage::Candidate {
                candidate: candidate.clone().map(|candidate| IceCandidate {
                    candidate,
                    sdp_mid: None,
                    sdp_m_line_index: Some(0),
                    username_fragment: None,
                }),
            },
            Self::MediaState { audio, video, screen } => {
                ClientMessage::MediaState { audio: *audio, video: *video, screen: *screen }
            }
            Self::HangUp => ClientMessage::HangUp {},
        }
    }
}

/// Picks a patient number that the room may know: a small one of this room,
/// or one from a ticket that an earlier server issued.
fn patient_id(n: u8, tickets: &[Ticket]) -> PatientId {
    if n < 128 {
        PatientId(u64::from(n % 12) + 1)
    } else {
        tickets.get(usize::from(n - 128)).map_or(PatientId(EARLIER_SERVER_IDS), |ticket| ticket.patient)
    }
}

/// The connections as the hub would track them.
#[derive(Default)]
struct Connections {
    slots: HashMap<u8, ConnId>,
    open: HashSet<ConnId>,
    providers: HashSet<ConnId>,
    patients: HashSet<ConnId>,
    /// Patient connections that received call_started or call_resumed and no call_ended since.
    in_call: HashSet<ConnId>,
    next: u64,
}

impl Connections {
    fn get(&self, slot: u8) -> ConnId {
        self.slots.get(&(slot % SLOTS)).copied().unwrap_or(ConnId(u64::MAX))
    }

    fn open(&mut self, slot: u8, provider: bool) -> (ConnId, Option<ConnId>) {
        self.next += 1;
        let conn = ConnId(self.next);
        self.open.insert(conn);
        if provider {
            self.providers.insert(conn);
        } else {
            self.patients.insert(conn);
        }
        (conn, self.slots.insert(slot % SLOTS, conn))
    }

    fn close(&mut self, conn: ConnId) {
        self.open.remove(&conn);
        self.in_call.remove(&conn);
        self.slots.retain(|_, slot_conn| *slot_conn != conn);
    }
}

fuzz_target!(|events: Vec<Event>| {
    let mut room = Room::new(LIMITS);
    let mut conns = Connections::default();
    let mut tickets: Vec<Ticket> = Vec::new();
    let mut now = 0u64;

    for event in &events {
        now += 1_000;
        let mut effects = Vec::new();
        match event {
            Event::ConnectProvider(slot) | Event::ConnectPatient { slot, .. } => {
                let provider = matches!(event, Event::ConnectProvider(_));
                let (conn, old) = conns.open(*slot, provider);
                if let Some(old) = old {
                    conns.close(old);
                    effects.extend(room.disconnected(old, now));
                }
                match event {
                    Event::ConnectPatient { network, .. } => effects.extend(room.patient_connected(conn, u64::from(network % 3))),
                    _ => effects.extend(room.provider_connected(conn)),
                }
            }
            Event::Disconnect(slot) => {
                let conn = conns.get(*slot);
                conns.close(conn);
                effects.extend(room.disconnected(conn, now));
            }
            Event::Send { slot, message } => {
                effects.extend(room.handle(conns.get(*slot), message.client_message(&tickets), now));
            }
            Event::Resume { slot, ticket, name } => {
                if let Some(ticket) = tickets.get(usize::from(*ticket)) {
                    effects.extend(room.resume(conns.get(*slot), *ticket, &name.text(), now));
                }
            }
            Event::ResumeEarlier { slot, ticket, name } => {
                effects.extend(room.resume(conns.get(*slot), ticket.claims(now), &name.text(), now));
            }
            Event::ResumeCall { slot, ticket } => {
                if let Some(ticket) = tickets.get(usize::from(*ticket)) {
                    effects.extend(room.resume_call(conns.get(*slot), *ticket, now));
                }
            }
            Event::ResumeCallEarlier { slot, ticket } => {
                effects.extend(room.resume_call(conns.get(*slot), ticket.claims(now), now));
            }
            Event::Tick(delta) => {
                now += u64::from(*delta);
                effects.extend(room.tick(now));
            }
        }

        // The hub reports each connection that the room closed back to it,
        // as the socket ends, and carries out what that causes.
        let mut closed = check_effects(&effects, &mut conns, &mut tickets, event);
        while let Some(conn) = closed.pop() {
            let effects = room.disconnected(conn, now);
            closed.extend(check_effects(&effects, &mut conns, &mut tickets, event));
        }
        assert!(room.waiting_count() <= LIMITS.max_waiting, "the queue outgrew its limit after {event:?}");
    }
});

/// Checks one event's effects against the room's rules, keeps the tickets,
/// and returns the connections that the room closed.
fn check_effects(effects: &[Effect], conns: &mut Connections, tickets: &mut Vec<Ticket>, event: &Event) -> Vec<ConnId> {
    let mut closed = Vec::new();
    for effect in effects {
        match effect {
            Effect::Send { to, message } => check_send(*to, message, conns, event),
            Effect::Ticket { to, ticket } => {
                assert!(conns.open.contains(to), "a ticket went to a closed connection after {event:?}");
                let role_conns = match ticket.role {
                    TicketRole::Provider => &conns.providers,
                    TicketRole::Patient => &conns.patients,
                };
                assert!(role_conns.contains(to), "a {:?} ticket went to another role after {event:?}", ticket.role);
                tickets.push(*ticket);
            }
            Effect::Close { conn } => {
                conns.close(*conn);
                closed.push(*conn);
            }
            Effect::Refused { .. } | Effect::CallStarted { .. } | Effect::CallResumed { .. } | Effect::CallRecord { .. } => {}
        }
    }
    closed
}

fn check_send(to: ConnId, message: &ServerMessage, conns: &mut Connections, event: &Event) {
    assert!(conns.open.contains(&to), "a message went to a closed or unknown connection after {event:?}: {message:?}");
    if !conns.patients.contains(&to) {
        return;
    }
    match message {
        ServerMessage::CallStarted { .. } | ServerMessage::CallResumed {} => {
            assert!(conns.in_call.insert(to), "a second call_started or call_resumed for {to:?} after {event:?}");
            assert_eq!(conns.in_call.len(), 1, "two patients in a call after {event:?}");
        }
        ServerMessage::CallEnded { .. } => {
            conns.in_call.remove(&to);
        }
        ServerMessage::Description { .. } | ServerMessage::Candidate { .. } | ServerMessage::MediaState { .. } => {
            assert!(conns.in_call.contains(&to), "signaling reached a patient not in a call after {event:?}");
        }
        ServerMessage::Queue { .. } => panic!("a patient received the queue after {event:?}"),
        ServerMessage::Ticket { .. } | ServerMessage::Status { .. } | ServerMessage::Error { .. } => {}
    }
}
