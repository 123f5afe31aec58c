//! Signed tickets: the server's word that a connection may take back a queue
//! place or a side of a call (see [`crate::core::room::Ticket`]).
//!
//! A ticket is `<payload>.<tag>`: the payload is base64url JSON naming the
//! room and what the room vouched for, the tag its HMAC-SHA256 under a key
//! that every server process shares through the database. A ticket contains
//! nothing about the patient beyond a number and times. The name stays in the
//! browser and in the room's memory.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::core::room::{Millis, Ticket};
use crate::store::ProviderId;

/// Maximum length of a ticket, far above a real one (about 250 bytes).
const MAX_TICKET_BYTES: usize = 1024;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Signed {
    room: i64,
    ticket: Ticket,
}

/// The key that signs and checks tickets. Redacted in `Debug`.
#[derive(Clone)]
pub struct TicketKey(Vec<u8>);

impl std::fmt::Debug for TicketKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TicketKey(<redacted>)")
    }
}

impl TicketKey {
    pub fn new(key: Vec<u8>) -> Self {
        Self(key)
    }

    pub fn sign(&self, room: ProviderId, ticket: Ticket) -> String {
        let payload = serde_json::to_vec(&Signed { room: room.0, ticket }).expect("a ticket always serialises");
        let payload = URL_SAFE_NO_PAD.encode(payload);
        let tag = URL_SAFE_NO_PAD.encode(self.mac(payload.as_bytes()).finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// Returns the ticket if the tag is right, it was issued for `room` and
    /// it has not expired at `now`.
    pub fn verify(&self, room: ProviderId, token: &str, now: Millis) -> Option<Ticket> {
        if token.len() > MAX_TICKET_BYTES {
            return None;
        }
        let (payload, tag) = token.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.mac(payload.as_bytes()).verify_slice(&tag).ok()?;
        let signed: Signed = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (signed.room == room.0 && signed.ticket.expires > now).then_some(signed.ticket)
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(payload);
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::protocol::{CallId, PatientId};
    use crate::core::room::{CallClaim, TicketRole};

    fn ticket(expires: Millis) -> Ticket {
        Ticket {
            role: TicketRole::Patient,
            patient: PatientId(7),
            waiting_since: 1_000,
            call: Some(CallClaim { id: CallId(9), started_at: 2_000 }),
            expires,
        }
    }

    #[test]
    fn round_trip() {
        let key = TicketKey::new(vec![1; 32]);
        let token = key.sign(ProviderId(3), ticket(10_000));
        assert_eq!(key.verify(ProviderId(3), &token, 9_999), Some(ticket(10_000)));
    }

    #[test]
    fn refuses_other_room_expired_or_other_key() {
        let key = TicketKey::new(vec![1; 32]);
        let token = key.sign(ProviderId(3), ticket(10_000));
        assert_eq!(key.verify(ProviderId(4), &token, 5_000), None);
        assert_eq!(key.verify(ProviderId(3), &token, 10_000), None);
        assert_eq!(TicketKey::new(vec![2; 32]).verify(ProviderId(3), &token, 5_000), None);
    }

    #[test]
    fn refuses_tampered_payload() {
        let key = TicketKey::new(vec![1; 32]);
        let token = key.sign(ProviderId(3), ticket(10_000));
        let (payload, tag) = token.split_once('.').unwrap();
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        let forged = URL_SAFE_NO_PAD.encode(json.replace("\"patient\":7", "\"patient\":8"));
        assert_eq!(key.verify(ProviderId(3), &format!("{forged}.{tag}"), 5_000), None);
        assert_eq!(key.verify(ProviderId(3), "garbage", 5_000), None);
        assert_eq!(key.verify(ProviderId(3), &"a.b".repeat(1000), 5_000), None);
    }
}
