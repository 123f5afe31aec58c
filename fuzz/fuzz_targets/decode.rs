//! Feeds arbitrary text to the WebSocket message decoder. Besides not
//! panicking, a decoded message must survive the room's message handling as
//! both a provider and a patient would send it.

#![no_main]

use libfuzzer_sys::fuzz_target;
use visite::core::protocol::decode;
use visite::core::room::{ConnId, Limits, Room};

const PROVIDER: ConnId = ConnId(1);
const PATIENT: ConnId = ConnId(2);

fuzz_target!(|data: &[u8]| {
    // The WebSocket layer rejects text frames that are not UTF-8 before they
    // reach the decoder, so only valid text is decoded.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(message) = decode(text) else {
        return;
    };

    let mut room = Room::new(Limits::default());
    room.provider_connected(PROVIDER);
    room.patient_connected(PATIENT, 0);
    room.handle(PROVIDER, message.clone(), 1_000);
    room.handle(PATIENT, message, 2_000);
});
