//! One provider's room: the waiting queue and the running call.
//!
//! `Room` is a state machine with no I/O. The caller feeds it events
//! (a connection opened, a message arrived, a connection closed, time passed)
//! together with the current time, and gets back the effects to carry out:
//! which message to send on which connection, which connection to close, and
//! which call started or ended. Every decision about who may talk to whom is
//! made here, from the connection an event came on.
//!
//! A lost connection does not end a visit at once. The room hands every
//! patient, and the provider during a call, a [`Ticket`] that the caller signs.
//! With it, a new connection takes back the queue place or its side of the
//! call within the grace period, on this server or on a restarted one. Meanwhile the call's media keep flowing between the two browsers.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::protocol::{
    CallId, CallSummary, ClientMessage, EndReason, ErrorCode, PatientId, PatientStatus,
    QueueEntry, ServerMessage,
};
use super::validate::{DisplayName, WaitingNote};

/// An opaque key for the client network a patient connects from, such as a
/// hash of the IP address; the room only compares keys.
pub type ClientKey = u64;

/// Identifier of one WebSocket connection, unique within the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// Unix time in milliseconds.
pub type Millis = u64;

/// Messages kept for a call participant whose connection is away. Enough for
/// an ICE restart (an offer and its candidates); more are dropped.
const MAX_PENDING: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum number of patients waiting at once.
    pub max_waiting: usize,
    /// Maximum number of patients waiting at once from one client network,
    /// so that one address cannot fill a room.
    pub max_waiting_per_client: usize,
    /// How long a disconnected patient keeps their place, and a call its
    /// disconnected side; also how long a ticket stays valid.
    pub rejoin_grace_ms: Millis,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_waiting: 50, max_waiting_per_client: 5, rejoin_grace_ms: 120_000 }
    }
}

/// The role of the connection a ticket was issued to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketRole {
    Patient,
    Provider,
}

/// The call a ticket lets its holder return to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallClaim {
    pub id: CallId,
    pub started_at: Millis,
}

/// The claims of a ticket the room hands out. The caller signs it for the
/// room's provider, and checks the signature, the room and the expiry before
/// passing it back in. The room trusts nothing else a client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    pub role: TicketRole,
    pub patient: PatientId,
    pub waiting_since: Millis,
    pub call: Option<CallClaim>,
    pub expires: Millis,
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
    /// Sign the ticket and send it to the connection as a `ticket` message.
    Ticket { to: ConnId, ticket: Ticket },
    /// Close the connection after sending what was queued for it.
    Close { conn: ConnId },
    /// A message was rejected; log it (without names) and count it against the sender.
    Refused { conn: ConnId, refusal: Refusal },
    CallStarted { call: CallId, at: Millis },
    /// A participant took back a side of a call, which this room may have
    /// known before or learns of only now, after a restart.
    CallResumed { call: CallId },
    /// A patient's visit ended, with their call if any: tickets naming them
    /// must be refused until `until`, also by a restarted server, so the
    /// caller keeps this beyond the room's memory.
    VisitEnded { patient: PatientId, call: Option<CallId>, until: Millis },
    /// Record the call as lasting at least until `until`; repeated for the
    /// same call, the longest record wins. `ended` is `None` when the call
    /// goes on without this server, which shuts down.
    CallRecord { call: CallId, started_at: Millis, until: Millis, ended: Option<EndReason> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Provider,
    /// A patient page; `None` until it checks in or resumes.
    Patient(Option<PatientId>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Patient,
    Provider,
}

#[derive(Debug)]
struct Patient {
    name: DisplayName,
    client: ClientKey,
    waiting_since: Millis,
    conn: Option<ConnId>,
    disconnected_at: Option<Millis>,
    /// When this patient's current ticket was issued.
    ticket_issued_at: Millis,
    /// The provider's note to this patient, shown on the waiting page.
    note: Option<WaitingNote>,
    /// Place in the order patients entered this room, for check-ins in the
    /// same millisecond, because numbers are not in that order.
    arrival: u64,
}

#[derive(Debug)]
struct Call {
    id: CallId,
    patient: PatientId,
    patient_conn: Option<ConnId>,
    provider_conn: Option<ConnId>,
    started_at: Millis,
    /// Since when a side has been away, if one is.
    away_since: Option<Millis>,
    /// Messages for the side that is away, in order.
    pending: Vec<(Side, ServerMessage)>,
    /// When the provider's current call ticket was issued.
    provider_ticket_issued_at: Millis,
}

impl Call {
    /// Creates a call that this room learns of from a ticket, with both
    /// sides away until they resume.
    fn taken_up(claim: CallClaim, patient: PatientId, now: Millis) -> Self {
        Self {
            id: claim.id,
            patient,
            patient_conn: None,
            provider_conn: None,
            started_at: claim.started_at,
            away_since: Some(now),
            pending: Vec::new(),
            provider_ticket_issued_at: now,
        }
    }

    fn conn(&self, side: Side) -> Option<ConnId> {
        match side {
            Side::Patient => self.patient_conn,
            Side::Provider => self.provider_conn,
        }
    }

    fn side_of(&self, conn: ConnId) -> Option<Side> {
        if self.patient_conn == Some(conn) {
            Some(Side::Patient)
        } else if self.provider_conn == Some(conn) {
            Some(Side::Provider)
        } else {
            None
        }
    }

    fn claim(&self) -> CallClaim {
        CallClaim { id: self.id, started_at: self.started_at }
    }
}

/// The waiting room and call state of one provider's room.
#[derive(Debug)]
pub struct Room {
    limits: Limits,
    conns: HashMap<ConnId, Role>,
    /// The client network of each patient connection.
    clients: HashMap<ConnId, ClientKey>,
    /// Waiting patients and the patient in the call.
    patients: BTreeMap<PatientId, Patient>,
    call: Option<Call>,
    /// Patients whose visit ended, and calls that ended, until any ticket
    /// naming them has expired, so a ticket cannot bring them back.
    ended_patients: HashMap<PatientId, Millis>,
    ended_calls: HashMap<CallId, Millis>,
    next_id: u64,
    /// With a key, numbers are the counter under a keyed permutation.
    id_key: Option<[u8; 32]>,
    next_arrival: u64,
}

impl Room {
    pub fn new(limits: Limits) -> Self {
        Self::with_first_id(limits, 1)
    }

    /// Creates a room whose patient and call numbers start at `first_id`.
    /// The caller picks it at random, so that numbers from tickets of an
    /// earlier server process do not collide with new ones.
    pub fn with_first_id(limits: Limits, first_id: u64) -> Self {
        Self {
            limits,
            conns: HashMap::new(),
            clients: HashMap::new(),
            patients: BTreeMap::new(),
            call: None,
            ended_patients: HashMap::new(),
            ended_calls: HashMap::new(),
            next_id: first_id,
            id_key: None,
            next_arrival: 0,
        }
    }

    /// Creates a room whose patient and call numbers are unique in the room
    /// but look random below 2^52: the room's counter under a permutation
    /// keyed with `key`. A patient who checks in twice then cannot tell from
    /// the two numbers how many visits came in between. The caller picks the
    /// key at random, which also keeps new numbers apart from those in
    /// tickets of an earlier server process.
    pub fn with_id_key(limits: Limits, key: [u8; 32]) -> Self {
        Self { id_key: Some(key), ..Self::with_first_id(limits, 1) }
    }

    /// True when nothing is connected and nobody waits, so the room can be dropped.
    pub fn is_idle(&self) -> bool {
        self.conns.is_empty() && self.patients.is_empty() && self.call.is_none()
    }

    pub fn waiting_count(&self) -> usize {
        let in_call = self.call.as_ref().is_some_and(|call| self.patients.contains_key(&call.patient));
        self.patients.len() - usize::from(in_call)
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

    /// Handle one decoded message from `conn`. Resumptions carry a ticket the
    /// caller must check first; they go to [`Room::resume`] and
    /// [`Room::resume_call`] instead.
    pub fn handle(&mut self, conn: ConnId, message: ClientMessage, now: Millis) -> Vec<Effect> {
        let Some(&role) = self.conns.get(&conn) else {
            return Vec::new();
        };
        let mut out = Vec::new();

        match (role, message) {
            (Role::Patient(None), ClientMessage::CheckIn { name }) => self.check_in(conn, &name, now, &mut out),
            (Role::Patient(Some(_)), ClientMessage::CheckIn { .. } | ClientMessage::Resume { .. }) => {
                refuse(conn, Refusal::AlreadyCheckedIn, &mut out)
            }
            (Role::Patient(None), ClientMessage::Resume { .. }) | (Role::Provider, ClientMessage::ResumeCall { .. }) => {
                send_error(conn, ErrorCode::ResumeFailed, &mut out)
            }
            (Role::Patient(None), ClientMessage::Leave { .. }) => refuse(conn, Refusal::NotCheckedIn, &mut out),
            (Role::Patient(Some(patient)), ClientMessage::Leave { .. }) => {
                self.send_away(patient, EndReason::Left, now, &mut out)
            }
            (
                Role::Patient(_),
                ClientMessage::Admit { .. }
                | ClientMessage::Remove { .. }
                | ClientMessage::NotePatient { .. }
                | ClientMessage::ResumeCall { .. },
            ) => refuse(conn, Refusal::NotProvider, &mut out),
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
            (Role::Provider, ClientMessage::NotePatient { patient, text }) => {
                self.note_patient(conn, patient, &text, &mut out)
            }
            (_, ClientMessage::HangUp { .. }) => match self.call_side(conn) {
                Ok(_) => self.end_call(EndReason::HungUp, now, &mut out),
                Err(refusal) => refuse(conn, refusal, &mut out),
            },
            (_, call_message) => match self.call_side(conn) {
                Ok(side) => {
                    if let Some(message) = relayed(call_message) {
                        self.relay(other(side), message, &mut out);
                    }
                }
                Err(refusal) => refuse(conn, refusal, &mut out),
            },
        }
        out
    }

    /// Gives a patient connection back its queue place or its side of the
    /// call, from a ticket the caller has checked. `name` is used only when
    /// this room does not know the patient, after a restart.
    pub fn resume(&mut self, conn: ConnId, ticket: Ticket, name: &str, now: Millis) -> Vec<Effect> {
        let mut out = Vec::new();
        match self.conns.get(&conn) {
            Some(Role::Patient(None)) => {}
            Some(Role::Patient(Some(_))) => {
                refuse(conn, Refusal::AlreadyCheckedIn, &mut out);
                return out;
            }
            Some(Role::Provider) => {
                refuse(conn, Refusal::NotPatient, &mut out);
                return out;
            }
            None => return out,
        }
        let usable = ticket.role == TicketRole::Patient
            && ticket.expires > now
            && !self.ended_patients.contains_key(&ticket.patient)
            && ticket.call.is_none_or(|claim| !self.ended_calls.contains_key(&claim.id));
        if !usable {
            send_error(conn, ErrorCode::ResumeFailed, &mut out);
            return out;
        }

        let in_call = self.call.as_ref().is_some_and(|call| call.patient == ticket.patient);
        if let Some(claim) = ticket.call.filter(|_| !in_call) {
            if self.call.is_some() {
                // Another call runs, so the ticket's call is over.
                send_error(conn, ErrorCode::ResumeFailed, &mut out);
                return out;
            }
            // The call was held by a server that is gone: take it up again.
            self.call = Some(Call::taken_up(claim, ticket.patient, now));
        }

        if !self.patients.contains_key(&ticket.patient) {
            if let Err(code) = self.admissible(conn, name) {
                self.call.take_if(|call| call.patient == ticket.patient && call.patient_conn.is_none() && call.provider_conn.is_none());
                send_error(conn, code, &mut out);
                return out;
            }
            let name = DisplayName::parse(name).expect("admissible() checked the name");
            let client = self.clients.get(&conn).copied().unwrap_or_default();
            let arrival = self.next_arrival();
            self.patients.insert(ticket.patient, Patient {
                name,
                client,
                waiting_since: ticket.waiting_since,
                conn: None,
                disconnected_at: None,
                ticket_issued_at: now,
                note: None,
                arrival,
            });
        }

        let entry = self.patients.get_mut(&ticket.patient).expect("inserted above");
        if let Some(old) = entry.conn.replace(conn) {
            self.conns.remove(&old);
            out.push(Effect::Send { to: old, message: ServerMessage::CallEnded { reason: EndReason::Replaced } });
            out.push(Effect::Close { conn: old });
        }
        entry.disconnected_at = None;
        self.conns.insert(conn, Role::Patient(Some(ticket.patient)));

        match self.call.as_mut().filter(|call| call.patient == ticket.patient) {
            Some(call) => {
                let call_id = call.id;
                let knew_call = ticket.call.is_some_and(|claim| claim.id == call_id);
                call.patient_conn = Some(conn);
                out.push(Effect::CallResumed { call: call_id });
                if knew_call {
                    out.push(Effect::Send { to: conn, message: ServerMessage::CallResumed {} });
                } else {
                    // The call started while this patient's connection was away,
                    // before call_started reached it: the page starts the call now.
                    out.push(Effect::Send { to: conn, message: call_started(call_id, Side::Patient) });
                }
                self.side_returned(Side::Patient, now, &mut out);
            }
            None => {
                let note = entry.note.as_ref().map(|note| note.as_str().to_owned());
                out.push(Effect::Send { to: conn, message: ServerMessage::Status { state: PatientStatus::Waiting, note } });
            }
        }
        self.issue_patient_ticket(ticket.patient, now, &mut out);
        self.push_queue(&mut out);
        out
    }

    /// Gives a provider connection back the provider's side of a call, from
    /// a ticket of that call the caller has checked.
    pub fn resume_call(&mut self, conn: ConnId, ticket: Ticket, now: Millis) -> Vec<Effect> {
        let mut out = Vec::new();
        match self.conns.get(&conn) {
            Some(Role::Provider) => {}
            Some(Role::Patient(_)) => {
                refuse(conn, Refusal::NotProvider, &mut out);
                return out;
            }
            None => return out,
        }
        let claim = match ticket.call {
            Some(claim) if ticket.role == TicketRole::Provider && ticket.expires > now => claim,
            _ => {
                send_error(conn, ErrorCode::ResumeFailed, &mut out);
                return out;
            }
        };
        if self.ended_calls.contains_key(&claim.id) || self.call.as_ref().is_some_and(|call| call.id != claim.id) {
            send_error(conn, ErrorCode::ResumeFailed, &mut out);
            return out;
        }

        let call = self.call.get_or_insert_with(|| Call::taken_up(claim, ticket.patient, now));
        call.provider_conn = Some(conn);
        out.push(Effect::CallResumed { call: call.id });
        out.push(Effect::Send { to: conn, message: ServerMessage::CallResumed {} });
        self.side_returned(Side::Provider, now, &mut out);
        self.issue_provider_ticket(now, &mut out);
        self.push_queue(&mut out);
        out
    }

    /// Handle a closed connection. A call participant's side stays open for
    /// the grace period, so the participant can come back with its ticket.
    pub fn disconnected(&mut self, conn: ConnId, now: Millis) -> Vec<Effect> {
        let mut out = Vec::new();
        self.clients.remove(&conn);
        let Some(role) = self.conns.remove(&conn) else {
            return out;
        };

        if let Some(call) = self.call.as_mut()
            && let Some(side) = call.side_of(conn)
        {
            match side {
                Side::Patient => call.patient_conn = None,
                Side::Provider => call.provider_conn = None,
            }
            call.away_since.get_or_insert(now);
        }
        if let Role::Patient(Some(patient)) = role {
            let in_call = self.call.as_ref().is_some_and(|call| call.patient == patient);
            if let Some(entry) = self.patients.get_mut(&patient).filter(|entry| entry.conn == Some(conn)) {
                entry.conn = None;
                entry.disconnected_at = Some(now);
                // The queue lists waiting patients only.
                if !in_call {
                    self.push_queue(&mut out);
                }
            }
        }
        out
    }

    /// Drop waiting patients whose grace period has run out, end a call whose
    /// missing side did not come back in time, and renew tickets.
    pub fn tick(&mut self, now: Millis) -> Vec<Effect> {
        let grace = self.limits.rejoin_grace_ms;
        let mut out = Vec::new();

        let away_too_long = self
            .call
            .as_ref()
            .and_then(|call| call.away_since)
            .is_some_and(|since| now.saturating_sub(since) >= grace);
        if away_too_long {
            let reason = match self.call.as_ref().map(|call| call.patient_conn.is_none()) {
                Some(true) => EndReason::PatientLeft,
                _ => EndReason::ProviderLeft,
            };
            self.end_call(reason, now, &mut out);
        }

        let in_call = self.call.as_ref().map(|call| call.patient);
        let before = self.patients.len();
        let mut expired = Vec::new();
        self.patients.retain(|id, patient| {
            let keep = Some(*id) == in_call
                || patient.disconnected_at.is_none_or(|since| now.saturating_sub(since) < grace);
            if !keep {
                expired.push(*id);
            }
            keep
        });
        for id in expired {
            self.ended_patients.insert(id, now + grace);
        }
        if self.patients.len() != before {
            self.push_queue(&mut out);
        }

        // Renew tickets a third of the way into their life, so a page that
        // loses its connection has one that is valid for most of the grace period.
        let renew_after = grace / 3;
        let due: Vec<PatientId> = self
            .patients
            .iter()
            .filter(|(_, patient)| patient.conn.is_some() && now.saturating_sub(patient.ticket_issued_at) >= renew_after)
            .map(|(id, _)| *id)
            .collect();
        for patient in due {
            self.issue_patient_ticket(patient, now, &mut out);
        }
        let provider_due = self
            .call
            .as_ref()
            .is_some_and(|call| call.provider_conn.is_some() && now.saturating_sub(call.provider_ticket_issued_at) >= renew_after);
        if provider_due {
            self.issue_provider_ticket(now, &mut out);
        }

        self.ended_patients.retain(|_, until| *until > now);
        self.ended_calls.retain(|_, until| *until > now);
        out
    }

    /// For a server that shuts down: record how long the running call has
    /// lasted so far, and close every connection. The call itself goes on
    /// between the browsers, which resume it on the next server.
    pub fn shut_down(&mut self, now: Millis) -> Vec<Effect> {
        let mut out = Vec::new();
        if let Some(call) = &self.call {
            out.push(Effect::CallRecord { call: call.id, started_at: call.started_at, until: now, ended: None });
        }
        let mut conns: Vec<ConnId> = self.conns.keys().copied().collect();
        conns.sort();
        out.extend(conns.into_iter().map(|conn| Effect::Close { conn }));
        out
    }

    fn next_arrival(&mut self) -> u64 {
        self.next_arrival += 1;
        self.next_arrival
    }

    #[cfg(test)]
    pub(crate) fn fresh_id_for_tests(&mut self) -> u64 {
        self.fresh_id()
    }

    fn fresh_id(&mut self) -> u64 {
        loop {
            let count = self.next_id;
            self.next_id += 1;
            let id = match &self.id_key {
                Some(key) => permute_id(key, count),
                None => count,
            };
            // Zero is no number browsers should meet; skip it.
            if id != 0 {
                return id;
            }
        }
    }

    /// Checks that a new patient with this name may enter the queue from `conn`.
    fn admissible(&self, conn: ConnId, name: &str) -> Result<(), ErrorCode> {
        DisplayName::parse(name).map_err(|_| ErrorCode::InvalidName)?;
        if self.waiting_count() >= self.limits.max_waiting {
            return Err(ErrorCode::QueueFull);
        }
        let client = self.clients.get(&conn).copied().unwrap_or_default();
        let from_client = self.patients.values().filter(|patient| patient.client == client).count();
        if from_client >= self.limits.max_waiting_per_client {
            return Err(ErrorCode::RateLimited);
        }
        Ok(())
    }

    fn check_in(&mut self, conn: ConnId, name: &str, now: Millis, out: &mut Vec<Effect>) {
        if let Err(code) = self.admissible(conn, name) {
            return send_error(conn, code, out);
        }
        let name = DisplayName::parse(name).expect("admissible() checked the name");
        let client = self.clients.get(&conn).copied().unwrap_or_default();

        let id = PatientId(self.fresh_id());
        let arrival = self.next_arrival();
        self.patients.insert(id, Patient {
            name,
            client,
            waiting_since: now,
            conn: Some(conn),
            disconnected_at: None,
            ticket_issued_at: now,
            note: None,
            arrival,
        });
        self.conns.insert(conn, Role::Patient(Some(id)));

        self.issue_patient_ticket(id, now, out);
        out.push(Effect::Send { to: conn, message: ServerMessage::Status { state: PatientStatus::Waiting, note: None } });
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

        let id = CallId(self.fresh_id());
        self.call = Some(Call {
            id,
            patient,
            patient_conn: Some(patient_conn),
            provider_conn: Some(provider_conn),
            started_at: now,
            away_since: None,
            pending: Vec::new(),
            provider_ticket_issued_at: now,
        });

        out.push(Effect::CallStarted { call: id, at: now });
        // The tickets go first, so a page has one as soon as its call starts.
        self.issue_patient_ticket(patient, now, out);
        self.issue_provider_ticket(now, out);
        out.push(Effect::Send { to: patient_conn, message: call_started(id, Side::Patient) });
        out.push(Effect::Send { to: provider_conn, message: call_started(id, Side::Provider) });
        self.push_queue(out);
    }

    fn note_patient(&mut self, provider_conn: ConnId, patient: PatientId, text: &str, out: &mut Vec<Effect>) {
        let Ok(note) = WaitingNote::parse(text) else {
            return send_error(provider_conn, ErrorCode::InvalidNote, out);
        };
        let in_call = self.call.as_ref().is_some_and(|call| call.patient == patient);
        let Some(entry) = self.patients.get_mut(&patient).filter(|_| !in_call) else {
            return send_error(provider_conn, ErrorCode::UnknownPatient, out);
        };
        let message = ServerMessage::Status { state: PatientStatus::Waiting, note: Some(note.as_str().to_owned()) };
        entry.note = Some(note);
        if let Some(conn) = entry.conn {
            out.push(Effect::Send { to: conn, message });
        }
    }

    /// Remove a patient from the room, ending their call if they are in it.
    fn send_away(&mut self, patient: PatientId, reason: EndReason, now: Millis, out: &mut Vec<Effect>) {
        if self.call.as_ref().is_some_and(|call| call.patient == patient) {
            return self.end_call(reason, now, out);
        }
        let Some(entry) = self.patients.remove(&patient) else {
            return;
        };
        let until = now + self.limits.rejoin_grace_ms;
        self.ended_patients.insert(patient, until);
        out.push(Effect::VisitEnded { patient, call: None, until });
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
        let until = now + self.limits.rejoin_grace_ms;
        self.patients.remove(&call.patient);
        self.ended_patients.insert(call.patient, until);
        self.ended_calls.insert(call.id, until);
        out.push(Effect::VisitEnded { patient: call.patient, call: Some(call.id), until });

        out.push(Effect::CallRecord { call: call.id, started_at: call.started_at, until: now, ended: Some(reason) });
        if let Some(conn) = call.patient_conn
            && self.conns.remove(&conn).is_some()
        {
            out.push(Effect::Send { to: conn, message: ServerMessage::CallEnded { reason } });
            out.push(Effect::Close { conn });
        }
        if let Some(conn) = call.provider_conn.filter(|conn| self.conns.contains_key(conn)) {
            out.push(Effect::Send { to: conn, message: ServerMessage::CallEnded { reason } });
        }
        self.push_queue(out);
    }

    /// Send a message to one side of the call, or keep it while that side is away.
    fn relay(&mut self, to: Side, message: ServerMessage, out: &mut Vec<Effect>) {
        let Some(call) = self.call.as_mut() else {
            return;
        };
        match call.conn(to) {
            Some(conn) => out.push(Effect::Send { to: conn, message }),
            None if call.pending.len() < MAX_PENDING => call.pending.push((to, message)),
            None => {}
        }
    }

    /// Deliver what the returning side missed, and note whether the call is whole again.
    fn side_returned(&mut self, side: Side, now: Millis, out: &mut Vec<Effect>) {
        let Some(call) = self.call.as_mut() else {
            return;
        };
        let conn = call.conn(side).expect("the returning side has a connection");
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut call.pending).into_iter().partition(|(to, _)| *to == side);
        call.pending = rest;
        out.extend(mine.into_iter().map(|(_, message)| Effect::Send { to: conn, message }));
        let whole = call.patient_conn.is_some() && call.provider_conn.is_some();
        call.away_since = if whole { None } else { call.away_since.or(Some(now)) };
    }

    fn issue_patient_ticket(&mut self, patient: PatientId, now: Millis, out: &mut Vec<Effect>) {
        let call = self.call.as_ref().filter(|call| call.patient == patient).map(Call::claim);
        let expires = now + self.limits.rejoin_grace_ms;
        let Some(entry) = self.patients.get_mut(&patient) else {
            return;
        };
        entry.ticket_issued_at = now;
        if let Some(conn) = entry.conn {
            let ticket = Ticket { role: TicketRole::Patient, patient, waiting_since: entry.waiting_since, call, expires };
            out.push(Effect::Ticket { to: conn, ticket });
        }
    }

    fn issue_provider_ticket(&mut self, now: Millis, out: &mut Vec<Effect>) {
        let expires = now + self.limits.rejoin_grace_ms;
        let waiting_since = self.call.as_ref().and_then(|call| self.patients.get(&call.patient)).map_or(0, |p| p.waiting_since);
        let Some(call) = self.call.as_mut() else {
            return;
        };
        call.provider_ticket_issued_at = now;
        if let Some(conn) = call.provider_conn {
            let ticket = Ticket { role: TicketRole::Provider, patient: call.patient, waiting_since, call: Some(call.claim()), expires };
            out.push(Effect::Ticket { to: conn, ticket });
        }
    }

    /// Returns the side of the running call that `conn` has.
    fn call_side(&self, conn: ConnId) -> Result<Side, Refusal> {
        let role = self.conns.get(&conn).copied();
        match (self.call.as_ref().and_then(|call| call.side_of(conn)), role) {
            (Some(side), _) => Ok(side),
            (None, Some(Role::Provider)) => Err(Refusal::NoCall),
            _ => Err(Refusal::NotAdmitted),
        }
    }

    fn queue_message(&self) -> ServerMessage {
        let in_call = self.call.as_ref().map(|call| call.patient);
        let mut waiting: Vec<(&PatientId, &Patient)> = self.patients.iter().filter(|(id, _)| Some(**id) != in_call).collect();
        // Resumed patients keep their check-in time, so the order is by time, then by arrival here.
        waiting.sort_by_key(|(_, patient)| (patient.waiting_since, patient.arrival));
        let patients: Vec<QueueEntry> = waiting
            .into_iter()
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

    /// Returns the open connections of this room as (provider, patient) counts.
    pub fn connection_counts(&self) -> (usize, usize) {
        let providers = self.conns.values().filter(|role| **role == Role::Provider).count();
        (providers, self.conns.len() - providers)
    }

    /// True while this room has a call, including one whose sides are reconnecting.
    pub fn has_call(&self) -> bool {
        self.call.is_some()
    }
}

/// Bits in each half of a permuted number; two halves make 52 bits, which
/// browsers hold exactly as JavaScript numbers.
const ID_HALF_BITS: u32 = 26;

/// Maps `count` below 2^52 to a number below 2^52, one to one: a four-round
/// Feistel network whose round function is HMAC-SHA256 under `key`.
fn permute_id(key: &[u8; 32], count: u64) -> u64 {
    use hmac::{Hmac, KeyInit, Mac};
    let mask = (1u64 << ID_HALF_BITS) - 1;
    let (mut left, mut right) = ((count >> ID_HALF_BITS) & mask, count & mask);
    for round in 0u8..4 {
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(&[round]);
        mac.update(&right.to_le_bytes());
        let digest = mac.finalize().into_bytes();
        let mixed = u64::from_le_bytes(digest[..8].try_into().expect("SHA-256 gives 32 bytes")) & mask;
        (left, right) = (right, left ^ mixed);
    }
    (left << ID_HALF_BITS) | right
}

fn other(side: Side) -> Side {
    match side {
        Side::Patient => Side::Provider,
        Side::Provider => Side::Patient,
    }
}

/// Builds the call_started message for one side. The patient is polite: when both
/// sides offer at once, the patient's browser rolls back and takes the
/// provider's offer. The caller fills in the ICE servers per person.
fn call_started(call: CallId, side: Side) -> ServerMessage {
    ServerMessage::CallStarted { call, polite: side == Side::Patient, ice_servers: Vec::new(), relay_only: false }
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
