//! One provider's room: the waiting queue and the running call.
//!
//! `Room` is a state machine with no I/O. The caller feeds it events
//! (a connection opened, a message arrived, a connection closed, time passed)
//! together with the current time, and gets back the effects to carry out:
//! which message to send on which connection, which connection to close, and
//! which call started or ended. Every decision about who may talk to whom is
//! made here, from the connection an event came on.

use std::collections::{BTreeMap, HashMap};

use super::protocol::{
    CallId, CallSummary, ClientMessage, EndReason, ErrorCode, PatientId, PatientStatus,
    QueueEntry, ServerMessage,
};
use super::validate::DisplayName;

/// An opaque key for the client network a patient connects from, such as a
/// hash of the IP address; the room only compares keys.
pub type ClientKey = u64;

/// Identifier of one WebSocket connection, unique within the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// Unix time in milliseconds.
pub type Millis = u64;

/// A random secret that lets a reloaded patient page take back its queue place.
/// It is held in memory only and redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct RejoinToken(pub String);

impl std::fmt::Debug for RejoinToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RejoinToken(<redacted>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum number of patients waiting at once.
    pub max_waiting: usize,
    /// Maximum number of patients waiting at once from one client network,
    /// so that one address cannot fill a room.
    pub max_waiting_per_client: usize,
    /// How long a disconnected waiting patient keeps their place.
    pub rejoin_grace_ms: Millis,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_waiting: 50, max_waiting_per_client: 5, rejoin_grace_ms: 120_000 }
    }
}

/// Why the room rejected a message. `is_abuse` reports whether the sender broke
/// the rules of its role, rather than lost a harmless race with another event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A patient sent a provider command.
    NotProvider,
    /// A patient sent signaling or call messages without being in a call.
    NotAdmitted,
    /// A provider sent a patient command.
    NotPatient,
    /// A provider connection sent call messages without owning the running call.
    NoCall,
    NotCheckedIn,
    AlreadyCheckedIn,
}

impl Refusal {
    pub fn is_abuse(self) -> bool {
        matches!(self, Self::NotProvider | Self::NotAdmitted | Self::NotPatient | Self::AlreadyCheckedIn)
    }

    fn code(self) -> ErrorCode {
        match self {
            Self::NotProvider | Self::NotAdmitted | Self::NotPatient => ErrorCode::NotAllowed,
            Self::NoCall => ErrorCode::NoCall,
            Self::NotCheckedIn => ErrorCode::NotCheckedIn,
            Self::AlreadyCheckedIn => ErrorCode::AlreadyCheckedIn,
        }
    }
}

/// An action the caller must carry out after an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send { to: ConnId, message: ServerMessage },
    /// Close the connection after sending what was queued for it.
    Close { conn: ConnId },
    /// A message was rejected; log it (without names) and count it against the sender.
    Refused { conn: ConnId, refusal: Refusal },
    CallStarted { call: CallId, at: Millis },
    CallEnded { call: CallId, started_at: Millis, ended_at: Millis, reason: EndReason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Provider,
    /// A patient page; `None` until it checks in or resumes.
    Patient(Option<PatientId>),
}

#[derive(Debug)]
struct Patient {
    name: DisplayName,
    client: ClientKey,
    token: RejoinToken,
    waiting_since: Millis,
    conn: Option<ConnId>,
    disconnected_at: Option<Millis>,
}

#[derive(Debug)]
struct Call {
    id: CallId,
    patient: PatientId,
    patient_conn: ConnId,
    provider_conn: ConnId,
    started_at: Millis,
}

/// The waiting room and call state of one provider's room.
#[derive(Debug)]
pub struct Room {
    limits: Limits,
    conns: HashMap<ConnId, Role>,
    /// The client network of each patient connection.
    clients: HashMap<ConnId, ClientKey>,
    /// Waiting patients and the patient in the call, ordered by check-in.
    patients: BTreeMap<PatientId, Patient>,
    call: Option<Call>,
    next_patient: u64,
    next_call: u64,
}

impl Room {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            conns: HashMap::new(),
            clients: HashMap::new(),
            patients: BTreeMap::new(),
            call: None,
            next_patient: 1,
            next_call: 1,
        }
    }

    /// True when nothing is connected and nobody waits, so the room can be dropped.
    pub fn is_idle(&self) -> bool {
        self.conns.is_empty() && self.patients.is_empty() && self.call.is_none()
    }

    pub fn waiting_count(&self) -> usize {
        self.patients.len() - usize::from(self.call.is_some())
    }

    pub fn provider_connected(&mut self, conn: ConnId) -> Vec<Effect> {
        self.conns.insert(conn, Role::Provider);
        vec![Effect::Send { to: conn, message: self.queue_message() }]
    }

    pub fn patient_connected(&mut self, conn: ConnId, client: ClientKey) -> Vec<Effect> {
        self.conns.insert(conn, Role::Patient(None));
        self.clients.insert(conn, client);
        Vec::new()
    }

    /// Handle one decoded message from `conn`. `fresh_token` is used only when
    /// the message is a check-in; the caller draws it from a secure random source.
    pub fn handle(
        &mut self,
        conn: ConnId,
        message: ClientMessage,
        now: Millis,
        fresh_token: impl FnOnce() -> RejoinToken,
    ) -> Vec<Effect> {
        let Some(&role) = self.conns.get(&conn) else {
            return Vec::new();
        };
        let mut out = Vec::new();

        match (role, message) {
            (Role::Patient(None), ClientMessage::CheckIn { name }) => {
                self.check_in(conn, &name, now, fresh_token(), &mut out)
            }
            (Role::Patient(None), ClientMessage::Resume { token }) => {
                self.resume(conn, &token, &mut out)
            }
            (Role::Patient(Some(_)), ClientMessage::CheckIn { .. } | ClientMessage::Resume { .. }) => {
                refuse(conn, Refusal::AlreadyCheckedIn, &mut out)
            }
            (Role::Patient(None), ClientMessage::Leave { .. }) => refuse(conn, Refusal::NotCheckedIn, &mut out),
            (Role::Patient(Some(patient)), ClientMessage::Leave { .. }) => {
                self.send_away(patient, EndReason::Left, now, &mut out)
            }
            (Role::Patient(_), ClientMessage::Admit { .. } | ClientMessage::Remove { .. }) => {
                refuse(conn, Refusal::NotProvider, &mut out)
            }
            (Role::Provider, ClientMessage::CheckIn { .. } | ClientMessage::Resume { .. } | ClientMessage::Leave { .. }) => {
                refuse(conn, Refusal::NotPatient, &mut out)
            }
            (Role::Provider, ClientMessage::Admit { patient }) => self.admit(conn, patient, now, &mut out),
            (Role::Provider, ClientMessage::Remove { patient }) => {
                if self.patients.contains_key(&patient) {
                    self.send_away(patient, EndReason::Removed, now, &mut out);
                } else {
                    send_error(conn, ErrorCode::UnknownPatient, &mut out);
                }
            }
            (_, ClientMessage::HangUp { .. }) => match self.peer_of(conn) {
                Ok(_) => self.end_call(EndReason::HungUp, now, &mut out),
                Err(refusal) => refuse(conn, refusal, &mut out),
            },
            (_, call_message) => match self.peer_of(conn) {
                Ok(peer) => {
                    if let Some(message) = relayed(call_message) {
                        out.push(Effect::Send { to: peer, message });
                    }
                }
                Err(refusal) => refuse(conn, refusal, &mut out),
            },
        }
        out
    }

    /// Handle a closed connection.
    pub fn disconnected(&mut self, conn: ConnId, now: Millis) -> Vec<Effect> {
        let mut out = Vec::new();
        self.clients.remove(&conn);
        let Some(role) = self.conns.remove(&conn) else {
            return out;
        };

        match role {
            Role::Provider => {
                if self.call.as_ref().is_some_and(|call| call.provider_conn == conn) {
                    self.end_call(EndReason::ProviderLeft, now, &mut out);
                }
            }
            Role::Patient(None) => {}
            Role::Patient(Some(patient)) => {
                if self.call.as_ref().is_some_and(|call| call.patient == patient) {
                    self.end_call(EndReason::PatientLeft, now, &mut out);
                } else if let Some(entry) = self.patients.get_mut(&patient) {
                    entry.conn = None;
                    entry.disconnected_at = Some(now);
                    self.push_queue(&mut out);
                }
            }
        }
        out
    }

    /// Drop waiting patients whose grace period for a reload has run out.
    pub fn tick(&mut self, now: Millis) -> Vec<Effect> {
        let grace = self.limits.rejoin_grace_ms;
        let before = self.patients.len();
        self.patients.retain(|_, patient| {
            patient.disconnected_at.is_none_or(|since| now.saturating_sub(since) < grace)
        });

        let mut out = Vec::new();
        if self.patients.len() != before {
            self.push_queue(&mut out);
        }
        out
    }

    /// End the running call and close every connection, for a server shutdown.
    pub fn close_all(&mut self, now: Millis) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.call.is_some() {
            self.end_call(EndReason::ProviderLeft, now, &mut out);
        }
        for conn in self.conns.keys() {
            out.push(Effect::Close { conn: *conn });
        }
        out
    }

    fn check_in(&mut self, conn: ConnId, name: &str, now: Millis, token: RejoinToken, out: &mut Vec<Effect>) {
        let Ok(name) = DisplayName::parse(name) else {
            return send_error(conn, ErrorCode::InvalidName, out);
        };
        if self.waiting_count() >= self.limits.max_waiting {
            return send_error(conn, ErrorCode::QueueFull, out);
        }
        let client = self.clients.get(&conn).copied().unwrap_or_default();
        let from_client = self.patients.values().filter(|patient| patient.client == client).count();
        if from_client >= self.limits.max_waiting_per_client {
            return send_error(conn, ErrorCode::RateLimited, out);
        }

        let id = PatientId(self.next_patient);
        self.next_patient += 1;
        self.patients.insert(id, Patient {
            name,
            client,
            token: token.clone(),
            waiting_since: now,
            conn: Some(conn),
            disconnected_at: None,
        });
        self.conns.insert(conn, Role::Patient(Some(id)));

        out.push(Effect::Send { to: conn, message: ServerMessage::CheckedIn { token: token.0 } });
        out.push(Effect::Send { to: conn, message: ServerMessage::Status { state: PatientStatus::Waiting } });
        self.push_queue(out);
    }

    fn resume(&mut self, conn: ConnId, token: &str, out: &mut Vec<Effect>) {
        // The patient in the call cannot resume: its call ended with its connection.
        let in_call = self.call.as_ref().map(|call| call.patient);
        let found = self
            .patients
            .iter_mut()
            .filter(|(id, _)| Some(**id) != in_call)
            .find(|(_, patient)| constant_time_eq(patient.token.0.as_bytes(), token.as_bytes()));
        let Some((&id, patient)) = found else {
            return send_error(conn, ErrorCode::ResumeFailed, out);
        };

        if let Some(old) = patient.conn.replace(conn) {
            self.conns.remove(&old);
            out.push(Effect::Send { to: old, message: ServerMessage::CallEnded { reason: EndReason::Replaced } });
            out.push(Effect::Close { conn: old });
        }
        patient.disconnected_at = None;
        self.conns.insert(conn, Role::Patient(Some(id)));

        out.push(Effect::Send { to: conn, message: ServerMessage::Status { state: PatientStatus::Waiting } });
        self.push_queue(out);
    }

    fn admit(&mut self, provider_conn: ConnId, patient: PatientId, now: Millis, out: &mut Vec<Effect>) {
        if self.call.is_some() {
            return send_error(provider_conn, ErrorCode::CallInProgress, out);
        }
        let Some(entry) = self.patients.get(&patient) else {
            return send_error(provider_conn, ErrorCode::UnknownPatient, out);
        };
        let Some(patient_conn) = entry.conn else {
            return send_error(provider_conn, ErrorCode::PatientNotConnected, out);
        };

        let id = CallId(self.next_call);
        self.next_call += 1;
        self.call = Some(Call { id, patient, patient_conn, provider_conn, started_at: now });

        out.push(Effect::CallStarted { call: id, at: now });
        // The patient is polite: when both sides offer at once, the patient's
        // browser rolls back and takes the provider's offer.
        out.push(Effect::Send {
            to: patient_conn,
            message: ServerMessage::CallStarted { call: id, polite: true, ice_servers: Vec::new() },
        });
        out.push(Effect::Send {
            to: provider_conn,
            message: ServerMessage::CallStarted { call: id, polite: false, ice_servers: Vec::new() },
        });
        self.push_queue(out);
    }

    /// Remove a patient from the room, ending their call if they are in it.
    fn send_away(&mut self, patient: PatientId, reason: EndReason, now: Millis, out: &mut Vec<Effect>) {
        if self.call.as_ref().is_some_and(|call| call.patient == patient) {
            return self.end_call(reason, now, out);
        }
        let Some(entry) = self.patients.remove(&patient) else {
            return;
        };
        if let Some(conn) = entry.conn {
            self.conns.remove(&conn);
            out.push(Effect::Send { to: conn, message: ServerMessage::CallEnded { reason } });
            out.push(Effect::Close { conn });
        }
        self.push_queue(out);
    }

    fn end_call(&mut self, reason: EndReason, now: Millis, out: &mut Vec<Effect>) {
        let Some(call) = self.call.take() else {
            return;
        };
        self.patients.remove(&call.patient);

        out.push(Effect::CallEnded { call: call.id, started_at: call.started_at, ended_at: now, reason });
        if self.conns.remove(&call.patient_conn).is_some() {
            out.push(Effect::Send { to: call.patient_conn, message: ServerMessage::CallEnded { reason } });
            out.push(Effect::Close { conn: call.patient_conn });
        }
        if self.conns.contains_key(&call.provider_conn) {
            out.push(Effect::Send { to: call.provider_conn, message: ServerMessage::CallEnded { reason } });
        }
        self.push_queue(out);
    }

    /// Return the other participant of the running call, if `conn` is in it.
    fn peer_of(&self, conn: ConnId) -> Result<ConnId, Refusal> {
        let role = self.conns.get(&conn).copied();
        match (&self.call, role) {
            (Some(call), _) if call.provider_conn == conn => Ok(call.patient_conn),
            (Some(call), _) if call.patient_conn == conn => Ok(call.provider_conn),
            (_, Some(Role::Provider)) => Err(Refusal::NoCall),
            _ => Err(Refusal::NotAdmitted),
        }
    }

    fn queue_message(&self) -> ServerMessage {
        let in_call = self.call.as_ref().map(|call| call.patient);
        let patients = self
            .patients
            .iter()
            .filter(|(id, _)| Some(**id) != in_call)
            .map(|(id, patient)| QueueEntry {
                id: *id,
                name: patient.name.expose().to_owned(),
                waiting_since: patient.waiting_since,
                connected: patient.conn.is_some(),
            })
            .collect();
        let call = self.call.as_ref().map(|call| CallSummary {
            id: call.id,
            patient: call.patient,
            name: self.patients.get(&call.patient).map(|p| p.name.expose().to_owned()).unwrap_or_default(),
            started_at: call.started_at,
        });
        ServerMessage::Queue { patients, call }
    }

    /// Send the queue to every provider connection, and to nobody else.
    fn push_queue(&self, out: &mut Vec<Effect>) {
        let mut providers: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, role)| **role == Role::Provider)
            .map(|(conn, _)| *conn)
            .collect();
        if providers.is_empty() {
            return;
        }
        providers.sort();
        let message = self.queue_message();
        for conn in providers {
            out.push(Effect::Send { to: conn, message: message.clone() });
        }
    }
}

/// Return the message for the peer of a call message, or `None` for other messages.
fn relayed(message: ClientMessage) -> Option<ServerMessage> {
    match message {
        ClientMessage::Description { description } => Some(ServerMessage::Description { description }),
        ClientMessage::Candidate { candidate } => Some(ServerMessage::Candidate { candidate }),
        ClientMessage::MediaState { audio, video, screen } => {
            Some(ServerMessage::MediaState { audio, video, screen })
        }
        _ => None,
    }
}

fn refuse(conn: ConnId, refusal: Refusal, out: &mut Vec<Effect>) {
    out.push(Effect::Refused { conn, refusal });
    send_error(conn, refusal.code(), out);
}

fn send_error(conn: ConnId, code: ErrorCode, out: &mut Vec<Effect>) {
    out.push(Effect::Send { to: conn, message: ServerMessage::Error { code } });
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
