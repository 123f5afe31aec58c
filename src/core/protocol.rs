//! The WebSocket messages between browsers and the server.
//!
//! Every message is a JSON object with a `type` field. Decoding is strict:
//! unknown types, unknown fields and duplicate keys are errors, so a client
//! cannot smuggle data past the server or confuse it about a message's meaning.
//! The sender of a message is never a field: it is the connection that carried
//! it, which the server already has.

use serde::{Deserialize, Serialize};

/// Identifier of a patient inside one room, shown only to the room's provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PatientId(pub u64);

/// Identifier of a call inside one room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallId(pub u64);

/// A WebRTC session description as `RTCSessionDescriptionInit` serialises it.
/// `Debug` redacts the SDP, which contains the browsers' IP addresses.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionDescription {
    #[serde(rename = "type")]
    pub kind: DescriptionKind,
    pub sdp: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DescriptionKind {
    Offer,
    Answer,
}

/// An ICE candidate as `RTCIceCandidate.toJSON()` serialises it. `Debug`
/// redacts the candidate line, which contains an IP address, and the ICE
/// username fragment.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(default)]
    pub sdp_mid: Option<String>,
    #[serde(default)]
    pub sdp_m_line_index: Option<u16>,
    #[serde(default)]
    pub username_fragment: Option<String>,
}

impl std::fmt::Debug for SessionDescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionDescription")
            .field("kind", &self.kind)
            .field("sdp", &crate::redact::Redacted(&self.sdp))
            .finish()
    }
}

impl std::fmt::Debug for IceCandidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IceCandidate")
            .field("candidate", &crate::redact::Redacted(&self.candidate))
            .field("sdp_mid", &self.sdp_mid)
            .field("sdp_m_line_index", &self.sdp_m_line_index)
            .field("username_fragment", &self.username_fragment.as_ref().map(crate::redact::Redacted))
            .finish()
    }
}

/// A message from a browser. Which of them a connection may send depends on
/// its role (provider or patient) and on the state of the room.
///
/// `Debug` prints the message's type only, never a name, token or text.
/// `Serialize` gives the same JSON back, for forwarding to another server.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// Patient: enter the waiting room under a self-declared display name.
    CheckIn { name: String },
    /// Patient: take back a place in the queue, or a side of the running call,
    /// after a reload or a lost connection, also on a restarted server. The
    /// name is used only when this server does not know the patient yet.
    Resume { token: String, name: String },
    /// Provider: take back the provider's side of a running call after the
    /// connection was lost, with the ticket of that call.
    ResumeCall { token: String },
    /// Patient: leave the waiting room. Variants without data are empty
    /// structs so that `deny_unknown_fields` applies to them too.
    Leave {},
    /// Provider: start a call with this waiting patient.
    Admit { patient: PatientId },
    /// Provider: send this patient away, waiting or in a call.
    Remove { patient: PatientId },
    /// Provider: show a short note to one waiting patient, such as "about 5 minutes".
    NotePatient { patient: PatientId, text: String },
    /// Call participant: an offer or answer for the other participant.
    Description { description: SessionDescription },
    /// Call participant: a trickled ICE candidate, or `null` at the end of candidates.
    Candidate { candidate: Option<IceCandidate> },
    /// Call participant: whether the microphone is on, whether video is sent,
    /// and whether that video is a shared screen. Clients that predate screen
    /// sharing omit `screen`.
    MediaState {
        audio: bool,
        video: bool,
        #[serde(default)]
        screen: bool,
    },
    /// Call participant: end the call.
    HangUp {},
}

/// One waiting patient as the provider's dashboard shows them. `Debug`
/// redacts the name.
#[derive(Clone, PartialEq, Serialize)]
pub struct QueueEntry {
    pub id: PatientId,
    /// Self-declared and unverified; only ever sent to the room's provider.
    pub name: String,
    /// Unix time in milliseconds.
    pub waiting_since: u64,
    /// False while the patient's browser is reconnecting.
    pub connected: bool,
}

/// The running call as the provider's dashboard shows it. `Debug` redacts
/// the patient's name.
#[derive(Clone, PartialEq, Serialize)]
pub struct CallSummary {
    pub id: CallId,
    pub patient: PatientId,
    pub name: String,
    /// Unix time in milliseconds.
    pub started_at: u64,
}

impl std::fmt::Debug for QueueEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueEntry")
            .field("id", &self.id)
            .field("name", &crate::redact::Redacted(&self.name))
            .field("waiting_since", &self.waiting_since)
            .field("connected", &self.connected)
            .finish()
    }
}

impl std::fmt::Debug for CallSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallSummary")
            .field("id", &self.id)
            .field("patient", &self.patient)
            .field("name", &crate::redact::Redacted(&self.name))
            .field("started_at", &self.started_at)
            .finish()
    }
}

/// An ICE server entry as `RTCIceServer` expects it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// The only state a patient ever learns about the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatientStatus {
    Waiting,
}

/// Why a call or a waiting-room visit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    HungUp,
    Removed,
    Left,
    ProviderLeft,
    PatientLeft,
    Replaced,
    /// The room closed because an operator disabled the provider's account
    /// or removed its second factor; the server closes every socket of the room.
    RoomClosed,
}

/// Machine-readable error codes; browsers show them in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidMessage,
    MessageTooLarge,
    InvalidName,
    NotAllowed,
    NotCheckedIn,
    AlreadyCheckedIn,
    ResumeFailed,
    QueueFull,
    RateLimited,
    UnknownPatient,
    PatientNotConnected,
    CallInProgress,
    NoCall,
    InvalidNote,
}

/// A message from the server to one browser.
///
/// `Debug` prints the message's type only (and an error's code), never a
/// name, token or text.
#[derive(Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Patient (on check-in and then now and then) and provider (during a
    /// call): a signed ticket to resume with after a lost connection. Each
    /// ticket expires after the rejoin grace period, so it is renewed.
    Ticket { token: String },
    /// Patient: their own status, with the provider's note to them if any,
    /// and nothing about anybody else.
    Status {
        state: PatientStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Provider: the whole waiting room, sent after every change.
    Queue {
        patients: Vec<QueueEntry>,
        call: Option<CallSummary>,
    },
    /// Both participants: the call starts. The polite side yields when offers
    /// collide (perfect negotiation). The server fills `ice_servers` per person,
    /// with TURN credentials of that person's own, and sets `relay_only` when
    /// the browser must send all media through the TURN server.
    CallStarted {
        call: CallId,
        polite: bool,
        ice_servers: Vec<IceServer>,
        relay_only: bool,
    },
    Description { description: SessionDescription },
    Candidate { candidate: Option<IceCandidate> },
    MediaState { audio: bool, video: bool, screen: bool },
    /// A participant took back its side of the running call; messages that
    /// the other side sent in the meantime follow.
    CallResumed {},
    /// Both participants, or a waiting patient who was sent away.
    CallEnded { reason: EndReason },
    Error { code: ErrorCode },
}

impl ClientMessage {
    /// Returns the message's `type`, as the browser sent it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CheckIn { .. } => "check_in",
            Self::Resume { .. } => "resume",
            Self::ResumeCall { .. } => "resume_call",
            Self::Leave {} => "leave",
            Self::Admit { .. } => "admit",
            Self::Remove { .. } => "remove",
            Self::NotePatient { .. } => "note_patient",
            Self::Description { .. } => "description",
            Self::Candidate { .. } => "candidate",
            Self::MediaState { .. } => "media_state",
            Self::HangUp {} => "hang_up",
        }
    }
}

impl std::fmt::Debug for ClientMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientMessage({})", self.kind())
    }
}

impl std::fmt::Debug for ServerMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Error { code } => write!(f, "ServerMessage(error {code:?})"),
            other => {
                let kind = serde_json::to_value(other).ok().and_then(|value| value["type"].as_str().map(str::to_owned));
                write!(f, "ServerMessage({})", kind.unwrap_or_default())
            }
        }
    }
}

/// Decode a client message, rejecting anything the types do not describe.
pub fn decode(text: &str) -> Result<ClientMessage, serde_json::Error> {
    serde_json::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_check_in() {
        let message = decode(r#"{"type":"check_in","name":"Ada"}"#).unwrap();
        assert_eq!(message, ClientMessage::CheckIn { name: "Ada".into() });
    }

    #[test]
    fn decode_browser_candidate() {
        let text = r#"{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}}"#;
        assert!(matches!(decode(text), Ok(ClientMessage::Candidate { candidate: Some(_) })));
        assert!(matches!(
            decode(r#"{"type":"candidate","candidate":null}"#),
            Ok(ClientMessage::Candidate { candidate: None })
        ));
    }

    #[test]
    fn decode_media_state_screen() {
        let shared = decode(r#"{"type":"media_state","audio":true,"video":true,"screen":true}"#).unwrap();
        assert_eq!(shared, ClientMessage::MediaState { audio: true, video: true, screen: true });
        let without_screen = decode(r#"{"type":"media_state","audio":true,"video":false}"#).unwrap();
        assert_eq!(without_screen, ClientMessage::MediaState { audio: true, video: false, screen: false });
        assert!(decode(r#"{"type":"media_state","audio":true,"video":true,"screen":"yes"}"#).is_err());
    }

    #[test]
    fn decode_rejects_unknown_type() {
        assert!(decode(r#"{"type":"become_provider"}"#).is_err());
    }

    #[test]
    fn decode_rejects_unknown_field() {
        assert!(decode(r#"{"type":"hang_up","from":"provider"}"#).is_err());
        assert!(decode(r#"{"type":"admit","patient":1,"room":"other"}"#).is_err());
        let nested = r#"{"type":"description","description":{"type":"offer","sdp":"v=0","to":"x"}}"#;
        assert!(decode(nested).is_err());
    }

    #[test]
    fn decode_rejects_duplicate_keys() {
        assert!(decode(r#"{"type":"check_in","name":"A","name":"B"}"#).is_err());
        assert!(decode(r#"{"type":"leave","type":"hang_up"}"#).is_err());
        let nested = r#"{"type":"description","description":{"type":"offer","sdp":"a","sdp":"b"}}"#;
        assert!(decode(nested).is_err());
    }

    #[test]
    fn decode_rejects_invalid_json() {
        assert!(decode("{").is_err());
        assert!(decode("[]").is_err());
        assert!(decode(r#"{"name":"no type"}"#).is_err());
        assert!(decode(r#"{"type":"description","description":{"type":"pranswer","sdp":""}}"#).is_err());
    }

    #[test]
    fn encode_server_message() {
        let text = serde_json::to_string(&ServerMessage::Status { state: PatientStatus::Waiting, note: None }).unwrap();
        assert_eq!(text, r#"{"type":"status","state":"waiting"}"#);
        let text = serde_json::to_string(&ServerMessage::CallResumed {}).unwrap();
        assert_eq!(text, r#"{"type":"call_resumed"}"#);
    }

    #[test]
    fn debug_prints_no_names_or_tokens() {
        let check_in = decode(r#"{"type":"check_in","name":"Zyxwort Ada"}"#).unwrap();
        assert_eq!(format!("{check_in:?}"), "ClientMessage(check_in)");
        let ticket = ServerMessage::Ticket { token: "secret-token".into() };
        assert_eq!(format!("{ticket:?}"), "ServerMessage(ticket)");
        let note = ServerMessage::Status { state: PatientStatus::Waiting, note: Some("Zyxwort".into()) };
        assert!(!format!("{note:?}").contains("Zyxwort"));
    }

    #[test]
    fn client_messages_round_trip_for_forwarding() {
        let messages = [
            r#"{"type":"check_in","name":"Ada Lovelace"}"#,
            r#"{"type":"resume","token":"abc.def","name":"Ada"}"#,
            r#"{"type":"resume_call","token":"abc.def"}"#,
            r#"{"type":"leave"}"#,
            r#"{"type":"admit","patient":4503599627370495}"#,
            r#"{"type":"remove","patient":7}"#,
            r#"{"type":"note_patient","patient":7,"text":"Noch 5 Minuten"}"#,
            r#"{"type":"description","description":{"type":"offer","sdp":"v=0\r\n"}}"#,
            r#"{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 192.0.2.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"ab"}}"#,
            r#"{"type":"candidate","candidate":null}"#,
            r#"{"type":"media_state","audio":true,"video":false,"screen":true}"#,
            r#"{"type":"hang_up"}"#,
        ];
        for text in messages {
            let message = decode(text).unwrap();
            let forwarded = serde_json::to_string(&message).unwrap();
            assert_eq!(decode(&forwarded).unwrap(), message, "{text} came back as {forwarded}");
        }
    }
}
