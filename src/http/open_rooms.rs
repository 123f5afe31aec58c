//! A short-lived memory of rooms that were open, so that a patient's
//! WebSocket does not cost two database queries. The background room check
//! closes a room whose provider was disabled within [`ROOM_CHECK_INTERVAL`]
//! and removes it here. Entries live no longer than that interval either, so
//! a disabled room takes new patients for no longer than it keeps its current
//! ones.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use super::ROOM_CHECK_INTERVAL;
use crate::store::ProviderId;

/// Entries kept at most; past this, expired entries are dropped first.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Default)]
pub struct OpenRooms {
    rooms: Mutex<HashMap<String, (ProviderId, Instant)>>,
}

impl OpenRooms {
    /// Returns the provider of the room with this slug if it was found open
    /// less than [`ROOM_CHECK_INTERVAL`] ago.
    pub fn get(&self, slug: &str, now: Instant) -> Option<ProviderId> {
        let rooms = self.rooms.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        rooms.get(slug).filter(|(_, seen)| now.duration_since(*seen) < ROOM_CHECK_INTERVAL).map(|(provider, _)| *provider)
    }

    /// Records that the room with this slug is open now.
    pub fn insert(&self, slug: &str, provider: ProviderId, now: Instant) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if rooms.len() >= MAX_ENTRIES {
            rooms.retain(|_, (_, seen)| now.duration_since(*seen) < ROOM_CHECK_INTERVAL);
        }
        if rooms.len() < MAX_ENTRIES {
            rooms.insert(slug.to_owned(), (provider, now));
        }
    }
}

impl OpenRooms {
    /// Forgets the rooms of a provider who may no longer receive patients.
    pub fn forget(&self, provider: ProviderId) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        rooms.retain(|_, (room, _)| *room != provider);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_rooms_expire_after_the_room_check_interval() {
        let rooms = OpenRooms::default();
        let start = Instant::now();
        rooms.insert("praxis-muster", ProviderId(7), start);

        assert_eq!(rooms.get("praxis-muster", start), Some(ProviderId(7)));
        assert_eq!(rooms.get("praxis-andere", start), None);
        assert_eq!(rooms.get("praxis-muster", start + ROOM_CHECK_INTERVAL), None, "an old entry still counts");

        rooms.forget(ProviderId(7));
        assert_eq!(rooms.get("praxis-muster", start), None, "a closed room is still known");
    }

    #[test]
    fn open_rooms_stay_bounded() {
        let rooms = OpenRooms::default();
        let start = Instant::now();
        for index in 0..MAX_ENTRIES + 10 {
            rooms.insert(&format!("praxis-{index}"), ProviderId(index as i64), start);
        }
        assert_eq!(rooms.rooms.lock().unwrap().len(), MAX_ENTRIES);

        let later = start + ROOM_CHECK_INTERVAL;
        rooms.insert("praxis-neu", ProviderId(1), later);
        assert_eq!(rooms.rooms.lock().unwrap().len(), 1, "expired entries were kept");
    }
}
